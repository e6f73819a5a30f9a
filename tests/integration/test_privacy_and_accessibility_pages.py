"""The privacy notice (/privacy, GDPR Art. 13) and the accessibility statement (/accessibility, BITV 2.0
§ 7): pages in each of the twelve languages, stating the configured storage periods and the welcome
centre's contact when there is one, and linked from the footer of every public page."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer
from babel.dates import format_date

from lotse.intake.app import init_app
from lotse.intake.inactive import NOTICE_DAYS
from lotse.intake.web.notices import BACKUP_DAYS, STATEMENT_DATE
from lotse.shared import tokens
from lotse.shared.config import Settings
from lotse.shared.i18n import SUPPORTED_LOCALES, language_tag, translations
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import newcomer_payload, register

CONTACT = "welcome@thueringen.example · 0361 123456"
# Periods no default has, so a number on the page can only have come from the settings.
PERIODS = {"verification_ttl_days": 17, "retention_inactive_days": 401, "retention_ended_match_days": 203,
           "retention_email_log_days": 91}
UNCONFIRMED = ("If you do not confirm your e-mail address, we delete your registration after %(num)s day.",
               "If you do not confirm your e-mail address, we delete your registration after %(num)s days.")
INACTIVE = ("If nothing happens with your registration for %(num)s day (no match, no answer, no change by you), "
            "we delete it.",
            "If nothing happens with your registration for %(num)s days (no match, no answer, no change by you), "
            "we delete it.")
NOTICE = ("We tell you by e-mail %(num)s day before; one click on your page keeps your registration.",
          "We tell you by e-mail %(num)s days before; one click on your page keeps your registration.")
ENDED = ("Notes and comments about a match are deleted %(num)s day after the match ended.",
         "Notes and comments about a match are deleted %(num)s days after the match ended.")
EMAIL_LOG = ("The list of e-mails we sent you is deleted after %(num)s day.",
             "The list of e-mails we sent you is deleted after %(num)s days.")
BACKUPS = ("Safety copies (backups) of the database are deleted after %(num)s day; if one is ever restored, your "
           "deletion is carried out again.",
           "Safety copies (backups) of the database are deleted after %(num)s days; if one is ever restored, your "
           "deletion is carried out again.")
KEPT = "We keep a confirmed registration until you delete it or withdraw your consent."


def _in(locale: str, text: str, **variables: Any) -> str:
    return str(translations("lotse.intake", "intake", locale).gettext(text)) % variables


def _days(locale: str, forms: tuple[str, str], num: int) -> str:
    return str(translations("lotse.intake", "intake", locale).ngettext(*forms, num)) % {"num": num}


def _footer(html: str) -> str:
    return html.split("<footer>", 1)[1].split("</footer>", 1)[0]


@asynccontextmanager
async def _client(settings: Settings, **changes: Any) -> AsyncIterator[IntakeClient]:
    client = TestClient(TestServer(init_app(dataclasses.replace(settings, **changes))))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def configured_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    async with _client(settings, centre_contact=CONTACT, **PERIODS) as client:
        yield client


async def _page(client: IntakeClient, path: str, locale: str) -> str:
    response = await client.get(f"{path}?lang={locale}")
    assert response.status == 200 and response.content_type == "text/html"
    html = await response.text()
    assert f'<html lang="{language_tag(locale)}"' in html
    return html


def _headed(html: str, locale: str, heading_msgid: str) -> None:
    """The page's h1 and title are its heading, translated (but in English)."""
    heading = _in(locale, heading_msgid)
    assert f"<h1>{heading}</h1>" in html and f"<title>{heading} – Lotse</title>" in html
    assert locale == "en" or heading != heading_msgid


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_the_privacy_notice_states_the_configured_periods_and_the_centre_in_every_language(
    configured_client: IntakeClient, locale: str
) -> None:
    html = await _page(configured_client, "/privacy", locale)
    _headed(html, locale, "Privacy notice")
    for forms, days in [(UNCONFIRMED, 17), (INACTIVE, 401), (NOTICE, NOTICE_DAYS), (ENDED, 203), (EMAIL_LOG, 91),
                        (BACKUPS, BACKUP_DAYS)]:
        assert _days(locale, forms, days) in html, forms[0]
    assert _in(locale, "Welcome centre: %(contact)s", contact=CONTACT) in html
    # Art. 22: a person decides every match.
    assert _in(locale, "People decide, not the computer") in html
    # The complaint goes to Thuringia's authority, named as it names itself.
    assert ('<a href="https://www.tlfdi.de" lang="de">Thüringer Landesbeauftragter für den Datenschutz und die '
            'Informationsfreiheit (TLfDI)</a>') in html
    # The rights are used on the person's own page; a lost link is replaced in the same language.
    assert _in(locale, "withdraw your consent and delete your registration") in html
    assert f'href="/new-link?lang={locale}"' in html


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_the_accessibility_statement_is_dated_in_the_readers_language(
    configured_client: IntakeClient, locale: str
) -> None:
    html = await _page(configured_client, "/accessibility", locale)
    _headed(html, locale, "Accessibility statement")
    written = format_date(STATEMENT_DATE, format="long", locale=locale.split("-")[0])
    assert _in(locale, "Date of this statement: %(date)s", date=f'<time datetime="2026-11-25">{written}</time>') in html
    assert "WCAG" in html and "BITV 2.0" in html
    # Plain German is named as the language menu names it.
    assert "Deutsch (Einfache Sprache)" in html
    # A barrier is reported to the centre; the enforcement route is the conciliation body.
    assert _in(locale, "Welcome centre: %(contact)s", contact=CONTACT) in html
    assert '<a href="https://www.schlichtungsstelle-bgg.de" lang="de">Schlichtungsstelle nach § 16 BGG</a>' in html


async def test_without_a_contact_both_pages_read_on_without_it(intake_client: IntakeClient) -> None:
    privacy = await _page(intake_client, "/privacy", "en")
    statement = await _page(intake_client, "/accessibility", "en")
    for html in (privacy, statement):
        assert "Welcome centre:" not in html
    assert "Lotse is run by the Welcome Centre Thuringia. The welcome centre is responsible for your data." in privacy
    assert "Please tell the welcome centre, so that we can remove it." in statement
    # The defaults, as README's Configuration states them.
    for forms, days in [(UNCONFIRMED, 30), (INACTIVE, 730), (ENDED, 365), (EMAIL_LOG, 180)]:
        assert _days("en", forms, days) in privacy


async def test_with_the_storage_limit_off_nobody_is_promised_a_deletion_for_inactivity(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> None:
    async with _client(settings, retention_inactive_days=0) as client:
        html = await _page(client, "/privacy", "de")
    assert _in("de", KEPT) in html
    assert _days("de", NOTICE, NOTICE_DAYS) not in html
    assert not re.search(r"\b0 Tag", html)


@pytest.mark.parametrize("path", ["/", "/register/newcomer", "/register/language-provider", "/new-link",
                                  "/nonexistent"])
async def test_every_public_page_links_both_in_its_footer_in_its_language(
    intake_client: IntakeClient, path: str
) -> None:
    response = await intake_client.get(f"{path}?lang=uk")
    footer = _footer(await response.text())
    assert f'<a href="/privacy?lang=uk">{_in("uk", "Privacy notice")}</a>' in footer
    assert f'<a href="/accessibility?lang=uk">{_in("uk", "Accessibility statement")}</a>' in footer
    # Without a chosen language, plain links (the cookie or the browser's language decides).
    footer = _footer(await (await intake_client.get(path)).text())
    assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer


async def test_the_form_links_the_notice_beside_the_consents_without_changing_their_words(
    intake_client: IntakeClient,
) -> None:
    html = await (await intake_client.get("/register/mentor?lang=fr")).text()
    consents = html.split(f"<legend>{_in('fr', 'Consent')}</legend>", 1)[1].split("</fieldset>", 1)[0]
    assert (f'<a href="/privacy?lang=fr" target="_blank" rel="noopener">'
            f'{_in("fr", "Privacy notice (opens in a new tab)")}</a>') in consents
    # Outside the consents' labels: their text (and so its version) is what it was.
    assert "/privacy" not in "".join(re.findall(r"<label[^>]*>.*?</label>", consents, re.S))


async def test_a_page_behind_an_emailed_link_passes_the_persons_language_on(intake_client: IntakeClient) -> None:
    """The manage page speaks the language the person chose, whatever the browser says: so do the notices."""
    person = await register(intake_client, newcomer_payload(preferred_locale="vi"))
    page = f"/manage/{tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(person))}"
    response = await intake_client.get(page, headers={"Accept-Language": "de"})
    assert response.status == 200
    footer = _footer(await response.text())
    assert f'<a href="/privacy?lang=vi">{_in("vi", "Privacy notice")}</a>' in footer
    assert 'href="/accessibility?lang=vi"' in footer
