"""The e-mail change confirmation says how long its link works (review 12, F11: the one link whose
short life matters most). The days are written into each catalog's sentence, so this guards them
against a change of tokens.MAX_AGE that the emails would not follow."""

from __future__ import annotations

import re

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import tokens
from lotse.shared.i18n import SUPPORTED_LOCALES


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_confirmation_says_the_days_its_link_works(locale: str) -> None:
    days = tokens.MAX_AGE[tokens.EMAIL_CHANGE].days
    email = render_email("email_change_confirm", locale, SAMPLE)
    body = email.text.split("\n-- \n", 1)[0]
    assert re.findall(r"\d+", body.replace(SAMPLE["confirm_url"], "")) == [str(days)], body
    assert f"{days}" in re.sub(r"<[^>]+>", "", email.html or "")
