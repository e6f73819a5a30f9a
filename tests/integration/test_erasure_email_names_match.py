"""Review 7, findings 4 and 10: after a newcomer erases her data, the other side's email names the
match by its day (her name is gone), calls an unanswered introduction an introduction, not a match,
and does not tell an employer whose placement was running that "the position is free again"."""

from __future__ import annotations

import asyncpg

from lotse.intake import privacy
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    FastRetries,
    add_match,
    add_participant,
    add_position,
    deliver_all,
    notify,
    to,
)
from tests.mail_text import unwrapped


async def test_the_counterparts_name_the_match_an_erasure_ended(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    employer = await add_participant(pool, "employer", name="Klinikum Gera", locale="de")
    mentor = await add_participant(pool, "mentor", name="Sabine Krüger", locale="en")
    position = await add_position(pool, employer, title="Pflegefachkraft")
    placed = await add_match(pool, "employer", newcomer, position, status="active")
    introduced = await add_match(pool, "mentor", newcomer, mentor.id)
    # Both said yes on 3 November; Sabine's introduction went out on 24 November (Thuringia's days).
    await pool.execute("UPDATE matches SET introduced_at = '2026-11-01 12:00+01', active_at = '2026-11-03 23:30+01' "
                       "WHERE id = $1", placed)
    await pool.execute("UPDATE matches SET introduced_at = '2026-11-24 00:30+01' WHERE id = $1", introduced)
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, newcomer.id)
    await notify(pool)
    await deliver_all(delivery)

    [klinikum] = to(sink, employer.email)
    assert klinikum.subject == "Ihr Match ist beendet – Ihre Stelle: Pflegefachkraft"
    assert "Ihr Match, das am 3. November 2026 begonnen hat, ist beendet." in unwrapped(klinikum.text)
    assert "Ihre Stelle: Pflegefachkraft" in unwrapped(klinikum.text)
    assert "Die neu zugezogene Person ist nicht mehr bei Lotse angemeldet." in unwrapped(klinikum.text)
    assert "Lotse zählt die Stelle wieder als frei und kann sie jemand anderem vorschlagen." in unwrapped(klinikum.text)
    assert ("auf Ihrer Seite verringern" in unwrapped(klinikum.text)
            and "Die Stelle ist wieder frei." not in unwrapped(klinikum.text))

    [sabine] = to(sink, mentor.email)
    assert sabine.subject == "An introduction has been withdrawn"
    assert "the introduction we sent you on 24 November 2026 has been withdrawn." in unwrapped(sabine.text)
    assert "your match" not in unwrapped(sabine.text).lower()
    assert "The newcomer is no longer registered with Lotse." in unwrapped(sabine.text)
    assert "Your place is free again." in unwrapped(sabine.text)  # the introduction held it; nothing else does


async def test_an_erasure_ending_a_match_never_introduced_tells_nobody_about_it(pool: asyncpg.Pool) -> None:
    """A match only approved was never announced to its sides: its end (here by the newcomer's
    erasure, through the notifier consumer) makes no "your match has ended" for anyone, while the
    introduced one beside it still does."""
    newcomer = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    waiting = await add_participant(pool, "mentor", name="Petra Vogel", locale="de")
    introduced = await add_participant(pool, "mentor", name="Sabine Krüger", locale="en")
    approved = await add_match(pool, "mentor", newcomer, waiting.id, status="approved")
    await pool.execute("UPDATE matches SET introduced_at = NULL WHERE id = $1", approved)
    told = await add_match(pool, "mentor", newcomer, introduced.id)
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, newcomer.id)
    await notify(pool)

    rows = await pool.fetch("SELECT type, participant_id, match_id FROM notifications WHERE type = 'match_ended'")
    assert [(r["participant_id"], r["match_id"]) for r in rows if r["participant_id"] != newcomer.id] == [
        (introduced.id, told)
    ]
    assert all(r["match_id"] != approved for r in rows)
