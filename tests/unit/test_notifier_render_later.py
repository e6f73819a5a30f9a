"""The `match_active` email again after a consent to share contact details given later: who has now
agreed, and the address, not "both of you have accepted" days after the second yes."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
MENTOR_EMAIL: dict[str, Any] = {**SAMPLE, "other_title": "Thomas Berger", "other_name": "Thomas Berger",
                                "contact_email": "thomas.berger@example.org"}


def _active(locale: str, shared_later: str) -> Any:
    return render_email("match_active", locale, {**MENTOR_EMAIL, "shared_later": shared_later})


def test_the_repeat_says_who_has_now_agreed_and_gives_the_address() -> None:
    first, by_other, by_me = (_active("en", v) for v in ("", "by_other", "by_me"))
    assert "both of you have accepted" in first.text and "Have a good start!" in first.text
    for repeat in (by_other, by_me):
        assert repeat.subject == "Contact details: Thomas Berger" != first.subject
        assert "both of you have accepted" not in repeat.text and "Have a good start" not in repeat.text
        assert "You can write to: thomas.berger@example.org" in repeat.text
        assert "Your mentor: Thomas Berger" in repeat.text  # which match, for someone with several
        assert "thomas.berger@example.org" in (repeat.html or "")
    assert ("Thomas Berger has now agreed that we pass on their e-mail address, so you can get in touch directly."
            in by_other.text)
    assert "thank you for agreeing that we pass on your e-mail address. Thomas Berger had agreed already" in by_me.text


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_repeat_in_every_language(locale: str) -> None:
    english = {v: _active(SOURCE_LOCALE, v) for v in ("", "by_other", "by_me")}
    first = _active(locale, "")
    for variant in ("by_other", "by_me"):
        repeat = _active(locale, variant)
        assert "Thomas Berger" in repeat.text.split("\n\n")[1]  # the sentence names who agreed
        assert repeat.subject not in (first.subject, english[variant].subject)
        assert repeat.text.split("\n\n")[1] not in (english[variant].text, first.text)
    assert _active(locale, "by_other").text.split("\n\n")[1] != _active(locale, "by_me").text.split("\n\n")[1]
