"""Links in a participant's email are worded buttons, not raw signed URLs (review 12, F1).

A URL as a link's text cannot wrap where a mail client drops the styles that would break it, and
a signed one is ~130 characters: the email ran sideways off a phone. The text part keeps the URL
on a line of its own. The coordinators' digest words its links too: a URL in a link's name is read
out character by character (review 13b, F4).
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import TYPES, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES
from tests.browser.test_email_phone_width import VARIANTS


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (href, style, text)
        self._open: list[str] | None = None
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open, self._attrs = [], dict(attrs)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._attrs.get("href") or "", self._attrs.get("style") or "", "".join(self._open)))
            self._open = None


def _links(type_: str, locale: str, variant: dict[str, Any]) -> list[tuple[str, str, str]]:
    parsed = _Links()
    parsed.feed(render_email(type_, locale, {**SAMPLE, **variant}).html or "")
    return parsed.links


SIGNED = ("manage_url", "verify_url", "confirm_url", "checkin_url", "end_url", "accept_url", "decline_url")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize(("type_", "variant"), [v for v in VARIANTS if v[0] != "digest"])
def test_no_link_shows_its_url(type_: str, locale: str, variant: dict[str, Any]) -> None:
    """Only the short address to register again (the home page) may show as itself."""
    for href, _, text in _links(type_, locale, variant):
        assert not any(SAMPLE[key] in text for key in SIGNED), (href, text)
        assert "://" not in text or len(text) <= 50, (href, text)


@pytest.mark.parametrize("locale", ["de", "en"])  # a coordinator's languages
def test_the_digests_links_are_worded(locale: str) -> None:
    links = _links("digest", locale, {})
    assert len(links) >= 5 and not [text for _, _, text in links if "://" in text]


@pytest.mark.parametrize(("type_", "variant"), VARIANTS)
def test_every_signed_link_in_the_body_is_a_button(type_: str, variant: dict[str, Any]) -> None:
    """Above the footer (whose "See, change or delete …" stays a small link), each signed link the
    text part gives is a button in HTML, 44 px tall at least."""
    email = render_email(type_, "de", {**SAMPLE, **variant})
    parsed = _Links()
    parsed.feed((email.html or "").split("<hr>")[0])
    text_body = email.text.split("\n-- \n")[0]
    wanted = {SAMPLE[key] for key in SIGNED if SAMPLE[key] in text_body.split()}
    buttons = {href for href, style, _ in parsed.links if "display: block" in style and "min-height: 44px" in style}
    assert wanted <= buttons, (type_, wanted - buttons)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("type_", ["checkin", "checkin_again"])
def test_a_check_ins_question_is_text_and_each_answer_a_short_button(type_: str, locale: str) -> None:
    """The question paragraph was itself the link, ending in a colon that pointed at nothing
    (review 12, F6); the check-in again has a button for each of its two answers."""
    links = _links(type_, locale, {})[:-1]  # the footer's link aside
    assert len(links) == (2 if type_ == "checkin_again" else 1), links
    for _, style, text in links:
        assert "min-height: 44px" in style and len(text) <= 50 and not text.rstrip().endswith((":", "：")), text


def test_the_types_are_all_covered() -> None:
    assert {t for t, _ in VARIANTS} == set(TYPES)
