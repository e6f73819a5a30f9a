"""Every notification renders in every locale: one-line subjects, escaped HTML, links intact."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE, preview
from lotse.notifier.render import TYPES, UnknownNotification, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("notification", TYPES)
def test_renders_in_every_locale(notification: str, locale: str) -> None:
    email = render_email(notification, locale, SAMPLE)
    assert email.subject and "\n" not in email.subject
    assert email.text.strip() and email.html and f'lang="{locale}"' in email.html
    assert "%(" not in email.text + email.subject  # no placeholder left unformatted


def test_links_and_contact_reach_the_text_part() -> None:
    email = render_email("introduction", "vi", SAMPLE)
    assert SAMPLE["accept_url"] in email.text and SAMPLE["decline_url"] in email.text
    assert SAMPLE["contact_email"] in email.text
    without = render_email("introduction", "vi", {**SAMPLE, "contact_email": None})
    assert SAMPLE["contact_email"] not in without.text + (without.html or "")


def test_markup_in_names_is_text_in_html_and_untouched_in_plain_text() -> None:
    hostile = {**SAMPLE, "name": "<script>alert(1)</script>", "other_title": "<b>Tom</b>"}
    email = render_email("introduction", "de", hostile)
    assert "<script>" not in (email.html or "") and "&lt;script&gt;" in (email.html or "")
    assert "<b>Tom</b>" not in (email.html or "")
    assert "<script>alert(1)</script>" in email.text


def test_translated_words_are_used() -> None:
    assert render_email("introduction", "de", SAMPLE).subject == "Wir möchten Sie miteinander bekannt machen"
    assert "Einfache" not in render_email("checkin", "de-simple", SAMPLE).text  # falls back to German words
    assert render_email("checkin", "de-simple", SAMPLE).subject == "Wie läuft es?"


def test_unknown_type_is_refused() -> None:
    with pytest.raises(UnknownNotification):
        render_email("nope", "de", SAMPLE)


def test_preview_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview("introduction", "uk") == 0
    assert "Content-Language: uk" in capsys.readouterr().out
    assert preview("nope", "uk") == 2
    assert preview("introduction", "xx") == 2
