"""`lotse reapply-erasures`: after a restore, whoever the replaced database had erased is erased again
(review 9a, F15). The "old" database is a schema of the test database with the three tables the
command reads, reached through a URL whose search_path points at it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from lotse.intake import reapply_erasures
from lotse.shared.cli import build_parser
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

OLD_SCHEMA = "restore_old"


@pytest.fixture
async def old_url(pool: asyncpg.Pool, migrated: str) -> AsyncIterator[str]:
    await pool.execute(f"DROP SCHEMA IF EXISTS {OLD_SCHEMA} CASCADE; CREATE SCHEMA {OLD_SCHEMA}")
    for table in ("participants", "audit_log", "erasure_receipts"):
        await pool.execute(f"CREATE TABLE {OLD_SCHEMA}.{table} (LIKE public.{table} INCLUDING DEFAULTS)")
    yield f"{migrated}{'&' if '?' in migrated else '?'}search_path={OLD_SCHEMA}"
    await pool.execute(f"DROP SCHEMA {OLD_SCHEMA} CASCADE")


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:
    response = await intake_client.post(path, json=body)
    assert response.status == 201
    participant_id = uuid.UUID((await response.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    return participant_id


async def _state(pool: asyncpg.Pool) -> dict[str, object]:
    return {
        "participants": [tuple(r) for r in await pool.fetch(
            "SELECT id, status, name, email FROM participants ORDER BY id")],
        "matches": [tuple(r) for r in await pool.fetch("SELECT id, status FROM matches ORDER BY id")],
        "outbox": await pool.fetchval("SELECT count(*) FROM outbox"),
        "audit": await pool.fetchval("SELECT count(*) FROM audit_log"),
        "receipts": await pool.fetchval("SELECT count(*) FROM erasure_receipts"),
    }


async def test_erasures_of_the_replaced_database_are_applied_again(
    intake_client: IntakeClient, pool: asyncpg.Pool, old_url: str, migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    erased_own = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    erased_by_centre = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    kept = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           VALUES ($1, 'mentor', $2, $3, 0.5, '[]', 'suggested')""", match_id, erased_own, mentor)
    registered_after_the_dump = uuid.uuid4()  # erased in the old database, never in the restored one
    # The old database: all four as they were, then the erasures after the dump.
    await pool.execute(f"INSERT INTO {OLD_SCHEMA}.participants SELECT * FROM public.participants")
    await pool.execute(
        f"""UPDATE {OLD_SCHEMA}.participants SET status = 'erased', name = NULL, email = NULL, erased_at = now()
            WHERE id = ANY($1::uuid[])""", [erased_own, erased_by_centre])
    await pool.execute(
        f"""INSERT INTO {OLD_SCHEMA}.audit_log (actor_id, actor_role, action, subject_type, subject_id, after)
            VALUES ($1, 'participant', 'participant.erase_own', 'participant', $1, '{{"status": "erased"}}'),
                   (NULL, 'admin', 'participant.erase', 'participant', $2, '{{"status": "erased"}}'),
                   (NULL, 'admin', 'participant.erase', 'participant', $3, '{{"status": "erased"}}'),
                   (NULL, 'admin', 'participant.pause', 'participant', $4, NULL)""",
        erased_own, erased_by_centre, registered_after_the_dump, kept)
    # The centre's erasure happened just before the crash: its confirmation had not gone out yet.
    await pool.execute(f"INSERT INTO {OLD_SCHEMA}.erasure_receipts (participant_id, email, locale) "
                       "VALUES ($1, 'x@example.org', 'en')", erased_by_centre)

    before = await _state(pool)
    assert await reapply_erasures.run(migrated, old_url, dry_run=True) == 0
    assert await _state(pool) == before  # a dry run changes nothing
    printed = capsys.readouterr().out
    assert f"would erase {erased_own}" in printed and f"would erase {erased_by_centre}" in printed
    assert str(kept) not in printed

    assert await reapply_erasures.run(migrated, old_url, dry_run=False) == 0
    printed = capsys.readouterr().out
    assert f"erased {erased_own}" in printed and f"erased {erased_by_centre}" in printed
    assert "3 erasure(s) in the old database: erased 2 here, 0 erased here already, 1 not in this database" \
        in printed
    statuses = {r["id"]: (r["status"], r["name"], r["email"])
                for r in await pool.fetch("SELECT id, status, name, email FROM participants")}
    assert statuses[erased_own] == statuses[erased_by_centre] == ("erased", None, None)
    assert statuses[kept][0] == statuses[mentor][0] == "verified"
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "withdrawn"
    announced = {r["payload"]["participant_id"] for r in await pool.fetch(
        "SELECT payload FROM outbox WHERE type = 'participant.erased'")}
    assert announced == {str(erased_own), str(erased_by_centre)}  # matcher and notifier are told
    assert {r["subject_id"] for r in await pool.fetch(
        "SELECT subject_id FROM audit_log WHERE action = 'participant.erase' AND actor_role = 'system'")} == {
        erased_own, erased_by_centre}
    # Confirmed before the crash: no second email; the pending one is sent (its receipt is back).
    assert {r["participant_id"] for r in await pool.fetch("SELECT participant_id FROM erasure_receipts")} == {
        erased_by_centre}

    assert await reapply_erasures.run(migrated, old_url, dry_run=False) == 0  # again: nothing left to do
    assert "erased 0 here, 2 erased here already" in capsys.readouterr().out


def test_the_command_takes_the_old_database_and_a_dry_run() -> None:
    args = build_parser().parse_args(["reapply-erasures", "--from", "postgresql://db/lotse_broken", "--dry-run"])
    assert (args.from_url, args.dry_run) == ("postgresql://db/lotse_broken", True)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reapply-erasures"])  # where from is never guessed
