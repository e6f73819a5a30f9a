"""The coordinators' digest against real PostgreSQL and SMTP: many suggestions make one email per
coordinator and window, inactive coordinators get none, and an empty window sends nothing."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake.dashboard import account_pages
from lotse.notifier import digest, notifications_db
from lotse.shared import matches
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    FastRetries,
    add_coordinator,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    sink,
    smtp_settings,
    to,
)
from tests.mail_text import unwrapped

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

HOUR = 3600.0
T0 = 1_800_000_000.0  # a window start: T0 // HOUR is whole


async def pass_at(pool: asyncpg.Pool, now: float) -> int:
    async with pool.acquire() as conn:
        return await digest.request_digests(conn, HOUR, now=now)


async def test_many_suggestions_make_one_digest_per_coordinator_and_window(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    coordinator, email = await add_coordinator(pool)
    await add_coordinator(pool, active=False)
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    for i in range(12):
        mentor = await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de")
        await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")
    flagged_mentor = await add_participant(pool, "mentor", name="Silent", locale="de")
    flagged = await add_match(pool, "mentor", newcomer, flagged_mentor.id, flag_code=matches.FLAG_UNANSWERED)

    assert await pass_at(pool, T0 + 10) == 1  # the active coordinator only
    assert await pass_at(pool, T0 + 1800) == 0  # same window: the dedupe key refuses a second row
    await deliver_all(delivery)

    [mail] = to(sink, email)
    assert mail.headers["Content-Language"] == "de"
    assert "12 neue Vorschläge seit der letzten Übersicht, insgesamt 12 offen." in unwrapped(mail.text)
    # Says what needs doing, and for whom: both sides by name, a link to the match itself.
    assert mail.subject == "Lotse: Matches mit Handlungsbedarf: 1 · neue Vorschläge: 12"
    assert "Mentoring: Lan ↔ Silent – keine Antwort von beiden Seiten nach einer Erinnerung" in unwrapped(mail.text)
    assert f"/dashboard/matches/{flagged}" in unwrapped(mail.text)
    assert 'href="http' in (mail.html or "") and f"/dashboard/matches/{flagged}\"" in (mail.html or "")
    assert ("Alle markierten Matches: http" in unwrapped(mail.text)
            and "/dashboard/matches?flagged=1" in unwrapped(mail.text))
    # What needs doing comes first, as in the subject (review 12, F14), in both parts.
    for part, queue in ((mail.text, "Prüfliste:"), (mail.html or "", "Prüfliste öffnen")):
        assert part.index("Matches, die Aufmerksamkeit brauchen:") < part.index("12 neue Vorschläge seit") \
            < part.index(queue), part
    # Last, why it comes and the dashboard page that switches it off (the page intake serves).
    lines = mail.text.splitlines()
    switch = lines[lines.index("-- ") - 2]
    assert switch.startswith("http") and switch.endswith(account_pages.DIGEST_PATH)
    assert f'href="{switch}">Übersicht per E-Mail aus- oder einschalten</a>' in (mail.html or "")
    assert len(sink.messages()) == 1
    row = await pool.fetchrow("SELECT status, coordinator_id, participant_id FROM notifications")
    assert (row["status"], row["coordinator_id"], row["participant_id"]) == ("sent", coordinator, None)


async def test_the_next_window_tells_only_what_is_new(pool: asyncpg.Pool, delivery: FastRetries,
                                                      sink: MailSink) -> None:
    _, email = await add_coordinator(pool)
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    first = await add_participant(pool, "mentor", name="First", locale="de")
    await add_match(pool, "mentor", newcomer, first.id, status="suggested")
    await pass_at(pool, T0)
    await deliver_all(delivery)

    # Next window: the suggestion was decided, nothing is new, open or flagged. A late pass may
    # still request a row (it looks back one interval), but no email goes out.
    await pool.execute("UPDATE matches SET status = 'rejected'")
    await pass_at(pool, T0 + HOUR)
    await deliver_all(delivery)
    assert len(to(sink, email)) == 1

    second = await add_participant(pool, "mentor", name="Second", locale="de")
    await add_match(pool, "mentor", newcomer, second.id, status="suggested")
    assert await pass_at(pool, T0 + 2 * HOUR) == 1
    await deliver_all(delivery)
    latest = to(sink, email)[-1]
    assert len(to(sink, email)) == 2
    assert "1 neue Vorschläge seit der letzten Übersicht, insgesamt 1 offen." in latest.text


async def test_no_digest_without_news(pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink) -> None:
    await add_coordinator(pool)
    assert await pass_at(pool, T0) == 0
    assert await deliver_all(delivery) == 0 and sink.messages() == []


async def test_undelivered_emails_reach_the_coordinators(pool: asyncpg.Pool, delivery: FastRetries,
                                                         sink: MailSink) -> None:
    _, email = await add_coordinator(pool)
    lan = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="M", locale="de")
    await add_match(pool, "mentor", lan, mentor.id, status="suggested")
    sink.inject("550 5.1.1 mailbox unavailable")
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type="registration_confirmed", event_id=uuid.uuid4(),
                                       participant_id=lan.id)
    await deliver_all(delivery)
    await pass_at(pool, T0)
    await deliver_all(delivery)
    [mail] = to(sink, email)
    assert "nicht zugestellt werden konnten: 1" in unwrapped(mail.text)


async def test_a_digest_of_twenty_flagged_matches_in_long_names_reaches_a_strict_server(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    """Review 9d: with about five flagged matches the HTML list was one line over SMTP's 998 octets,
    the sink (aiosmtpd, as strict as many servers) answered "500 Line too long", and the digest
    failed every hour from then on."""
    _, email = await add_coordinator(pool)
    for i in range(20):
        newcomer = await add_participant(pool, "newcomer", name=f"Олександра Шевчук-Коваленко {i}", locale="uk")
        mentor = await add_participant(pool, "mentor", name=f"Hannelore Friederike Schwarzenberger {i}", locale="de")
        await add_match(pool, "mentor", newcomer, mentor.id, flag_code=matches.FLAG_UNANSWERED)
    assert await pass_at(pool, T0 + 10) == 1
    await deliver_all(delivery)
    assert await pool.fetchval("SELECT status || coalesce(' ' || last_error, '') FROM notifications") == "sent"
    [mail] = to(sink, email)
    assert (mail.html or "").count("/dashboard/matches/") == 20
    assert max(map(len, mail.path.read_bytes().splitlines())) <= 998


async def test_a_periodic_pass_wakes_the_senders_only_when_it_made_a_digest_and_holds_the_lock(
    pool: asyncpg.Pool,
) -> None:
    """digest.run_once, what run_periodically repeats: under the lock of singleton_job.run_locked
    (one notifier instance at a time), waking the delivery loops only for new rows."""
    woken: list[None] = []
    await add_coordinator(pool)
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="M", locale="de")
    await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")

    async with pool.acquire() as other_instance, other_instance.transaction():
        assert await other_instance.fetchval("SELECT pg_try_advisory_xact_lock($1)", digest.LOCK_KEY)
        assert await digest.run_once(pool, HOUR, lambda: woken.append(None)) is None
    assert woken == [] and await pool.fetchval("SELECT count(*) FROM notifications") == 0

    assert await digest.run_once(pool, HOUR, lambda: woken.append(None)) == {"digests_requested": 1}
    assert len(woken) == 1
    assert await digest.run_once(pool, HOUR, lambda: woken.append(None)) == {"digests_requested": 0}
    assert len(woken) == 1  # the window's digest exists: nothing new, nobody woken


async def test_a_flag_left_waiting_is_told_each_morning_not_every_window(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    """Review 12, F10: while one flagged match waited, every coordinator got a digest every window."""
    _, email = await add_coordinator(pool)
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    silent = await add_participant(pool, "mentor", name="Silent", locale="de")
    await add_match(pool, "mentor", newcomer, silent.id, flag_code=matches.FLAG_UNANSWERED)
    await pool.execute("UPDATE matches SET flagged_at = now() - interval '2 days'")
    morning = T0 - HOUR  # 07:00 UTC on 2027-01-15: 08:00 in Thuringia
    assert digest.is_morning(HOUR, morning) and not digest.is_morning(HOUR, T0)

    assert [await pass_at(pool, at) for at in (T0, T0 + HOUR, T0 + 5 * HOUR)] == [0, 0, 0]
    assert await pass_at(pool, morning + 60) == 1
    await deliver_all(delivery)
    [mail] = to(sink, email)
    assert "Mentoring: Lan ↔ Silent" in mail.text

    # Flagged again within the window: told at once, whatever the hour.
    await pool.execute("UPDATE matches SET flagged_at = now()")
    assert await pass_at(pool, T0 + 5 * HOUR) == 1


async def test_a_coordinator_who_turned_the_digest_off_gets_none(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    _, email = await add_coordinator(pool)
    _, other = await add_coordinator(pool, digest=False)
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Renate", locale="de")
    await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")

    assert await pass_at(pool, T0) == 1
    await deliver_all(delivery)
    assert len(to(sink, email)) == 1 and to(sink, other) == []
