"""Review 8c, finding 11a: the mentor's respond page called the newcomer "Neu angekommen: …" where the
email said "Neu in Thüringen: …" (and the Polish page "Osoba nowo przybyła" where the email said
"Nowo przybyła osoba"). The pages' line naming the other side (lifecycle/_other.html) and the emails'
(_match.j2 who()) share their msgids; the emails' catalog is the one source of their wording, and
each page's translation must read as it does."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from tests.unit.test_translation_gender_forms import LOCALES, _strings


def _page_msgids() -> set[str]:
    template = files("lotse.intake").joinpath("templates/lifecycle/_other.html").read_text("utf-8")
    return set(re.findall(r'_\("([^"]+)"', template))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_pages_name_the_other_side_as_the_emails_do(locale: str) -> None:
    emails = dict(_strings("lotse.notifier", "notifier", locale))
    pages = dict(_strings("lotse.intake", "intake", locale))
    shared = _page_msgids() & set(emails)
    assert "Newcomer: %(name)s" in shared and len(shared) >= 4  # the newcomer's three lines and the mentor's
    assert {msgid: pages[msgid] for msgid in shared} == {msgid: emails[msgid] for msgid in shared}
