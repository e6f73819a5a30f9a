"""Review 8c, finding 11c: a German employer's introduction came with the subject "Wir möchten Sie
miteinander bekannt machen – Neu in Thüringen: Оксана Мельник (Oksana Melnyk), für die Stelle:
Pflegefachkraft (m/w/d)", some 130 characters whose first 40, all a phone's inbox shows, were the same
for every introduction. The subject now starts with a short word and names the match right after it;
two introductions still have subjects of their own (mail apps thread by subject)."""

from __future__ import annotations

import asyncpg

from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    FastRetries,
    add_match,
    add_participant,
    add_position,
    deliver_all,
    match_event,
    notify,
    to,
)
from tests.mail_text import unwrapped


async def test_an_employers_two_introductions_name_the_newcomer_and_the_position_first(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    klinikum = await add_participant(pool, "employer", name="Personalabteilung", locale="de",
                                     profile={"organisation": "Klinikum Gera"})
    nurse = await add_position(pool, klinikum, title="Pflegefachkraft (m/w/d)")
    helper = await add_position(pool, klinikum, title="Pflegehilfskraft (m/w/d)")
    introduced = []
    for newcomer, position in ((oksana, nurse), (lan, helper)):
        match_id = await add_match(pool, "employer", newcomer, position)
        introduced.append(match_event(events.MATCH_INTRODUCED, match_id, "employer", newcomer, position))
    await notify(pool, *introduced)
    await deliver_all(delivery)

    subjects = sorted(str(mail.headers["Subject"]) for mail in to(sink, klinikum.email))
    assert subjects == ["Vorstellung: Nguyễn Thị Lan – Pflegehilfskraft (m/w/d)",
                        "Vorstellung: Оксана Мельник (Oksana Melnyk) – Pflegefachkraft (m/w/d)"], subjects
    # The newcomer's side: the job and its employer, in her language.
    [to_oksana] = to(sink, oksana.email)
    assert str(to_oksana.headers["Subject"]) == "Знайомство: Pflegefachkraft (m/w/d) – Klinikum Gera"
    # The body's first line still says it in full.
    [to_klinikum] = [m for m in to(sink, klinikum.email) if "Oksana" in str(m.headers["Subject"])]
    full = "Neu in Thüringen: Оксана Мельник (Oksana Melnyk), für die Stelle: Pflegefachkraft (m/w/d)"
    assert full in unwrapped(to_klinikum.text)
