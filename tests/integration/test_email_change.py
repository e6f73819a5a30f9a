"""Review 4, finding 24: a participant changes their e-mail address on their manage page.

Nothing changes until the link sent to the new address is opened; the old address is told, with a
way to stop it; manage links sent to the old address stop working once the address has changed.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import itsdangerous
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake import retention
from lotse.intake.app import init_app
from lotse.shared import tokens
from lotse.shared.config import Settings
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, notify, sink, smtp_settings, to

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)
REQUESTED = "SELECT payload->>'notification' FROM outbox WHERE type = 'notification.requested' ORDER BY seq"


async def _registered(intake_client: IntakeClient, pool: asyncpg.Pool, payload: dict[str, Any],
                      segment: str = "newcomers") -> uuid.UUID:
    created = await intake_client.post(f"/api/v1/{segment}", json=payload)
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant_id)
    await pool.execute("DELETE FROM outbox")
    return participant_id


def _manage(participant_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch | None = None) -> str:
    """A manage link; with ``monkeypatch``, signed a minute ago (tokens tell time in whole seconds,
    and a link from the second of a change is taken to be the one handed out with it)."""
    if monkeypatch is None:
        return f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(participant_id))}"
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 60)
        return f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(participant_id))}"


def _confirm_link(participant_id: uuid.UUID, change_id: uuid.UUID) -> str:
    return f"/email-change/{SIGNER.sign(tokens.EMAIL_CHANGE, pid=str(participant_id), cid=str(change_id))}"


async def _confirm(intake_client: IntakeClient, link: str, lang: str | None = None) -> Any:
    """What the person does with the link: open it (which changes nothing), then press the page's one
    button, a plain form posting back to the link; the button's answer."""
    opened = await intake_client.get(link if lang is None else f"{link}?lang={lang}")
    page = await opened.text()
    assert opened.status == 200, page
    form = re.search(r'<form method="post" action="([^"]+)">\s*<button type="submit">([^<]+)</button>', page)
    assert form, page
    return await intake_client.post(form.group(1).replace("&amp;", "&"))


async def _ask(intake_client: IntakeClient, manage: str, new_email: str, lang: str = "en") -> Any:
    return await intake_client.post(f"{manage}?lang={lang}", data={"action": "email_change", "new_email": new_email},
                                    allow_redirects=False)


async def _open_change(pool: asyncpg.Pool, participant_id: uuid.UUID) -> uuid.UUID:
    change_id: uuid.UUID = await pool.fetchval(
        "SELECT id FROM email_changes WHERE participant_id = $1 AND outcome IS NULL", participant_id)
    return change_id


async def _changed(intake_client: IntakeClient, pool: asyncpg.Pool, participant_id: uuid.UUID, manage: str,
                   new_email: str) -> str:
    """The address changed to ``new_email``: asked for on the page ``manage`` links to, and the link
    sent there opened (returned)."""
    assert (await _ask(intake_client, manage, new_email)).status == 303
    link = _confirm_link(participant_id, await _open_change(pool, participant_id))
    assert (await _confirm(intake_client, link)).status == 200
    return link


async def _stored(pool: asyncpg.Pool, participant_id: uuid.UUID) -> str:
    email: str = await pool.fetchval("SELECT email FROM participants WHERE id = $1", participant_id)
    return email


async def test_a_new_address_is_used_once_its_link_is_opened_and_the_old_one_is_told(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = unique_email("lan"), unique_email("lan.moi")
    lan = await _registered(intake_client, pool, newcomer_payload(email=old, preferred_locale="vi"))
    manage = _manage(lan, monkeypatch)
    page = await (await intake_client.get(manage)).text()
    field = re.search(r'<input type="email" id="new_email" name="new_email"[^>]*>', page)
    assert field and "readonly" not in field.group(0) and "disabled" not in field.group(0)
    assert 'value="email_change"' in page  # the address can be changed here
    assert page.count("“Xác nhận địa chỉ mới”") == 1  # the field's hint names the button that changes it

    asked = await _ask(intake_client, manage, "  " + new.replace("example.org", "EXAMPLE.org "), lang="vi")
    assert asked.status == 303 and asked.headers["Location"].endswith("?done=email_change&lang=vi")
    assert await _stored(pool, lan) == old  # nothing changes yet
    assert [r[0] for r in await pool.fetch(REQUESTED)] == ["email_change_confirm", "email_change_notice"]
    page = await (await intake_client.get(asked.headers["Location"])).text()
    assert new in page and 'value="email_cancel"' in page  # the open request, and how to cancel it
    assert page.count("“Xác nhận địa chỉ mới”") == 3  # so do the notice and the open request's line

    await notify(pool)
    await deliver_all(delivery)
    [confirmation] = to(sink, new)
    [notice] = to(sink, old)
    for mail in (confirmation, notice):  # in the person's language
        assert mail.headers["Content-Language"] == "vi"
    assert confirmation.headers["Subject"] != "Confirm your new e-mail address"
    # The new address has not shown to be hers yet: it gets the confirmation link, no manage link.
    assert "/email-change/" in confirmation.text and "/manage/" not in confirmation.text
    assert "/manage/" in notice.text and "/email-change/" not in notice.text  # where to cancel it
    found = re.search(r"/email-change/[\w.\-]+", confirmation.text)
    assert found

    # Opening it (a mail scanner does, with GET or HEAD) changes nothing: a page asks for the button.
    assert (await intake_client.head(found.group(0))).status == 200
    assert await _stored(pool, lan) == old
    asking = await (await intake_client.get(found.group(0))).text()
    assert '<html lang="vi"' in asking and asking.count('<form method="post"') == 1  # a plain form, no script
    assert await _stored(pool, lan) == old
    assert await pool.fetchval("SELECT outcome FROM email_changes WHERE participant_id = $1", lan) is None
    confirmed = await _confirm(intake_client, found.group(0))
    page = await confirmed.text()
    assert confirmed.status == 200 and '<html lang="vi"' in page
    assert await _stored(pool, lan) == new
    audit = [r["action"] for r in await pool.fetch(
        "SELECT action FROM audit_log WHERE actor_id = $1 AND actor_role = 'participant' ORDER BY id", lan)]
    assert audit == ["participant.email_change_requested", "participant.email_changed"]
    # The entries hold no address (audit_log holds ids and states, never names or addresses).
    assert await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE concat(before::text, after::text, detail) LIKE '%@%'") == 0

    # Links sent to the old address no longer open the page; the one handed out with the change does.
    fresh = re.search(r'href="(/manage/[^"?]+)', page)
    assert fresh and (await intake_client.get(fresh.group(1))).status == 200
    assert (await intake_client.get(manage)).status == 400
    assert (await intake_client.get(f"{manage}/erase")).status == 400
    assert (await _ask(intake_client, manage, unique_email("x"))).status == 400

    again = await intake_client.get(found.group(0))  # a second click: the same answer, nothing else
    assert again.status == 200 and await _stored(pool, lan) == new
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'participant.email_changed'") == 1


async def test_a_notice_that_goes_out_after_the_change_carries_no_manage_link(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    old, new = unique_email("olena"), unique_email("olena.new")
    olena = await _registered(intake_client, pool, newcomer_payload(email=old, preferred_locale="uk"))
    assert (await _ask(intake_client, _manage(olena), new)).status == 303
    confirmed = await _confirm(intake_client, _confirm_link(olena, await _open_change(pool, olena)))
    assert confirmed.status == 200
    await notify(pool)
    await deliver_all(delivery)
    # Still to the old address, but it would open the page again from there; nor does the email
    # saying that the change was made (test_email_change_recovery).
    mails = to(sink, old)
    assert len(mails) == 2
    for mail in mails:
        assert "/manage/" not in mail.text and mail.headers["Content-Language"] == "uk"
    # Nothing left to confirm; the new address gets its own link to the registration (review 11b, M4).
    [welcome] = to(sink, new)
    link = re.search(r"/manage/[\w.\-]+", welcome.text)
    assert link and welcome.headers["Content-Language"] == "uk"
    assert (await intake_client.get(link.group(0))).status == 200


async def test_an_expired_replaced_or_cancelled_link_changes_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = unique_email("wei")
    wei = await _registered(intake_client, pool, newcomer_payload(email=old, preferred_locale="zh"))
    manage = _manage(wei)
    first_email, second_email = unique_email("wei.first"), unique_email("wei.second")
    assert (await _ask(intake_client, manage, first_email)).status == 303
    first = await _open_change(pool, wei)
    assert (await _ask(intake_client, manage, second_email)).status == 303
    second = await _open_change(pool, wei)
    # The page of the link that works names the address it confirms (review 9c, F10): two typed in a
    # row, which email is this one?
    asking = await (await intake_client.get(_confirm_link(wei, second))).text()
    assert f"新地址：<strong><bdi>{second_email}</bdi></strong>" in asking and first_email not in asking

    replaced = await intake_client.get(_confirm_link(wei, first), headers={"Accept-Language": "de"})
    assert replaced.status == 410 and '<html lang="zh"' in await replaced.text()

    signed_at = int(time.time() - tokens.MAX_AGE[tokens.EMAIL_CHANGE].total_seconds() - 60)
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: signed_at)
        expired = _confirm_link(wei, second)
    answered = await intake_client.get(expired)
    assert answered.status == 410 and '<html lang="zh"' in await answered.text()
    tampered = await intake_client.get(_confirm_link(wei, second)[:-3] + "abc")
    assert tampered.status == 400

    cancelled = await intake_client.post(manage, data={"action": "email_cancel"}, allow_redirects=False)
    assert cancelled.status == 303
    # Its own notice, naming the address that stays (review 9c, F10: it said "Saved." only).
    told = await (await intake_client.get(cancelled.headers["Location"])).text()
    assert (f'<p class="notice" role="status">地址更改已取消。您的地址仍为 <strong><bdi>{old}</bdi></strong>。</p>'
            in told) and "已保存" not in told
    assert (await intake_client.get(_confirm_link(wei, second))).status == 410
    assert await _stored(pool, wei) == old
    assert await pool.fetchval(
        "SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'participant.email_change_cancelled'",
        wei) == 1


async def test_an_address_another_registration_of_the_same_kind_uses_is_refused_with_a_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    taken = unique_email("taken")
    await _registered(intake_client, pool, mentor_payload(email=taken), segment="mentors")
    old = unique_email("anna")
    anna = await _registered(intake_client, pool, mentor_payload(email=old), segment="mentors")
    # Asking tells nobody whether the address is registered; the new mailbox's owner learns it.
    assert (await _ask(intake_client, _manage(anna), taken)).status == 303
    link = _confirm_link(anna, await _open_change(pool, anna))
    refused = await _confirm(intake_client, link, lang="en")
    assert refused.status == 409 and "This address is already registered" in await refused.text()
    assert await _stored(pool, anna) == old

    # As a newcomer the same address is free: one registration per address and kind.
    newcomer = await _registered(intake_client, pool, newcomer_payload(email=unique_email("nc")))
    await _changed(intake_client, pool, newcomer, _manage(newcomer), taken)
    assert await _stored(pool, newcomer) == taken


async def test_a_mistyped_or_unchanged_address_is_shown_at_its_field(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    email = unique_email("ivan")
    ivan = await _registered(intake_client, pool, newcomer_payload(email=email))
    for typed in ("ivan.example.org", email.upper(), "x@straße.de"):
        answered = await _ask(intake_client, _manage(ivan), typed)
        page = await answered.text()
        assert answered.status == 422, typed
        assert 'id="new_email-error"' in page and f'value="{typed}"' in page, typed
    assert await pool.fetchval("SELECT count(*) FROM email_changes") == 0
    assert await pool.fetch(REQUESTED) == []


@pytest.fixture
async def limited_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    client = TestClient(TestServer(init_app(dataclasses.replace(settings, intake_rate_limit_per_minute=1))))
    await client.start_server()
    yield client
    await client.close()


async def test_requests_are_limited_like_registrations(limited_client: IntakeClient, pool: asyncpg.Pool) -> None:
    created = await limited_client.post("/api/v1/mentors", json=mentor_payload())
    assert created.status == 201  # the one registration this minute: the budget is shared
    mentor = uuid.UUID((await created.json())["id"])
    answered = await _ask(limited_client, _manage(mentor), unique_email("m"))
    assert answered.status == 429 and "Retry-After" in answered.headers
    assert 'id="new_email-error"' in await answered.text()
    assert await pool.fetchval("SELECT count(*) FROM email_changes") == 0


async def test_erasure_and_retention_remove_a_requested_address(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    kept = await _registered(intake_client, pool, newcomer_payload())
    erased = await _registered(intake_client, pool, newcomer_payload())
    for person in (kept, erased):
        assert (await _ask(intake_client, _manage(person), unique_email("pending"))).status == 303
    link = _confirm_link(erased, await _open_change(pool, erased))
    gone = await intake_client.post(f"{_manage(erased)}/erase", data={"confirm": "yes"})
    assert gone.status == 200
    assert await pool.fetchval("SELECT count(*) FROM email_changes WHERE participant_id = $1", erased) == 0
    assert (await intake_client.get(link)).status == 410

    # A request outlives its link by no more than retention's next pass.
    await pool.execute("UPDATE email_changes SET requested_at = now() - interval '8 days'")
    async with pool.acquire() as conn:
        done = await retention.apply(conn, retention.Periods(30, 180, 90))
    assert done["email_changes_forgotten"] == 1
    assert await pool.fetchval("SELECT count(*) FROM email_changes") == 0
