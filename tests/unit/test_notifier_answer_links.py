"""An introduction's answer links, in its email and in the reminder (review 8b, finding 1). They
open a page that asks to confirm (opening records nothing, as link scanners open links), so the
email says so instead of "Please answer with one click"; in HTML the two answers are buttons, each
on its own line, at least 44 px tall and 16 px apart, so a mis-tap does not open the other one."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES, translations

ASK = ("Do you agree? Choose your answer below. The page that opens asks you to confirm it; only then is your "
       "answer sent.")
NOTIFICATIONS = ["introduction", "reminder"]


class _Answers(HTMLParser):
    """Each answer link's style and the style of the block it stands in."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[dict[str, str]] = []
        self.links: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "p":
            self.blocks.append(found)
        elif tag == "a" and "answer=" in found.get("href", ""):
            self.links.append((len(self.blocks), found.get("style", "")))


def _px(style: str, name: str) -> int:
    found = re.search(rf"(?:^|;)\s*{name}:\s*(\d+)px", style)
    assert found, (name, style)
    return int(found.group(1))


@pytest.mark.parametrize("notification", NOTIFICATIONS)
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_email_says_the_next_page_asks_to_confirm(notification: str, locale: str) -> None:
    email = render_email(notification, locale, SAMPLE)
    ask = translations("lotse.notifier", "notifier", locale).gettext(ASK)
    assert locale == SOURCE_LOCALE or ask != ASK, locale
    assert email.html is not None
    assert ask in email.text and ask in email.html.replace("&#39;", "'")
    assert "one click" not in email.text and "one click" not in email.html


@pytest.mark.parametrize("notification", NOTIFICATIONS)
def test_the_two_answers_are_big_buttons_apart(notification: str) -> None:
    parsed = _Answers()
    html = render_email(notification, "vi", SAMPLE).html
    assert html is not None
    parsed.feed(html)
    assert len(parsed.links) == 2
    (first_block, first), (second_block, second) = parsed.links
    assert first_block != second_block  # one per line, in blocks of their own
    for style in (first, second):
        assert "display: block" in style
        assert _px(style, "min-height") >= 44
    assert _px(parsed.blocks[first_block - 1]["style"], "margin-bottom") >= 16
