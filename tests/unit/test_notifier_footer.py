"""Every email's footer says whether a reply is read and names the centre's contact once (review 12, F4)."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import TYPES, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES, translations

READ = "You can reply to this e-mail; your answer reaches the welcome centre."
NOT_READ = "This e-mail was sent automatically; replies are not read."
CONTACT = "welcome@lotse.example, 0361 123456"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("replies_read", [True, False])
def test_the_footer_says_where_a_reply_goes_in_both_parts(locale: str, replies_read: bool) -> None:
    said = translations("lotse.notifier", "notifier", locale).gettext(READ if replies_read else NOT_READ)
    for type_ in TYPES:
        email = render_email(type_, locale, {**SAMPLE, "centre_contact": CONTACT, "replies_read": replies_read})
        assert email.html is not None
        for part in (email.text.split("\n-- \n")[1], email.html.split("<hr>")[1]):
            assert said in part, (type_, part)
            # Once: the email that names it in its body does not repeat it; staff's digest leaves it out.
            assert part.count(CONTACT) == (0 if type_ in {"digest", "email_changed"} else 1), (type_, part)
        assert (email.text + email.html).count(CONTACT) == (0 if type_ == "digest" else 2), type_


def test_without_a_contact_the_footer_names_none() -> None:
    email = render_email("manage_link", "de", {**SAMPLE, "centre_contact": None})
    assert "Welcome Center:" not in email.text and "Welcome Center:" not in (email.html or "")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_footers_link_is_named_your_page_as_the_sentences_pointing_to_it_say(locale: str) -> None:
    """Review 13b, F4: "you can still answer on your page (link below)" pointed at a link named "See,
    change or delete what we store about you"; that is now the words before a link named as the page."""
    gettext = translations("lotse.notifier", "notifier", locale).gettext
    html = render_email("introduction", locale, SAMPLE).html or ""
    footer = html.split("<hr>")[1]
    assert f'{gettext("See, change or delete what we store about you:")} <a href="{SAMPLE["manage_url"]}">' \
           f'{gettext("Open your page")}</a>' in footer
