"""A storage limit for people who left (review 9b, F8) and the erasure receipts' safety net (F9):
timestamps aged in SQL, the retention pass run directly."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg

from lotse.intake import inactive, retention
from lotse.shared import events, reference
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import FastRetries, Person, add_participant, deliver_all, notify, to
from tests.integration.test_self_service import manage_link

DAYS = 730
PERIODS = retention.Periods(unverified_days=30, ended_match_days=365, email_log_days=180, inactive_days=DAYS)
NOTICES = f"SELECT payload FROM outbox WHERE payload->>'notification' = '{inactive.NOTIFICATION}'"


async def _aged(pool: asyncpg.Pool, who: uuid.UUID, days: int = 800) -> None:
    await pool.execute("""UPDATE participants SET created_at = now() - make_interval(days => $2),
                                 verified_at = now() - make_interval(days => $2),
                                 updated_at = now() - make_interval(days => $2) WHERE id = $1""", who, days)


async def _match(pool: asyncpg.Pool, newcomer: uuid.UUID, counterpart: uuid.UUID, status: str, kind: str = "mentor",
                 days: int = 800) -> None:
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, created_at,
                                decided_at, ended_at)
           VALUES ($1, $2, $3, $4, 0.5, '[]', $5, now() - make_interval(days => $6),
                   now() - make_interval(days => $6),
                   CASE WHEN $5 IN ('completed', 'cancelled') THEN now() - make_interval(days => $6) END)""",
        uuid.uuid4(), kind, newcomer, counterpart, status, days)


async def _course(pool: asyncpg.Pool, provider: uuid.UUID) -> uuid.UUID:
    course = uuid.uuid4()
    await pool.execute("""INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats,
                                               starts_on)
                          VALUES ($1, $2, 'B1', 'B1', 'morning', 'in_person', '16051', 10, '2024-01-08')""",
                       course, provider)
    return course


async def _pass(pool: asyncpg.Pool, periods: retention.Periods = PERIODS) -> dict[str, int]:
    """One retention pass; the intake app of the client fixture runs its own at start-up under the
    same lock, so one may find the lock taken (None) and is asked again."""
    for _ in range(50):
        done = await retention.run_once(pool, periods)
        if done is not None:
            return done
        await asyncio.sleep(0.1)
    raise AssertionError("the retention lock stayed taken")


async def _noticed(pool: asyncpg.Pool) -> list[str]:
    return sorted(r["payload"]["participant_id"] for r in await pool.fetch(NOTICES))


async def _status(pool: asyncpg.Pool, who: Person) -> str:
    status: str = await pool.fetchval("SELECT status FROM participants WHERE id = $1", who.id)
    return status


async def _erase_day_comes(pool: asyncpg.Pool) -> None:
    await pool.execute("UPDATE participants SET inactive_erase_on = $1 WHERE inactive_erase_on IS NOT NULL",
                       reference.today())


async def test_notice_once_then_erased_on_its_day_with_the_usual_confirmation(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    recent = await add_participant(pool, "mentor", name="Renate Vogel", locale="de")
    for who in (lan, mentor):
        await _aged(pool, who.id)
    await _aged(pool, recent.id, days=650)  # quiet, but not yet for 730 - 30 days
    await _match(pool, lan.id, mentor.id, "completed")  # ended long ago: nothing running

    done = await retention.run_once(pool, PERIODS)
    assert done is not None and (done["inactive_noticed"], done["inactive_erased"]) == (2, 0)
    assert await _noticed(pool) == sorted([str(lan.id), str(mentor.id)])
    erase_on = await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", lan.id)
    assert erase_on == reference.today() + timedelta(days=inactive.NOTICE_DAYS)

    again = await retention.run_once(pool, PERIODS)  # an hour later: no second notice, nobody erased
    assert again is not None and (again["inactive_noticed"], again["inactive_erased"]) == (0, 0)
    assert len(await _noticed(pool)) == 2 and await _status(pool, lan) == "verified"

    await notify(pool)
    await deliver_all(delivery)
    [mail] = to(sink, lan.email)
    assert mail.headers["Content-Language"] == "vi"
    text = " ".join(mail.text.split())
    assert mail.subject.startswith("Chúng tôi sẽ xóa đăng ký của bạn vào")
    assert "“Giữ đăng ký của tôi”" in text and "/manage/" in text
    [german] = to(sink, mentor.email)
    assert german.subject == f"Wir löschen Ihre Anmeldung am {erase_on.day}. " + german.subject.split(". ", 1)[1]
    assert "„Meine Anmeldung behalten“" in " ".join(german.text.split())

    await _erase_day_comes(pool)
    done = await retention.run_once(pool, PERIODS)
    assert done is not None and done["inactive_erased"] == 2
    assert await _status(pool, lan) == "erased" and await _status(pool, mentor) == "erased"
    assert await _status(pool, recent) == "verified"
    erased = await pool.fetch("SELECT payload FROM outbox WHERE type = $1", events.PARTICIPANT_ERASED)
    assert {r["payload"]["participant_id"] for r in erased} == {str(lan.id), str(mentor.id)}
    # The confirmation goes to the address kept in the receipt, as after any erasure.
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts") == 2
    audited = await pool.fetch("SELECT actor_role, after FROM audit_log WHERE action = 'participant.erase'")
    assert [(a["actor_role"], a["after"]["why"]) for a in audited] == [("system", inactive.NOTIFICATION)] * 2
    noticed_on = (await pool.fetchval("SELECT now()::date")).isoformat()  # the notice went out in this test
    assert [a["after"]["noticed_on"] for a in audited] == [noticed_on] * 2


async def test_keep_my_registration_cancels_the_erasure(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider = await add_participant(pool, "language_provider", name="VHS Gera", locale="de")
    await _aged(pool, provider.id)
    await _pass(pool)
    assert await _noticed(pool) == [str(provider.id)]

    page = await (await intake_client.get(manage_link(provider.id))).text()
    assert "Meine Anmeldung behalten" in page and 'value="keep"' in page
    kept = await intake_client.post(manage_link(provider.id), data={"action": "keep"}, allow_redirects=False)
    assert kept.status == 303
    page = await (await intake_client.get(manage_link(provider.id))).text()
    assert 'value="keep"' not in page  # the notice no longer stands

    await _erase_day_comes(pool)
    done = await _pass(pool)
    assert (done["inactive_noticed"], done["inactive_erased"]) == (0, 0)
    assert await _status(pool, provider) == "verified"


async def test_activity_recorded_elsewhere_cancels_it_too(pool: asyncpg.Pool) -> None:
    """A profile edit (updated_at) or an answer to a check-in after the notice: nothing is erased."""
    edits = await add_participant(pool, "mentor", name="Jan Krüger", locale="de")
    answers = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    other = await add_participant(pool, "mentor", name="Petra Lang", locale="de")
    for who in (edits, answers, other):
        await _aged(pool, who.id)
    await _match(pool, answers.id, other.id, "completed")
    await retention.run_once(pool, PERIODS)
    assert len(await _noticed(pool)) == 3
    await pool.execute("UPDATE participants SET updated_at = now() WHERE id = $1", edits.id)
    match_id = await pool.fetchval("SELECT id FROM matches WHERE newcomer_id = $1", answers.id)
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer) VALUES ($1, $2, 'newcomer', "
                       "'good')", match_id, answers.id)
    await _erase_day_comes(pool)
    done = await retention.run_once(pool, PERIODS)
    assert done is not None and done["inactive_erased"] == 1
    assert (await _status(pool, edits), await _status(pool, answers), await _status(pool, other)) == (
        "verified", "verified", "erased")


async def test_people_with_anything_open_or_running_are_never_touched(pool: asyncpg.Pool) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    mentor = await add_participant(pool, "mentor", name="Anna Schmidt", locale="de")
    provider = await add_participant(pool, "language_provider", name="Sprachschule Jena", locale="de")
    learner = await add_participant(pool, "newcomer", name="Ahmad Karimi", locale="de")
    waiting = await add_participant(pool, "newcomer", name="Bat-Erdene", locale="mn")
    for who in (newcomer, mentor, provider, learner, waiting):
        await _aged(pool, who.id)
    await _match(pool, newcomer.id, mentor.id, "active")  # running for years, unanswered check-ins
    await _match(pool, learner.id, await _course(pool, provider.id), "introduced", kind="language_course")
    await _match(pool, waiting.id, mentor.id, "suggested")  # waiting for the team's decision
    await pool.execute("UPDATE participants SET inactive_erase_on = $1, inactive_noticed_at = now() - "
                       "interval '40 days'", reference.today())  # even with a (stale) notice
    done = await retention.run_once(pool, PERIODS)
    assert done is not None and (done["inactive_noticed"], done["inactive_erased"]) == (0, 0)
    assert await _noticed(pool) == []


async def test_a_provider_with_only_old_matches_through_its_courses_is_noticed(pool: asyncpg.Pool) -> None:
    provider = await add_participant(pool, "language_provider", name="VHS Erfurt", locale="de")
    learner = await add_participant(pool, "newcomer", name="Amina Yusuf", locale="fr")
    await _aged(pool, provider.id)
    await _aged(pool, learner.id)
    course = await _course(pool, provider.id)
    await _match(pool, learner.id, course, "completed", kind="language_course", days=100)  # ended lately
    assert (await retention.run_once(pool, PERIODS) or {})["inactive_noticed"] == 0
    await pool.execute("UPDATE matches SET decided_at = now() - interval '800 days', "
                       "ended_at = now() - interval '800 days'")
    assert (await retention.run_once(pool, PERIODS) or {})["inactive_noticed"] == 2


async def test_zero_days_is_off(pool: asyncpg.Pool) -> None:
    quiet = await add_participant(pool, "mentor", name="Uwe Hahn", locale="de")
    await _aged(pool, quiet.id, days=5000)
    await pool.execute("UPDATE participants SET inactive_erase_on = $1, inactive_noticed_at = now() - "
                       "interval '40 days'", reference.today())
    off = retention.Periods(unverified_days=30, ended_match_days=365, email_log_days=180, inactive_days=0)
    done = await retention.run_once(pool, off)
    assert done is not None and (done["inactive_noticed"], done["inactive_erased"]) == (0, 0)
    assert await _status(pool, quiet) == "verified" and await _noticed(pool) == []


async def test_receipts_whose_confirmation_never_went_out_go_after_a_week(pool: asyncpg.Pool) -> None:
    old, fresh = uuid.uuid4(), uuid.uuid4()
    for pid, age in ((old, 8), (fresh, 1)):
        await pool.execute("INSERT INTO erasure_receipts (participant_id, email, name, locale, created_at) "
                           "VALUES ($1, $2, 'Lan', 'vi', now() - make_interval(days => $3))",
                           pid, f"{pid}@example.org", age)
    done = await retention.run_once(pool, PERIODS)
    assert done is not None and done["erasure_receipts_forgotten"] == 1
    assert [r["participant_id"] for r in await pool.fetch("SELECT participant_id FROM erasure_receipts")] == [fresh]


async def test_a_pass_that_finds_another_holding_the_lock_at_a_step_says_so_not_zero(pool: asyncpg.Pool) -> None:
    """Another instance's pass (intake's own at start-up) holding the lock as the deletion step begins:
    this pass says None, not "nobody noticed" (the other pass does the step), so a caller asking for
    its counts asks again (a test once read 0 so)."""
    greta = await add_participant(pool, "language_provider", name="VHS Gera", locale="de")
    await _aged(pool, greta.id)
    async with pool.acquire() as other:
        await other.execute("SELECT pg_advisory_lock($1)", retention.LOCK_KEY)
        try:
            assert await inactive.run(pool, retention.LOCK_KEY, DAYS) is None
            assert await retention.run_once(pool, PERIODS) is None
        finally:
            await other.execute("SELECT pg_advisory_unlock($1)", retention.LOCK_KEY)
    assert await inactive.run(pool, retention.LOCK_KEY, DAYS) == {"inactive_noticed": 1, "inactive_erased": 0}
