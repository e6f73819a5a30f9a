"""The acceptance and completion rates of /api/v1/stats and the dashboard (review 4, finding 13):
accepted means both said yes, also when the match ended later; only answered introductions count."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import stats
from lotse.shared import matches


async def _mentor(pool: asyncpg.Pool) -> uuid.UUID:
    mentor = uuid.uuid4()
    await pool.execute("INSERT INTO participants (id, kind, name, email, preferred_locale, district) "
                       "VALUES ($1, 'mentor', 'M', 'm@example.org', 'de', '16052')", mentor)
    return mentor


async def _match(pool: asyncpg.Pool, mentor: uuid.UUID, status: str, *, accepted: bool,
                 end_reason: str | None = None) -> None:
    newcomer = uuid.uuid4()
    await pool.execute("INSERT INTO participants (id, kind, name, email, preferred_locale, district) "
                       "VALUES ($1, 'newcomer', 'N', $2, 'de', '16052')", newcomer, f"{newcomer}@example.org")
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, active_at, end_reason)
           VALUES ($1, 'mentor', $2, $3, 0.5, $4, CASE WHEN $5 THEN now() END, $6)""",
        uuid.uuid4(), newcomer, mentor, status, accepted, end_reason,
    )


async def test_rates_count_what_both_sides_answered(pool: asyncpg.Pool) -> None:
    mentor = await _mentor(pool)
    # The review's case: two accepted by both, one of them later ended ("find someone else"),
    # two still awaiting answers.
    for status, accepted in [(matches.ACTIVE, True), (matches.CANCELLED, True),
                             (matches.INTRODUCED, False), (matches.INTRODUCED, False)]:
        await _match(pool, mentor, status, accepted=accepted)
    async with pool.acquire() as conn:
        figures = await stats.collect(conn)
    assert figures["acceptance_rate"] == 1.0  # was 0.25
    assert figures["completion_rate"] == 0.0  # the one that ran and ended did not complete

    # A decline answers against; a match cancelled before anyone answered counts in neither.
    for status, accepted in [(matches.DECLINED, False), (matches.CANCELLED, False), (matches.COMPLETED, True)]:
        await _match(pool, mentor, status, accepted=accepted)
    async with pool.acquire() as conn:
        figures = await stats.collect(conn)
    assert figures["acceptance_rate"] == 0.75  # 3 of 4 answered
    assert figures["completion_rate"] == 0.5  # 1 of the 2 that ran and ended


async def test_an_erasure_is_not_a_failed_match(pool: asyncpg.Pool) -> None:
    """Review 7, finding 4: a participant who erases their data after a placement ends their running
    matches (cancelled, participant_erased); the completion rate leaves those out, as it leaves out
    matches still running."""
    mentor = await _mentor(pool)
    await _match(pool, mentor, matches.CANCELLED, accepted=True, end_reason=matches.END_ERASED)
    async with pool.acquire() as conn:
        figures = await stats.collect(conn)
    assert figures["completion_rate"] is None  # was 0.0: nothing that ran has ended otherwise
    assert figures["acceptance_rate"] == 1.0  # both had said yes

    for end_reason in (matches.END_REMATCH, None):
        await _match(pool, mentor, matches.CANCELLED, accepted=True, end_reason=end_reason)
    await _match(pool, mentor, matches.COMPLETED, accepted=True)
    async with pool.acquire() as conn:
        figures = await stats.collect(conn)
    assert figures["completion_rate"] == round(1 / 3, 3)  # the erasure in neither count
