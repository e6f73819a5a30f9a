"""Review 8d, finding 8: a volunteer on holiday pauses until a date. The date is checked (after today on
Thuringia's calendar, at most a year ahead) and shown on the manage page and the dashboard; the
lifecycle jobs resume on the day as a manual resume does (participant.updated, audited, as the system)
and remind a few days before, once, in the person's language. The page says running matches go on;
a mentor who declines is offered the pause; a mentor whose places are all taken is told so."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import asyncpg

from lotse.intake import lifecycle_jobs, pause
from lotse.shared import events, reference, tokens
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import FastRetries, add_participant, deliver_all, notify, to
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import SIGNER, _introduced, _registered, manage_link

RUNNING_GO_ON = "Matches that are already running continue while you pause; the other side is not told."
ONE_PLACE = {"capacity": 1, "helps_with": ["housing"], "max_distance_km": 30, "online_ok": True}
STATUS = "SELECT status, paused_until, pause_reminded_at FROM participants WHERE id = $1"


async def _one_pass(pool: asyncpg.Pool) -> dict[str, int]:
    """One pass of the lifecycle jobs; the test app's own periodic pass may hold the lock a moment."""
    for _ in range(50):
        if (counts := await lifecycle_jobs.run_once(pool)) is not None:
            return counts
        await asyncio.sleep(0.1)
    raise AssertionError("the lifecycle jobs' lock stayed taken")


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


async def test_a_mentor_pauses_until_a_date_and_the_page_says_until_when(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor = await _registered(intake_client, pool, "mentors")
    link = manage_link(mentor)
    form = _text(await (await intake_client.get(f"{link}?lang=en")).text())
    assert "Pause until (optional)" in form and RUNNING_GO_ON in form

    until = reference.today() + timedelta(days=20)
    paused = await intake_client.post(f"{link}?lang=en", data={"action": "pause", "paused_until": until.isoformat()},
                                      allow_redirects=False)
    assert paused.status == 303
    row = await pool.fetchrow(STATUS, mentor)
    assert (row["status"], row["paused_until"], row["pause_reminded_at"]) == ("paused", until, None)
    page = _text(await (await intake_client.get(paused.headers["Location"])).text())
    assert f"Matching is paused until {pause.shown(until, 'en')}: we do not suggest you to anyone." in page
    assert RUNNING_GO_ON in page
    german = _text(await (await intake_client.get(f"{link}?lang=de")).text())
    assert f"Die Vermittlung ist bis {pause.shown(until, 'de')} pausiert" in german
    assert "Laufende Matches gehen während der Pause weiter; die andere Seite erfährt nichts davon." in german
    own_pauses = "FROM audit_log WHERE subject_id = $1 AND action = 'participant.pause_own'"
    entry = await pool.fetchrow(f"SELECT after {own_pauses}", mentor)
    assert entry["after"] == {"status": "paused", "paused_until": until.isoformat()}

    # Extended while paused: the new date only, audited; no second participant.updated.
    later = until + timedelta(days=7)
    updates = "SELECT count(*) FROM outbox WHERE type = 'participant.updated' AND payload->>'participant_id' = $1"
    before = await pool.fetchval(updates, str(mentor))
    await intake_client.post(link, data={"action": "pause", "paused_until": later.isoformat()})
    assert (await pool.fetchrow(STATUS, mentor))["paused_until"] == later
    assert await pool.fetchval(updates, str(mentor)) == before
    assert await pool.fetchval(f"SELECT count(*) {own_pauses}", mentor) == 2
    # Resumed by hand: the date goes with the pause.
    await intake_client.post(link, data={"action": "resume"})
    row = await pool.fetchrow(STATUS, mentor)
    assert (row["status"], row["paused_until"]) == ("verified", None)


async def test_an_empty_date_pauses_until_the_person_resumes(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    mentor = await _registered(intake_client, pool, "mentors")
    await intake_client.post(manage_link(mentor), data={"action": "pause", "paused_until": ""})
    row = await pool.fetchrow(STATUS, mentor)
    assert (row["status"], row["paused_until"]) == ("paused", None)
    page = _text(await (await intake_client.get(f"{manage_link(mentor)}?lang=en")).text())
    assert "Matching is paused: we do not suggest you to anyone." in page


async def test_a_pause_date_that_is_not_after_today_or_too_far_is_refused_at_the_field(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor = await _registered(intake_client, pool, "mentors")
    link = f"{manage_link(mentor)}?lang=en"
    today = reference.today()
    latest = pause.latest(today)
    for typed, message in [
        (today.isoformat(), "Please enter a day after today, or leave the field empty."),
        ((today - timedelta(days=3)).isoformat(), "Please enter a day after today, or leave the field empty."),
        ("12.01.2027", "Please enter a day after today, or leave the field empty."),
        ((latest + timedelta(days=1)).isoformat(),
         f"Please enter a day within a year, at the latest {latest.strftime('%b')} {latest.day}, {latest.year}."),
    ]:
        refused = await intake_client.post(link, data={"action": "pause", "paused_until": typed})
        assert refused.status == 422, typed
        page = await refused.text()
        # The summary names the field and links to it; the field keeps what was typed.
        assert f'<a href="#paused_until">Pause until (optional): {message}</a>' in page, typed
        assert f'value="{typed}"' in page and 'aria-invalid="true"' in page
        assert (await pool.fetchrow(STATUS, mentor))["status"] == "verified"
    # The last day allowed is accepted.
    accepted = await intake_client.post(link, data={"action": "pause", "paused_until": latest.isoformat()},
                                        allow_redirects=False)
    assert accepted.status == 303 and (await pool.fetchrow(STATUS, mentor))["paused_until"] == latest


async def test_the_scheduled_job_resumes_on_the_day_writes_the_event_and_audits_as_the_system(
    pool: asyncpg.Pool
) -> None:
    ends_today, ends_tomorrow = [await add_participant(pool, "mentor", name=n, locale="de", profile=ONE_PLACE)
                                 for n in ("A", "B")]
    today = reference.today()
    for person, day in ((ends_today, today), (ends_tomorrow, today + timedelta(days=1))):
        await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2, pause_reminded_at = now() "
                           "WHERE id = $1", person.id, day)
    assert (await _one_pass(pool))["pauses_ended"] == 1
    row = await pool.fetchrow(STATUS, ends_today.id)
    assert (row["status"], row["paused_until"], row["pause_reminded_at"]) == ("verified", None, None)
    assert (await pool.fetchrow(STATUS, ends_tomorrow.id))["status"] == "paused"
    # The same event a manual resume writes: the matcher looks again.
    updated = await pool.fetch("SELECT payload FROM outbox WHERE type = $1", events.PARTICIPANT_UPDATED)
    assert [dict(r["payload"]) for r in updated] == [{"participant_id": str(ends_today.id), "kind": "mentor"}]
    entry = await pool.fetchrow("SELECT * FROM audit_log WHERE subject_id = $1", ends_today.id)
    assert (entry["action"], entry["actor_id"], entry["actor_role"]) == ("participant.resume", None, "system")
    assert entry["before"] == {"status": "paused", "paused_until": today.isoformat()}
    assert entry["after"] == {"status": "verified"}
    assert (await _one_pass(pool))["pauses_ended"] == 0  # nothing twice


async def test_the_reminder_is_requested_once_and_sent_once_in_the_persons_language(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    iryna = await add_participant(pool, "mentor", name="Ірина Шевчук", locale="uk", profile=ONE_PLACE)
    far = await add_participant(pool, "mentor", name="Renate", locale="de", profile=ONE_PLACE)
    until = reference.today() + pause.REMIND_BEFORE
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = $1", iryna.id, until)
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = $1", far.id,
                       until + timedelta(days=1))
    assert (await _one_pass(pool))["pause_reminders"] == 1
    assert (await _one_pass(pool))["pause_reminders"] == 0
    requested = await pool.fetch("SELECT payload FROM outbox WHERE payload->>'notification' = 'pause_ending'")
    assert [r["payload"]["participant_id"] for r in requested] == [str(iryna.id)]

    await notify(pool)
    await notify(pool)  # the event delivered again: no second email
    await deliver_all(delivery)
    [mail] = to(sink, iryna.email)
    assert mail.headers["Content-Language"] == "uk"
    text = " ".join(mail.text.split())
    day = until.day
    assert f"Ваша пауза в Lotse закінчується {day} " in text
    assert "Якщо все правильно, нічого робити не потрібно." in text
    assert "/manage/" in text and mail.subject.startswith("Ваша пауза закінчується")
    assert mail.subject.endswith("р.")  # the abbreviation's full stop kept (review 8e, finding 9)
    assert to(sink, far.email) == []


async def test_no_reminder_of_a_pause_that_no_longer_ends_or_was_resumed_before_it_went_out(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    # Requested a few days before the end; sent later. Meanwhile one made it a pause until they
    # resume (no end date: "Your pause ends on ." was mailed), the other resumed.
    undated = await add_participant(pool, "mentor", name="Renate", locale="de", profile=ONE_PLACE)
    resumed = await add_participant(pool, "mentor", name="Jonas", locale="de", profile=ONE_PLACE)
    until = reference.today() + pause.REMIND_BEFORE
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = ANY($1::uuid[])",
                       [undated.id, resumed.id], until)
    assert (await _one_pass(pool))["pause_reminders"] == 2
    await pool.execute("UPDATE participants SET paused_until = NULL WHERE id = $1", undated.id)
    await pool.execute("UPDATE participants SET status = 'verified', paused_until = NULL WHERE id = $1", resumed.id)

    await notify(pool)
    await deliver_all(delivery)
    assert to(sink, undated.email) == [] and to(sink, resumed.email) == []
    # Both requested and looked at, then skipped: not merely never delivered to the notifier.
    skipped = await pool.fetch("SELECT participant_id, status FROM notifications WHERE type = 'pause_ending' "
                               "AND participant_id = ANY($1::uuid[])", [undated.id, resumed.id])
    assert sorted((r["participant_id"], r["status"]) for r in skipped) == sorted(
        [(undated.id, "skipped"), (resumed.id, "skipped")])


async def test_a_short_pause_gets_no_reminder(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    mentor = await _registered(intake_client, pool, "mentors")
    soon = reference.today() + timedelta(days=2)
    await intake_client.post(manage_link(mentor), data={"action": "pause", "paused_until": soon.isoformat()})
    assert (await pool.fetchrow(STATUS, mentor))["pause_reminded_at"] is not None
    assert (await _one_pass(pool))["pause_reminders"] == 0


async def test_the_dashboard_lists_the_pause_with_its_end(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    mentor = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de", profile=ONE_PLACE)
    until = reference.today() + timedelta(days=40)
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = $1", mentor.id, until)
    back = await add_participant(pool, "mentor", name="Sabine Koch", locale="de", profile=ONE_PLACE)
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = $1", back.id,
                       reference.today())
    await _one_pass(pool)  # (or the test app's own pass, just before: either resumes her as the system)
    await login(intake_client)
    listed = _text(await (await intake_client.get("/dashboard/participants?status=paused&lang=de")).text())
    assert f"pausiert bis {until:%d.%m.}" in listed
    person = _text(await (await intake_client.get(f"/dashboard/participants/{mentor.id}?lang=de")).text())
    assert f"pausiert bis {until:%d.%m.%Y}" in person
    resumed = _text(await (await intake_client.get(f"/dashboard/participants/{back.id}?lang=de")).text())
    assert "Lotse, automatisch: hat das Matching fortgesetzt" in resumed


async def test_a_mentor_with_every_place_taken_is_not_told_we_are_looking(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor = await _registered(intake_client, pool, "mentors")  # capacity 1
    link = f"{manage_link(mentor)}?lang=en"
    assert "Active: we are looking for good matches for you." in _text(await (await intake_client.get(link)).text())
    newcomer = await _registered(intake_client, pool, "newcomers")
    await _introduced(pool, newcomer, mentor)  # holds the one place (matches.HOLDS_CAPACITY)
    page = _text(await (await intake_client.get(link)).text())
    assert "All places taken: we suggest you to nobody right now." in page
    assert "we are looking for good matches" not in page

    # Paused with every place taken: the day the pause ends brings no search either (review 8e, finding 5).
    until = reference.today() + timedelta(days=20)
    await intake_client.post(link, data={"action": "pause", "paused_until": until.isoformat()})
    paused = _text(await (await intake_client.get(link)).text())
    assert (f"Matching is paused until {pause.shown(until, 'en')}: we do not suggest you to anyone. After that, we "
            "suggest you again as soon as one of your places is free.") in paused
    assert "On that day we start looking again." not in paused


async def test_the_reminder_to_a_mentor_with_every_place_taken_says_it_waits_for_a_free_place(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    mentor = await _registered(intake_client, pool, "mentors")  # capacity 1
    await _introduced(pool, await _registered(intake_client, pool, "newcomers"), mentor)
    email = await pool.fetchval("SELECT email FROM participants WHERE id = $1", mentor)
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2, preferred_locale = 'uk' "
                       "WHERE id = $1", mentor, reference.today() + pause.REMIND_BEFORE)
    assert (await _one_pass(pool))["pause_reminders"] == 1
    await notify(pool)
    await deliver_all(delivery)
    [mail] = [m for m in to(sink, email) if m.subject.startswith("Ваша пауза")]
    text = " ".join(mail.text.split())
    assert "Усі ваші місця зайняті, тож після цього ми знову запропонуємо вас, щойно одне з них звільниться." in text
    assert "З цього дня ми знову шукаємо" not in text


async def test_a_mentor_who_declines_is_offered_the_pause_and_a_newcomer_is_not(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor, other_mentor = [await _registered(intake_client, pool, "mentors") for _ in range(2)]
    newcomer = await _registered(intake_client, pool, "newcomers")
    offer = "No time right now – pause matching"
    for who, match_id, offered in ((mentor, await _introduced(pool, newcomer, mentor), True),
                                   (newcomer, await _introduced(pool, newcomer, other_mentor), False)):
        link = f"/respond/{SIGNER.sign(tokens.RESPOND, mid=str(match_id), pid=str(who))}"
        answered = await intake_client.post(f"{link}?lang=en", data={"answer": "decline"}, allow_redirects=False)
        page = await (await intake_client.get(answered.headers["Location"])).text()
        assert (offer in page) is offered
        if offered:
            found = re.search(r'<a href="(/manage/[^"#]+)\?lang=en#pause">' + offer, page)
            assert found, page
            token = found.group(1).removeprefix("/manage/")
            claims, _signed = SIGNER.load_signed(tokens.MANAGE, token)
            assert uuid.UUID(str(claims["pid"])) == who
            assert 'id="pause"' in await (await intake_client.get(found.group(1))).text()
        # Opened again from the email a day later: the answered page offers the pause too (review 8e, finding 7).
        again = await (await intake_client.get(f"{link}?lang=en")).text()
        assert "You have declined this introduction." in again
        assert (offer in again) is offered
