"""Review 8f, finding 1: a mistyped e-mail address was a dead end. The form now asks about a
well-known domain slip, the thanks page names the address the e-mail went to and how to get out of
a wrong one, and /new-link's answer points there too. Polish item: an expired link says so."""

from __future__ import annotations

import dataclasses
import re
import time
import uuid

import asyncpg
import itsdangerous
import pytest
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.app import init_app
from lotse.intake.typedefs import after_response_key
from lotse.intake.web import registration
from lotse.intake.web.manage import EMAIL_TYPO as MANAGE_EMAIL_TYPO
from lotse.shared import tokens
from lotse.shared.config import Settings
from lotse.shared.i18n import translations
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_web_forms import NEWCOMER_FORM


def _in(locale: str, text: str) -> str:
    return str(translations("lotse.intake", "intake", locale).gettext(text))


def _address(prefix: str, domain: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@{domain}"


async def test_a_domain_slip_is_asked_about_once_and_kept_when_sent_again(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    typed = _address("oksana.melnyk", "gmial.com")
    form = {**NEWCOMER_FORM, "email": typed, "preferred_locale": "uk"}
    asked = await intake_client.post("/register/newcomer?lang=uk", data=form, allow_redirects=False)
    html = await asked.text()
    assert asked.status == 422
    meant = typed.replace("gmial.com", "gmail.com")
    assert 'id="email-error"' in html and 'href="#email"' in html  # at the field and in the summary
    assert f"Можливо, ви мали на увазі {meant}?" in html
    assert f'name="email_as_typed" value="{typed}"' in html and f'value="{typed}"' in html
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", typed) == 0

    # Another error on the same post: the hint comes at once, not only after the rest is fixed.
    broken = await intake_client.post("/register/newcomer?lang=de", data={**form, "children_ages": "4, 19"})
    assert broken.status == 422 and f"Meinten Sie {meant}?" in await broken.text()

    # A different slip after the hint is asked about again; the same address sent again is kept.
    other = typed.replace("gmial.com", "gmx.ed")
    again = await intake_client.post("/register/newcomer?lang=uk", data={**form, "email": other,
                                                                           "email_as_typed": typed})
    assert again.status == 422 and other.replace("gmx.ed", "gmx.de") in await again.text()
    kept = await intake_client.post("/register/newcomer?lang=uk", data={**form, "email_as_typed": typed},
                                    allow_redirects=False)
    assert kept.status == 303
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", typed) == 1

    # The JSON API does not ask (docs/decisions.md, "E-mail domain typos").
    api = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=_address("an", "gmial.com")))
    assert api.status == 201


@pytest.mark.parametrize(("typed", "meant"), [(" A.B@GMIAL.COM ", "A.B@gmail.com"), ("ä@wed.de", "ä@web.de")])
async def test_the_hint_keeps_the_name_part_as_typed(intake_client: IntakeClient, typed: str, meant: str) -> None:
    answered = await intake_client.post("/register/newcomer?lang=en", data={**NEWCOMER_FORM, "email": typed})
    assert answered.status == 422 and f"Did you mean {meant}?" in await answered.text()


async def test_the_thanks_page_names_the_address_and_the_way_out_of_a_wrong_one(
    intake_client: IntakeClient, pool: asyncpg.Pool, settings: Settings
) -> None:
    email = _address("oksana.melnyk", "example.org")
    done = await intake_client.post("/register/newcomer?lang=uk",
                                    data={**NEWCOMER_FORM, "email": email, "preferred_locale": "uk"},
                                    allow_redirects=False)
    assert done.status == 303 and email not in done.headers["Location"]  # not in logs or history
    cookie = done.cookies["lotse_registered"]
    assert email not in cookie.value and cookie["httponly"] and cookie["path"] == done.headers["Location"]

    page = await (await intake_client.get(f"{done.headers['Location']}?lang=uk")).text()
    days = settings.verification_ttl_days
    assert f"Ми надіслали листа на адресу <strong><bdi>{email}</bdi></strong>." in page
    assert f"Непідтверджена реєстрація видаляється сама через {days} днів." in page
    assert f'<a href="/register/newcomer?lang=uk">{_in("uk", "Register again")}</a>' in page

    # Without the cookie (another browser, cookies off) or with a forged one: the page as before.
    intake_client.session.cookie_jar.clear()
    plain = await (await intake_client.get(done.headers["Location"])).text()
    assert email not in plain and "Register again" not in plain
    forged = tokens.TokenSigner("not our key").sign(tokens.REGISTERED, pid=str(uuid.uuid4()))
    forged_page = await intake_client.get(done.headers["Location"], cookies={"lotse_registered": forged})
    assert email not in await forged_page.text()


async def test_new_link_sent_says_to_register_again_if_nothing_arrives(intake_client: IntakeClient) -> None:
    sent = await intake_client.post("/new-link?lang=uk", data={"email": "oksana.melnyk@gmail.com"})
    page = await sent.text()
    assert sent.status == 200
    assert "Нічого не прийшло? Можливо, ви зареєструвалися з іншою адресою." in page
    assert f'<a href="/?lang=uk">{_in("uk", "Register again")}</a>' in page


def _signed_long_ago(monkeypatch: pytest.MonkeyPatch, purpose: str, **claims: str) -> str:
    signed_at = int(time.time() - tokens.MAX_AGE[purpose].total_seconds() - 3600)
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: signed_at)
        return tokens.TokenSigner(TEST_SECRET_KEY).sign(purpose, **claims)


async def test_an_expired_link_says_it_expired_and_how_long_links_work(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(preferred_locale="de"))
    person = (await created.json())["id"]
    match = str(uuid.uuid4())
    expired = {
        "/respond/": (_signed_long_ago(monkeypatch, tokens.RESPOND, mid=match, pid=person), 30, True),
        "/checkin/": (_signed_long_ago(monkeypatch, tokens.CHECKIN, mid=match, pid=person), 30, True),
        "/manage/": (_signed_long_ago(monkeypatch, tokens.MANAGE, pid=person), 90, False),
    }
    your_page = "Der neue Link öffnet Ihre Seite"
    for prefix, (token, days, from_match) in expired.items():
        answered = await intake_client.get(prefix + token)
        page = await answered.text()
        assert answered.status == 400, prefix
        assert "<h1>Dieser Link ist abgelaufen</h1>" in page, prefix
        assert f"Links wie dieser funktionieren {days} Tage, nachdem wir sie verschickt haben." in page, prefix
        assert "unvollständig kopiert" not in page and 'href="/new-link?lang=de"' in page, prefix
        assert (your_page in page) == from_match, prefix
        # Cut short in a mail program: it may be anything, so the page keeps saying so.
        broken = await (await intake_client.get(prefix + token[:-3] + "abc", headers={"Accept-Language": "de"})).text()
        assert "unvollständig kopiert" in broken and "abgelaufen</h1>" not in broken, prefix


def _as_typed(html: str) -> dict[str, str]:
    """The hidden "yes, as typed" field the page drew, as a browser would send it back."""
    found = re.search(r'<input type="hidden" name="email_as_typed" value="([^"]*)"', html)
    return {"email_as_typed": found.group(1)} if found else {}


async def test_a_hint_beside_another_error_is_asked_again_until_it_is_the_only_one(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 8h, finding 2: fixing only the other error used to count as "yes, as typed"."""
    typed = _address("oksana.m", "gmial.com")
    form = {**NEWCOMER_FORM, "email": typed, "preferred_locale": "uk"}
    meant = f"Можливо, ви мали на увазі {typed.replace('gmial.com', 'gmail.com')}?"
    without_arrival = {k: v for k, v in form.items() if k != "arrival"}
    first = await intake_client.post("/register/newcomer?lang=uk", data=without_arrival)
    html = await first.text()
    assert first.status == 422 and meant in html and 'href="#arrival' in html
    assert _as_typed(html) == {}  # that page's next send answers the arrival question, not the hint

    # Only the arrival fixed, sent as the browser sends that page: asked again, now the only error.
    second = await intake_client.post("/register/newcomer?lang=uk", data={**form, **_as_typed(html)},
                                      allow_redirects=False)
    html = await second.text()
    assert second.status == 422 and meant in html and _as_typed(html) == {"email_as_typed": typed}
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", typed) == 0

    # Confirmed there, it stays so while another field is fixed; then it is kept as typed.
    third = await intake_client.post("/register/newcomer?lang=uk", data={**without_arrival, **_as_typed(html)})
    html = await third.text()
    assert third.status == 422 and meant not in html and _as_typed(html) == {"email_as_typed": typed}
    kept = await intake_client.post("/register/newcomer?lang=uk", data={**form, **_as_typed(html)},
                                    allow_redirects=False)
    assert kept.status == 303
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", typed) == 1


async def test_the_manage_page_asks_about_a_new_address_once_and_names_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 8h, finding 5: the e-mail change on the manage page asks as the form does, and its
    notice names the address the link went to (from the open request, not from the URL)."""
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(preferred_locale="pl"))
    person = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", person)
    manage = f"/manage/{tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(person))}?lang=pl"
    typed = _address("katarzyna.nowak", "gmial.com")
    asked = await intake_client.post(manage, data={"action": "email_change", "new_email": typed})
    html = await asked.text()
    meant = typed.replace("gmial.com", "gmail.com")
    assert asked.status == 422 and 'id="new_email-error"' in html
    # The page has several forms: the hint names the button to press again (review 8j, finding 5).
    assert _in("pl", MANAGE_EMAIL_TYPO) % {"address": meant, "button": "Zmień adres e-mail"} in html
    assert "Zmień adres e-mail" in html.split('id="new_email"', 1)[1]  # the button it names follows the field
    assert _as_typed(html) == {"email_as_typed": typed}
    assert await pool.fetchval("SELECT count(*) FROM email_changes WHERE participant_id = $1", person) == 0

    sent = await intake_client.post(manage, data={"action": "email_change", "new_email": typed, **_as_typed(html)},
                                    allow_redirects=False)
    assert sent.status == 303 and typed not in sent.headers["Location"]
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1", person) == typed
    page = await (await intake_client.get(sent.headers["Location"])).text()
    notice = _in("pl", "We sent a link to %(email)s. Open it and press “Confirm new address”: only then does "
                        "your address change.")
    assert "„Potwierdź nowy adres”" in notice  # the button the link's page shows (since 2849b51)
    assert notice % {"email": f"<strong><bdi>{typed}</bdi></strong>"} in page


async def test_an_expired_verification_link_says_it_expired_and_keeps_the_way_to_a_new_one(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    """As the respond, check-in and manage links (a8f71d0): an expired verification link says so and
    how long such links work, still as a 400 HTML page with both ways to a new link."""
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(preferred_locale="de"))
    token = _signed_long_ago(monkeypatch, tokens.VERIFY, pid=(await created.json())["id"])
    answered = await intake_client.get(f"/verify/{token}")
    page = await answered.text()
    assert answered.status == 400 and answered.content_type == "text/html"
    assert "<h1>Dieser Link ist abgelaufen</h1>" in page
    assert ("Links wie dieser funktionieren 30 Tage, nachdem wir sie verschickt haben. Melden Sie sich noch einmal "
            "mit derselben E-Mail-Adresse an, dann senden wir Ihnen einen neuen Link.") in page
    assert "unvollständig kopiert" not in page
    # Both ways out keep the person's language; the title says what the h1 says (review 8j, findings 2 and 3).
    assert 'href="/?lang=de"' in page and 'href="/new-link?lang=de"' in page
    assert "<title>Dieser Link ist abgelaufen – Lotse</title>" in page

    # Cut short or altered: it may be anything, so the page keeps today's words.
    broken = await intake_client.get(f"/verify/{token[:-3]}abc", headers={"Accept-Language": "de"})
    text = await broken.text()
    assert broken.status == 400 and "unvollständig kopiert" in text and "abgelaufen</h1>" not in text
    assert "<title>Dieser Link funktioniert nicht – Lotse</title>" in text

    # A registration deleted sooner (LOTSE_VERIFICATION_TTL_DAYS) shortens what the link is good for.
    short = TestClient(TestServer(init_app(dataclasses.replace(settings, verification_ttl_days=7))))
    await short.start_server()
    try:
        page = await (await short.get(f"/verify/{token}")).text()
    finally:
        await short.close()
    assert "Links wie dieser funktionieren 7 Tage, nachdem" in page


async def test_the_new_link_form_asks_about_a_domain_slip_once(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """As the registration form and the manage page: a slip found no registration and sent nothing,
    unnoticed; now asked once, and sent again unchanged the address is used as typed."""
    typed = _address("oksana.melnyk", "gmial.com")
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=typed))  # the API keeps it
    person = (await created.json())["id"]
    requested = ("SELECT count(*) FROM outbox WHERE payload->>'participant_id' = $1 "
                 "AND payload->>'notification' = 'verification'")
    before = await pool.fetchval(requested, person)
    asked = await intake_client.post("/new-link?lang=uk", data={"email": typed}, allow_redirects=False)
    html = await asked.text()
    meant = typed.replace("gmial.com", "gmail.com")
    assert asked.status == 422 and 'id="email-error"' in html
    assert _in("uk", registration.EMAIL_TYPO) % {"address": meant} in html
    assert f'value="{typed}"' in html and _as_typed(html) == {"email_as_typed": typed}
    assert await pool.fetchval(requested, person) == before  # nothing sent on a question

    # Another slip after the hint is asked about again; the same address sent again is used.
    other = typed.replace("gmial.com", "gmx.ed")
    again = await intake_client.post("/new-link?lang=uk", data={"email": other, **_as_typed(html)})
    assert again.status == 422 and other.replace("gmx.ed", "gmx.de") in await again.text()
    kept = await intake_client.post("/new-link?lang=uk", data={"email": typed, **_as_typed(html)},
                                    allow_redirects=False)
    assert kept.status == 303 and kept.headers["Location"] == "/new-link/sent?lang=uk"
    await intake_client.app[after_response_key].finish()  # requested after the answer
    assert await pool.fetchval(requested, person) == before + 1


def _use_button(html: str) -> dict[str, str]:
    """The typo hint's "Use …" button (review 8j, finding 4): its attributes and its text."""
    found = re.search(r'<button type="submit" name="email_suggested" value="([^"]*)"([^>]*)>([^<]*)</button>', html)
    assert found, "no Use button"
    return {"value": found.group(1), "attributes": found.group(2), "text": found.group(3)}


async def test_the_hint_has_a_button_that_takes_the_address_meant(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 8j, finding 4: taking the suggestion meant fixing "gmial" by hand, letter by letter
    with a screen reader. A submit button sends the form with the address meant, no JavaScript."""
    typed = _address("oksana.melnyk", "gmial.com")
    meant = typed.replace("gmial.com", "gmail.com")
    form = {**NEWCOMER_FORM, "email": typed, "preferred_locale": "uk"}
    html = await (await intake_client.post("/register/newcomer?lang=uk", data=form)).text()
    button = _use_button(html)
    assert button["value"] == meant and button["text"] == f"Використати {meant}"
    # In the form (no form= needed) and after the field; Enter still presses the header's copy of "Register".
    assert html.index('id="register-form"') < html.index('id="email"') < html.index('name="email_suggested"')
    assert html.index('form="register-form" class="visually-hidden"') < html.index('name="email_suggested"')

    # Pressed, as a browser sends it: the fields as typed, the hidden "as typed", and the button's value.
    taken = await intake_client.post("/register/newcomer?lang=uk",
                                     data={**form, **_as_typed(html), "email_suggested": meant},
                                     allow_redirects=False)
    assert taken.status == 303
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", meant) == 1
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", typed) == 0

    # Beside another error it is offered too and keeps the address meant while that is fixed.
    other = _address("iryna", "hotmial.com")
    broken = await intake_client.post("/register/newcomer?lang=uk",
                                      data={**form, "email": other, "children_ages": "4, 19"})
    html = await broken.text()
    assert broken.status == 422 and _use_button(html)["value"] == other.replace("hotmial", "hotmail")
    again = await intake_client.post("/register/newcomer?lang=uk", data={
        **form, "email": other, "children_ages": "4, 19", "email_suggested": other.replace("hotmial", "hotmail")})
    html = await again.text()
    assert again.status == 422 and f'value="{other.replace("hotmial", "hotmail")}"' in html
    assert "name=\"email_suggested\"" not in html  # the address is no slip any more: nothing to ask

    # No hint, no button.
    plain = await intake_client.post("/register/newcomer?lang=uk", data={**form, "email": "nope"})
    assert plain.status == 422 and "email_suggested" not in await plain.text()


async def test_the_manage_page_and_new_link_have_the_button_too(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(preferred_locale="pl"))
    person = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", person)
    manage_page = f"/manage/{tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(person))}?lang=pl"
    typed = _address("katarzyna.nowak", "gmial.com")
    meant = typed.replace("gmial.com", "gmail.com")
    html = await (await intake_client.post(manage_page, data={"action": "email_change", "new_email": typed})).text()
    button = _use_button(html)
    assert button["value"] == meant and button["text"] == f"Użyj {meant}"
    assert 'form="edit-form"' in button["attributes"]  # outside the edit form, as the field is
    # Pressed: it sends no action of its own, only the edit form's fields and its value.
    taken = await intake_client.post(manage_page, allow_redirects=False,
                                     data={"new_email": typed, **_as_typed(html), "email_suggested": meant})
    assert taken.status == 303 and taken.headers["Location"].endswith("done=email_change&lang=pl")
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1", person) == meant

    # /new-link: after its own button, which Enter presses (the page has no header copy of it).
    registered = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=meant))
    requested = ("SELECT count(*) FROM outbox WHERE payload->>'participant_id' = $1 "
                 "AND payload->>'notification' = 'verification'")
    before = await pool.fetchval(requested, (await registered.json())["id"])
    html = await (await intake_client.post("/new-link?lang=uk", data={"email": typed})).text()
    assert _use_button(html)["value"] == meant
    assert html.index("<button type=\"submit\">") < html.index('name="email_suggested"')
    sent = await intake_client.post("/new-link?lang=uk", allow_redirects=False,
                                    data={"email": typed, **_as_typed(html), "email_suggested": meant})
    assert sent.status == 303
    await intake_client.app[after_response_key].finish()  # requested after the answer
    assert await pool.fetchval(requested, (await registered.json())["id"]) == before + 1
