"""The text part as people's mail programs receive it: lines of 72 columns, each link on a line of
its own (review 12, F8). Templates write a paragraph as one line; a text-mode client broke those
mid-word at the screen's edge, and a linkifier took "Yes:" along with the link after it."""

from __future__ import annotations

import asyncpg

from lotse.notifier.text_wrap import WIDTH
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    FastRetries,
    delivery,
    requested_and_sent,
    sink,
    smtp_settings,
)

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name


async def test_a_received_text_part_keeps_to_72_columns_with_links_on_their_own_lines(
        pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink) -> None:
    mail = await requested_and_sent(pool, delivery, sink, "verification", name="Олена Коваленко", locale="uk")
    lines = mail.text.splitlines()
    links = [line for line in lines if "://" in line]
    assert len(links) >= 2 and all(line.startswith(("http://", "https://")) and " " not in line for line in links)
    assert all(len(line) <= WIDTH for line in lines if "://" not in line)
    # The verification email's paragraphs are longer than a line: they were broken, not cut.
    assert sum(len(line) > 60 for line in lines if "://" not in line) >= 2
