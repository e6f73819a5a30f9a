"""The digest says why it comes and where to switch it off (each coordinator chooses since 4a6c9c1):
its last line, in every locale, the link in the text part on a line of its own and in HTML a worded link."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES

URL = "https://lotse.example/dashboard/account/digest"


def test_the_english_digest_ends_with_why_and_the_switch() -> None:
    email = render_email("digest", SOURCE_LOCALE, {**SAMPLE, "digest_settings_url": URL})
    body = email.text.split("\n-- \n", 1)[0].rstrip()
    assert body.endswith("You get this overview because it is switched on for your account.\n"
                         f"Turn it off or on:\n{URL}")
    html = email.html or ""
    assert (f'<p>You get this overview because it is switched on for your account.\n'
            f'<a href="{URL}">Turn the overview e-mail off or on</a></p>') in html
    assert html.index(f'href="{URL}"') > html.index("Open the review queue")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_language_has_the_switch(locale: str) -> None:
    email = render_email("digest", locale, {**SAMPLE, "digest_settings_url": URL})
    body = email.text.split("\n-- \n", 1)[0].rstrip().splitlines()
    assert body[-1] == URL  # on its own line, the body's last
    why, switch = body[-3:-1]
    if locale != SOURCE_LOCALE:
        assert why != "You get this overview because it is switched on for your account."
        assert switch != "Turn it off or on:"
    html = email.html or ""
    # In HTML the link names what it switches, without the sentence before it (review 13b, F4).
    link = html.split(f'<a href="{URL}">', 1)[1].split("</a>", 1)[0]
    assert link and URL not in link
    assert (link == "Turn the overview e-mail off or on") == (locale == SOURCE_LOCALE)
