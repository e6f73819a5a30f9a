"""The text part as people's mail programs receive it: lines of 72 columns, each link on a line of
its own (review 12, F8). Templates write a paragraph as one line; a text-mode client broke those
mid-word at the screen's edge, and a linkifier took "Yes:" along with the link after it."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.notifier.text_wrap import WIDTH
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import FastRetries, add_participant, deliver_all, sink, smtp_settings, to

__all__ = ["sink", "smtp_settings"]  # fixtures used by name


async def test_a_received_text_part_keeps_to_72_columns_with_links_on_their_own_lines(
        pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink) -> None:
    person = await add_participant(pool, "newcomer", name="Олена Коваленко", locale="uk")
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type="verification", event_id=uuid.uuid4(), participant_id=person.id)
    loop = FastRetries(pool, smtp_settings, Composer(smtp_settings))
    try:
        assert await deliver_all(loop) == 1
    finally:
        await loop.close()
    [mail] = to(sink, person.email)
    lines = mail.text.splitlines()
    links = [line for line in lines if "://" in line]
    assert len(links) >= 2 and all(line.startswith(("http://", "https://")) and " " not in line for line in links)
    assert all(len(line) <= WIDTH for line in lines if "://" not in line)
    # The verification email's paragraphs are longer than a line: they were broken, not cut.
    assert sum(len(line) > 60 for line in lines if "://" not in line) >= 2
