"""Where a reply goes, said in the header and in every email's footer (review 12, F4).

People answered introductions by pressing Reply, which reached the sending address nobody reads.
With LOTSE_MAIL_REPLY_TO set every email carries Reply-To and says a reply reaches the welcome
centre; without it, it says replies are not read. LOTSE_CENTRE_CONTACT is named under either.
"""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg
import pytest

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.shared.config import Settings, load_settings
from lotse.shared.i18n import translations
from lotse.shared.mailsink import MailSink
from tests.conftest import service_env
from tests.integration.notifier_fixtures import FastRetries, add_participant, deliver_all, sink, smtp_settings, to

__all__ = ["sink", "smtp_settings"]  # fixtures used by name

REPLY_TO = "Willkommenszentrum Thüringen <welcome@centre.example>"
READ = "You can reply to this e-mail; your answer reaches the welcome centre."
NOT_READ = "This e-mail was sent automatically; replies are not read."


@pytest.mark.parametrize("reply_to", [REPLY_TO, None])
async def test_a_reply_goes_where_the_footer_says(pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink,
                                                 reply_to: str | None) -> None:
    # Read as the service reads it: the umlaut display name is written as an encoded word.
    written = load_settings(service_env(LOTSE_MAIL_REPLY_TO=reply_to)).mail_reply_to if reply_to else None
    settings = dataclasses.replace(smtp_settings, centre_contact="0361 123456", mail_reply_to=written)
    person = await add_participant(pool, "newcomer", name="Олена Коваленко", locale="uk")
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type="registration_confirmed", event_id=uuid.uuid4(),
                                       participant_id=person.id)
    loop = FastRetries(pool, settings, Composer(settings))
    try:
        assert await deliver_all(loop) == 1
    finally:
        await loop.close()
    [mail] = to(sink, person.email)
    said = translations("lotse.notifier", "notifier", "uk").gettext(READ if reply_to else NOT_READ)
    assert said not in (READ, NOT_READ)
    assert mail.html is not None
    for part in (mail.text, mail.html):
        assert said in part and "0361 123456" in part
    if reply_to:
        assert str(mail.headers["Reply-To"]) == REPLY_TO
    else:
        assert mail.headers["Reply-To"] is None
