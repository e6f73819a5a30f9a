"""An email says until when its links work (review 12, F11): someone who keeps the introduction, the
check-in or a new manage link learns it before a link fails, and where to go then."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from lotse.notifier.compose import Composer
from lotse.notifier.match_context import date_in_sentence
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import reference
from lotse.shared.i18n import SUPPORTED_LOCALES
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    FastRetries,
    delivery,
    requested_and_sent,
    sink,
    smtp_settings,
)
from tests.mail_text import unwrapped

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name


async def test_a_new_manage_link_says_its_last_day_in_the_readers_words(
        pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink) -> None:
    mail = await requested_and_sent(pool, delivery, sink, "manage_link", name="Nguyễn Thị Lan", locale="de")
    # 90 days from now, at this time of day: the day before is the last whole one.
    last_day = date_in_sentence(reference.today() + timedelta(days=89), "de")
    said = f"Dieser Link funktioniert bis zum {last_day}. Danach können Sie jederzeit einen neuen anfordern."
    assert said in unwrapped(mail.text) and said in " ".join((mail.html or "").split())


@pytest.mark.parametrize("locale", sorted(SUPPORTED_LOCALES))
def test_answer_check_in_and_manage_links_name_their_last_day_in_both_parts(locale: str) -> None:
    day = Composer.links_until("introduction", locale)
    for type_ in ("introduction", "reminder", "checkin", "manage_link"):
        email = render_email(type_, locale, {**SAMPLE, "links_until": day})
        assert day in unwrapped(email.text) and day in (email.html or ""), (type_, locale)


def test_each_email_names_the_last_day_of_its_own_kind_of_link() -> None:
    # Answer and check-in links work 30 days, a manage link 90 (tokens.MAX_AGE).
    today = reference.today()
    for type_, days in (("introduction", 30), ("reminder", 30), ("checkin", 30), ("manage_link", 90)):
        assert Composer.links_until(type_, "en") == date_in_sentence(today + timedelta(days=days - 1), "en"), type_
