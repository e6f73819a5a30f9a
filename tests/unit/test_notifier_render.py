"""Every notification renders in every locale: one-line subjects, escaped HTML, links intact."""

from __future__ import annotations

import dataclasses
import uuid

import pytest

from lotse.notifier import compose
from lotse.notifier.compose import Composer
from lotse.notifier.preview import SAMPLE, preview
from lotse.notifier.render import TYPES, UnknownNotification, render_email
from lotse.shared.config import Settings
from lotse.shared.i18n import SUPPORTED_LOCALES, language_tag


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("notification", TYPES)
def test_renders_in_every_locale(notification: str, locale: str) -> None:
    email = render_email(notification, locale, SAMPLE)
    assert email.subject and "\n" not in email.subject
    assert email.text.strip() and email.html and f'lang="{language_tag(locale)}"' in email.html
    assert "%(" not in email.text + email.subject  # no placeholder left unformatted


def test_links_and_contact_reach_the_text_part() -> None:
    email = render_email("introduction", "vi", SAMPLE)
    assert SAMPLE["accept_url"] in email.text and SAMPLE["decline_url"] in email.text
    # An introduction never carries the address (it comes with both yeses), only that it will come.
    assert SAMPLE["contact_email"] not in email.text + (email.html or "")
    assert "chúng tôi sẽ gửi cho mỗi người địa chỉ email của người kia" in email.text
    active = render_email("match_active", "vi", SAMPLE)
    assert SAMPLE["contact_email"] in active.text
    without = render_email("match_active", "vi", {**SAMPLE, "contact_email": None})
    assert SAMPLE["contact_email"] not in without.text + (without.html or "")


def test_an_introduction_says_the_addresses_follow_only_with_both_consents() -> None:
    both = render_email("introduction", "de", SAMPLE)
    follow = "Sobald Sie beide zugesagt haben, schicken wir jeder Seite die E-Mail-Adresse der anderen."
    assert follow in both.text and follow in (both.html or "")
    assert "Das Welcome Center bringt Sie in Kontakt." not in both.text
    one = render_email("introduction", "de", {**SAMPLE, "addresses_follow": False, "contact_email": None})
    assert follow not in one.text and "Das Welcome Center bringt Sie in Kontakt." in one.text


def test_markup_in_names_is_text_in_html_and_untouched_in_plain_text() -> None:
    hostile = {**SAMPLE, "name": "<script>alert(1)</script>", "other_title": "<b>Tom</b>"}
    email = render_email("introduction", "de", hostile)
    assert "<script>" not in (email.html or "") and "&lt;script&gt;" in (email.html or "")
    assert "<b>Tom</b>" not in (email.html or "")
    assert "<script>alert(1)</script>" in email.text


def test_translated_words_are_used() -> None:
    assert render_email("introduction", "de", SAMPLE).subject == "Vorstellung: Thomas Berger"
    assert "Einfache" not in render_email("checkin", "de-simple", SAMPLE).text  # falls back to German words
    subject = render_email("checkin", "de-simple", SAMPLE).subject
    assert subject == "Wie läuft es? – Thomas Berger"


def test_unknown_type_is_refused() -> None:
    with pytest.raises(UnknownNotification):
        render_email("nope", "de", SAMPLE)


def test_preview_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview("introduction", "uk") == 0
    shown = capsys.readouterr().out
    assert "Content-Language: uk" in shown
    # The sample's shared languages are named in the reader's language, as a real email names them.
    assert "німецька" in shown.lower() and "Deutsch" not in shown and "English" not in shown
    assert preview("introduction", "de-simple") == 0
    assert "Content-Language: de-simple" in capsys.readouterr().out
    assert preview("nope", "uk") == 2
    assert preview("introduction", "xx") == 2


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("notification", [t for t in TYPES if t != "digest"])
def test_paragraphs_and_signature_stand_apart(notification: str, locale: str) -> None:
    lines = render_email(notification, locale, SAMPLE).text.split("\n")
    signature = lines.index("-- ")
    assert lines[signature - 1] == ""  # the body's last line does not run into the signature
    who = next((i for i, line in enumerate(lines) if "Thomas Berger" in line and "@" not in line), None)
    if who is not None:  # the other side's line is a paragraph of its own
        assert lines[who - 1] == "" and lines[who + 1] == ""


def test_a_declined_mentor_is_not_called_your_mentor() -> None:
    declined = render_email("match_declined", "en", SAMPLE).text
    assert "Mentor: Thomas Berger" in declined and "Your mentor" not in declined
    assert "Your mentor: Thomas Berger" in render_email("introduction", "en", SAMPLE).text


@pytest.mark.parametrize(("kind", "says"), [("employer", "for the job: Nurse"),
                                            ("language_course", "for the course: Nurse")])
def test_a_provider_learns_which_opening_an_introduction_is_for(kind: str, says: str) -> None:
    context = {**SAMPLE, "kind": kind, "side": "counterpart", "other_title": "Lan", "wanted": "Nurse"}
    for notification in ("introduction", "reminder", "checkin", "match_declined", "match_ended"):
        email = render_email(notification, "en", context)
        assert f"Newcomer: Lan, {says}" in email.text and says in (email.html or "")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_greeting_that_ends_a_sentence_is_followed_by_a_capital(locale: str) -> None:
    """"Вітаємо, Олена!" ends a sentence; the English body starts lower case after "Hello Lan,"."""
    for notification in [t for t in TYPES if t != "digest"]:
        paragraphs = render_email(notification, locale, SAMPLE).text.split("\n\n")
        if paragraphs[0].endswith("!"):
            assert paragraphs[1][:1].isupper(), (notification, paragraphs[1][:30])


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_new_manage_link_is_given_in_every_locale_without_confirmation_words(locale: str) -> None:
    email = render_email("manage_link", locale, SAMPLE)
    assert SAMPLE["manage_url"] in email.text.split("-- ")[0]  # in the body, not only the footer
    assert f'<a href="{SAMPLE["manage_url"]}">' in (email.html or "")
    confirmed = render_email("registration_confirmed", locale, SAMPLE).subject
    assert email.subject != confirmed
    if locale != "en":  # translated, not the English source words
        assert "here is a new link" not in email.text and email.subject != "Lotse: A new link to your registration"
        assert "you also see your matches" not in email.text
    else:  # the page now lists the person's matches (review 4, finding 7): someone who lost an introduction is told
        assert "On that page you also see your matches and can answer an introduction." in email.text
        assert "you also see your matches" in (email.html or "")


ERASED_SIDE = {**SAMPLE, "other_title": "", "organisation": "", "named": False, "facts": [], "reasons": [],
               "contact_email": None, "status": "cancelled", "ended_because": "erased"}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("notification", ["introduction", "reminder", "checkin", "match_declined", "match_ended",
                                          "match_active"])
@pytest.mark.parametrize(("kind", "side"), [("mentor", "newcomer"), ("employer", "counterpart"),
                                            ("language_course", "newcomer")])
def test_an_erased_other_side_leaves_no_empty_name_line(notification: str, locale: str, kind: str, side: str) -> None:
    """Like match_ended (d89bb29): no "Your mentor: " with nothing after it, and the sentence that
    would have led into that line ends instead of pointing at nothing."""
    email = render_email(notification, locale, {**ERASED_SIDE, "kind": kind, "side": side})
    named = render_email(notification, locale, {**SAMPLE, "kind": kind, "side": side, "other_title": "Thomas Berger",
                                                "organisation": "VHS Gera", "named": True})
    body = email.text.split("\n-- \n")[0]
    for line in body.split("\n")[1:]:  # after the greeting ("…，您好：" ends with a colon)
        assert not line.rstrip().endswith((":", "：")) or "http" in line or "?" in line or "？" in line, line
    assert "\n\n\n" not in body
    who = [line for line in named.text.split("\n") if "Thomas Berger" in line or "VHS Gera" in line]
    prefixes = {line.split("Thomas Berger")[0].split("VHS Gera")[0].strip() for line in who}
    assert not any(p and p in body.split("\n") for p in prefixes)  # the label alone is not left standing
    html = email.html or ""
    assert "<strong></strong>" not in html and "<p></p>" not in html and "<p><br>" not in html


async def test_the_verification_email_says_after_how_many_days_unconfirmed_data_is_deleted(settings: Settings) -> None:
    """Review 7, polish: "deleted automatically" said when; the period is intake's (LOTSE_VERIFICATION_TTL_DAYS)."""
    composer = Composer(dataclasses.replace(settings, verification_ttl_days=21))
    person = {"id": uuid.uuid4(), "name": "Оксана", "kind": "newcomer", "preferred_locale": "uk"}
    row = {"registration_version_id": None}  # the first registration's email: no version, no query
    context = await compose._verification(composer, None, row, person, {})
    assert context["deleted_after_days"] == 21
    uk = render_email("verification", "uk", context).text
    assert "Без підтвердження ці дані буде автоматично видалено через 21 день." in uk
    assert "nach 1 Tag automatisch" in render_email("verification", "de", {**context, "deleted_after_days": 1}).text
    assert "after 30 days." in (render_email("verification", "en", {**context, "deleted_after_days": 30}).html or "")
