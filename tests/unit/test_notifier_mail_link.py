"""Review 12, F15: the other side's address is a mailto link in HTML (Outlook and some Android
clients do not link a bare one), escaped, in every locale; the text part keeps the bare address."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

ADDRESS = "o'brien&co@bücher.example"
LINK = '<a href="mailto:o&#39;brien&amp;co@bücher.example">o&#39;brien&amp;co@bücher.example</a>'


@pytest.mark.parametrize("type_", ["match_active", "contact_changed"])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_other_sides_address_is_a_mail_link(type_: str, locale: str) -> None:
    email = render_email(type_, locale, {**SAMPLE, "contact_email": ADDRESS, "other_name": "Thomas Berger"})
    assert email.html is not None and LINK in email.html
    assert ADDRESS in email.text and "mailto:" not in email.text
