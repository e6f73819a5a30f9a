"""Review 8h, findings 3 and 4: a pause a coordinator sets on the dashboard is told to the person, in
their language, with the date and their page to resume it; so is a coordinator's resume. Their manage
page and the pause_ending reminder say the welcome centre paused. The person's own pause sends nothing
at pausing, as before. The reminder's two sentences no longer run together ("für Sie.Wenn")."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import pause
from lotse.notifier.match_context import date_in_sentence
from lotse.shared import reference
from lotse.shared.mailsink import MailSink, StoredMessage
from tests.conftest import IntakeClient, eventually
from tests.integration.notifier_fixtures import (
    PUBLIC_URL,
    FastRetries,
    Person,
    RunningNotifier,
    add_participant,
    deliver_all,
    mails_to,
    notify,
    outbox_events,
    publish,
    to,
)
from tests.integration.test_dashboard import login
from tests.integration.test_pause_until import ONE_PLACE, _one_pass, _text
from tests.integration.test_self_service import _introduced, _registered, manage_link

BY_CENTRE = "SELECT status, paused_until, paused_by_centre FROM participants WHERE id = $1"


def _words(text: str) -> str:
    return " ".join(text.split())


async def test_a_coordinators_pause_is_emailed_in_the_persons_language_with_the_date_and_link(
    intake_client: IntakeClient, pool: asyncpg.Pool, amqp: AbstractRobustConnection,
    running_notifier: RunningNotifier, sink: MailSink
) -> None:
    # Registered through the API (a newcomer's whole profile, for her manage page), in Vietnamese.
    hoa_id = await _registered(intake_client, pool, "newcomers")
    hoa = Person(hoa_id, await pool.fetchval("UPDATE participants SET preferred_locale = 'vi' WHERE id = $1 "
                                             "RETURNING email", hoa_id), "vi", "")
    csrf = await login(intake_client)
    until = reference.today() + timedelta(days=30)
    paused = await intake_client.post(f"/dashboard/participants/{hoa.id}",
                                      data={"csrf": csrf, "action": "pause", "paused_until": until.isoformat()},
                                      allow_redirects=False)
    assert paused.status == 303
    assert tuple(await pool.fetchrow(BY_CENTRE, hoa.id)) == ("paused", until, True)

    # The request, as the relay publishes the outbox, through RabbitMQ (her registration's emails aside).
    [requested] = [e for e in await outbox_events(pool) if e.data.get("notification")]
    assert requested.data == {"notification": "paused_by_centre", "participant_id": str(hoa.id)}
    await publish(amqp, requested)
    subject = "Trung tâm chào đón đã tạm dừng việc tìm kết nối cho bạn"

    async def told() -> list[StoredMessage]:
        return [m for m in await mails_to(sink, hoa.email) if m.subject == subject]

    [mail] = await eventually(told)
    assert mail.headers["Content-Language"] == "vi"
    text = _words(mail.text)
    assert (f"Trung tâm chào đón đã tạm dừng việc tìm kết nối cho bạn trên Lotse đến {date_in_sentence(until, 'vi')}"
            " (ví dụ sau cuộc gọi của bạn).") in text
    assert f"Bạn có thể tiếp tục trên trang của bạn: {PUBLIC_URL}/manage/" in text
    assert f'<a href="{PUBLIC_URL}/manage/' in (mail.html or "")

    # Her page says who paused, in her language.
    page = _text(await (await intake_client.get(manage_link(hoa.id))).text())
    assert f"Trung tâm chào đón đã tạm dừng việc tìm kết nối đến {pause.shown(until, 'vi')}" in page
    assert "Việc tìm kết nối tạm dừng đến" not in page  # the wording of her own pause


async def test_a_coordinators_pause_without_an_end_and_the_resume_are_emailed(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    renate = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de", profile=ONE_PLACE)
    csrf = await login(intake_client)
    page_url = f"/dashboard/participants/{renate.id}"
    await intake_client.post(page_url, data={"csrf": csrf, "action": "pause", "paused_until": ""})
    assert tuple(await pool.fetchrow(BY_CENTRE, renate.id)) == ("paused", None, True)
    await notify(pool)
    await deliver_all(delivery)
    [paused] = to(sink, renate.email)
    assert paused.subject == "Das Welcome Center hat die Vermittlung für Sie pausiert"
    assert ("das Welcome Center hat die Vermittlung für Sie bei Lotse pausiert (zum Beispiel nach Ihrem Anruf). "
            "Bis sie fortgesetzt wird, schlagen wir Sie niemandem vor.") in _words(paused.text)
    page = _text(await (await intake_client.get(f"{manage_link(renate.id)}?lang=de")).text())
    assert "Das Welcome Center hat die Vermittlung pausiert: Wir schlagen Sie niemandem vor." in page

    # Pressing pause again changes nothing and sends nothing; resuming is told.
    await intake_client.post(page_url, data={"csrf": csrf, "action": "pause", "paused_until": ""})
    await intake_client.post(page_url, data={"csrf": csrf, "action": "resume"})
    assert tuple(await pool.fetchrow(BY_CENTRE, renate.id)) == ("verified", None, False)
    await notify(pool)
    await deliver_all(delivery)
    [_, resumed] = to(sink, renate.email)
    assert resumed.subject == "Das Welcome Center hat die Vermittlung für Sie fortgesetzt"
    text = _words(resumed.text)
    assert "das Welcome Center hat die Vermittlung für Sie bei Lotse fortgesetzt: Ab jetzt suchen wir" in text
    assert "Sie können sie jederzeit auf Ihrer Seite wieder pausieren: https://lotse.example/manage/" in text


async def test_the_persons_own_pause_sends_nothing_and_keeps_its_wording(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    jonas = await add_participant(pool, "mentor", name="Jonas Weber", locale="en", profile=ONE_PLACE)
    link = f"{manage_link(jonas.id)}?lang=en"
    until = reference.today() + timedelta(days=20)
    await intake_client.post(link, data={"action": "pause", "paused_until": until.isoformat()})
    assert tuple(await pool.fetchrow(BY_CENTRE, jonas.id)) == ("paused", until, False)
    page = _text(await (await intake_client.get(link)).text())
    assert f"Matching is paused until {pause.shown(until, 'en')}: we do not suggest you to anyone." in page
    assert "The welcome centre paused" not in page
    await intake_client.post(link, data={"action": "resume"})
    await notify(pool)
    await deliver_all(delivery)
    assert to(sink, jonas.email) == []
    requested = await pool.fetchval("SELECT count(*) FROM outbox WHERE payload->>'participant_id' = $1 "
                                    "AND payload ? 'notification'", str(jonas.id))
    assert requested == 0

    # A coordinator moving the end of her own pause makes it the centre's, and says so.
    await intake_client.post(link, data={"action": "pause", "paused_until": until.isoformat()})
    csrf = await login(intake_client)
    later = until + timedelta(days=7)
    await intake_client.post(f"/dashboard/participants/{jonas.id}",
                             data={"csrf": csrf, "action": "pause", "paused_until": later.isoformat()})
    assert tuple(await pool.fetchrow(BY_CENTRE, jonas.id)) == ("paused", later, True)
    await notify(pool)
    await deliver_all(delivery)
    [moved] = to(sink, jonas.email)
    assert (f"the welcome centre has paused the search for you on Lotse until {date_in_sentence(later, 'en')} "
            "(for example after your call).") in _words(moved.text)


async def test_the_reminder_of_a_coordinators_pause_says_the_centre_paused_and_its_sentences_part(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    centre_paused = await add_participant(pool, "mentor", name="Sabine Koch", locale="de", profile=ONE_PLACE)
    own = await add_participant(pool, "mentor", name="Jens Vogt", locale="en", profile=ONE_PLACE)
    csrf = await login(intake_client)
    await intake_client.post(f"/dashboard/participants/{centre_paused.id}",
                             data={"csrf": csrf, "action": "pause",
                                   "paused_until": (reference.today() + timedelta(days=30)).isoformat()})
    await intake_client.post(manage_link(own.id), data={
        "action": "pause", "paused_until": (reference.today() + timedelta(days=30)).isoformat()})
    # Time moves on (as the review did it): both pauses now end within the reminder's days.
    ends = reference.today() + pause.REMIND_BEFORE
    await pool.execute("UPDATE participants SET paused_until = $2 WHERE id = ANY($1::uuid[])",
                       [centre_paused.id, own.id], ends)
    assert (await _one_pass(pool))["pause_reminders"] == 2
    await notify(pool)
    await deliver_all(delivery)

    [_, reminder] = to(sink, centre_paused.email)  # after the email at pausing
    assert reminder.subject == f"Die vom Welcome Center eingetragene Pause endet am {pause.shown(ends, 'de')}"
    text = _words(reminder.text)
    assert (f"das Welcome Center hat die Vermittlung für Sie bei Lotse bis {date_in_sentence(ends, 'de')} pausiert. "
            "Ab diesem Tag suchen wir wieder passende Kontakte für Sie. Wenn das so stimmt, müssen Sie nichts tun."
            ) in text
    assert "Ihre Pause" not in text
    html = _words(reminder.html or "")
    assert "für Sie. Wenn das so stimmt" in html

    [own_reminder] = to(sink, own.email)
    assert own_reminder.subject.startswith("Your pause ends on")
    own_text = _words(own_reminder.text)
    assert "From that day on we look for matches for you again. If that is right, there is nothing to do." in own_text
    assert "again. If that is right" in _words(own_reminder.html or "")


async def test_the_resume_tells_a_mentor_with_every_place_taken_that_it_waits_for_a_free_place(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    # As pause_ending and the manage page: no "we look for matches for you again" while no place is free.
    mentor = await _registered(intake_client, pool, "mentors")  # capacity 1
    await _introduced(pool, await _registered(intake_client, pool, "newcomers"), mentor)
    email = await pool.fetchval("UPDATE participants SET preferred_locale = 'de' WHERE id = $1 RETURNING email",
                                mentor)
    csrf = await login(intake_client)
    for action in ("pause", "resume"):
        await intake_client.post(f"/dashboard/participants/{mentor}",
                                 data={"csrf": csrf, "action": action, "paused_until": ""})
    await notify(pool)
    await deliver_all(delivery)
    [resumed] = [m for m in to(sink, email) if m.subject.endswith("fortgesetzt")]
    for body in (_words(resumed.text), _words(resumed.html or "")):
        assert ("das Welcome Center hat die Vermittlung für Sie bei Lotse fortgesetzt. Alle Ihre Plätze sind "
                "belegt: Wir schlagen Sie wieder vor, sobald einer davon frei wird.") in body
        assert "Ab jetzt suchen wir" not in body
