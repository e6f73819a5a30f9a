"""Review 12, F12: the account emails' subjects name Lotse, as the digest's do ("Lotse: …"). In an
inbox list an unexplained "Please confirm your e-mail address" from a German-named sender is what
phishing looks like, to a reader of any of the other languages."""

from __future__ import annotations

import html
import re

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES

ENGLISH = {
    "verification": "Lotse: Please confirm your e-mail address",
    "registration_confirmed": "Lotse: Your registration is confirmed",
    "manage_link": "Lotse: A new link to your registration",
    "already_registered": "Lotse: You are already registered",
    "erasure_confirmation": "Lotse: Your data has been deleted",
}


def test_the_english_account_subjects_name_lotse() -> None:
    assert {type_: render_email(type_, SOURCE_LOCALE, SAMPLE).subject for type_ in ENGLISH} == ENGLISH


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("type_", ENGLISH)
def test_every_language_names_lotse_first_and_the_page_title_is_the_subject(type_: str, locale: str) -> None:
    email = render_email(type_, locale, SAMPLE)
    # French sets a space before its colon, Chinese a full-width colon.
    assert re.match(r"Lotse ?[:：] ?\S", email.subject), email.subject
    if locale != SOURCE_LOCALE:
        assert email.subject != ENGLISH[type_]
    [title] = re.findall(r"<title>(.*?)</title>", email.html or "")
    assert html.unescape(title) == email.subject
