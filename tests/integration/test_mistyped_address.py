"""Review 8f, finding 1: a mistyped e-mail address was a dead end. The form now asks about a
well-known domain slip, the thanks page names the address the e-mail went to and how to get out of
a wrong one, and /new-link's answer points there too. Polish item: an expired link says so."""

from __future__ import annotations

import time
import uuid

import asyncpg
import itsdangerous
import pytest

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
