"""'Get a new link to your registration': for a person whose manage link expired or was lost."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import itsdangerous
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.app import init_app
from lotse.intake.typedefs import after_response_key
from lotse.intake.web import new_link
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events, tokens
from lotse.shared.config import Settings
from lotse.shared.logs import JsonLineFormatter
from tests.conftest import TEST_SECRET_KEY, IntakeClient, eventually
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, sink, smtp_settings, to

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

REQUESTED = "SELECT payload FROM outbox WHERE type = 'notification.requested' ORDER BY seq"


async def _registered(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object],
                      status: str = "verified") -> uuid.UUID:
    created = await intake_client.post(path, json=body)
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = $2 WHERE id = $1", participant_id, status)
    await pool.execute("DELETE FROM outbox")
    return participant_id


async def test_a_known_address_gets_its_link_and_an_unknown_one_the_same_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"
    newcomer = await _registered(intake_client, pool, "/api/v1/newcomers",
                                 newcomer_payload(email=email, preferred_locale="vi"))
    mentor = await _registered(intake_client, pool, "/api/v1/mentors", mentor_payload(email=email),
                               status="pending_verification")

    form = await intake_client.get("/new-link?lang=vi")
    assert form.status == 200 and 'name="email"' in await form.text()
    known = await intake_client.post("/new-link?lang=vi", data={"email": f"  {email.upper()} "},
                                     allow_redirects=False)
    assert known.status == 303 and known.headers["Location"] == "/new-link/sent?lang=vi"
    # One email per registration: a fresh manage link or, while unconfirmed, the verification
    # again. The notifier writes each in the stored language. Written after the answer (F10 below).
    async def requested() -> set[tuple[str, str]]:
        return {(r["payload"]["participant_id"], r["payload"]["notification"]) for r in await pool.fetch(REQUESTED)}

    assert await eventually(requested) == {(str(newcomer), "manage_link"), (str(mentor), "verification")}

    await pool.execute("DELETE FROM outbox")
    unknown = await intake_client.post("/new-link?lang=vi", data={"email": "nobody@example.org"},
                                       allow_redirects=False)
    assert (unknown.status, unknown.headers["Location"]) == (known.status, known.headers["Location"])
    await intake_client.app[after_response_key].finish()  # its lookup has run, and written nothing
    assert await pool.fetch(REQUESTED) == []
    page = await intake_client.get(unknown.headers["Location"])
    assert page.status == 200 and "thư mục thư rác" in await page.text()


async def test_a_mistyped_address_is_shown_again_with_the_field_named(intake_client: IntakeClient) -> None:
    answered = await intake_client.post("/new-link?lang=de", data={"email": "lan.example.org"})
    page = await answered.text()
    assert answered.status == 422
    assert 'id="email-error"' in page and 'value="lan.example.org"' in page and 'aria-invalid="true"' in page


async def test_an_expired_manage_link_leads_to_the_new_link_page(
    intake_client: IntakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_at = int(time.time() - tokens.MAX_AGE[tokens.MANAGE].total_seconds() - 3600)
    with monkeypatch.context() as patch:  # a link signed 90 days and an hour ago
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: signed_at)
        token = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(uuid.uuid4()))
    page = await intake_client.get(f"/manage/{token}", headers={"Accept-Language": "vi"})
    assert page.status == 400 and 'href="/new-link' in await page.text()
    assert 'href="/new-link' in await (await intake_client.get("/")).text()


def _signed_long_ago(monkeypatch: pytest.MonkeyPatch, purpose: str, **claims: str) -> str:
    signed_at = int(time.time() - tokens.MAX_AGE[purpose].total_seconds() - 3600)
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: signed_at)
        return tokens.TokenSigner(TEST_SECRET_KEY).sign(purpose, **claims)


async def test_an_expired_link_speaks_its_persons_language_and_a_tampered_one_the_browsers(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    olena = str(await _registered(intake_client, pool, "/api/v1/newcomers", newcomer_payload(preferred_locale="uk")))
    expired = {
        "/manage/": _signed_long_ago(monkeypatch, tokens.MANAGE, pid=olena),
        "/verify/": _signed_long_ago(monkeypatch, tokens.VERIFY, pid=olena),
        "/respond/": _signed_long_ago(monkeypatch, tokens.RESPOND, mid=str(uuid.uuid4()), pid=olena),
        "/checkin/": _signed_long_ago(monkeypatch, tokens.CHECKIN, mid=str(uuid.uuid4()), pid=olena),
    }
    for prefix, token in expired.items():
        answered = await intake_client.get(prefix + token, headers={"Accept-Language": "de"})
        page = await answered.text()
        assert answered.status == 400, prefix
        assert '<html lang="uk"' in page and 'href="/new-link?lang=uk"' in page, prefix  # not the browser's de
        # Tampered: it names nobody, so the browser's language, and no language is forced on /new-link.
        answered = await intake_client.get(prefix + token[:-3] + "abc", headers={"Accept-Language": "de"})
        page = await answered.text()
        assert answered.status == 400 and '<html lang="de"' in page and 'href="/new-link"' in page, prefix
    # An explicit choice on the page still wins over the stored language.
    page = await (await intake_client.get(f"/manage/{expired['/manage/']}?lang=vi")).text()
    assert '<html lang="vi"' in page and 'href="/new-link?lang=vi"' in page


@pytest.fixture
async def contact_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    app = init_app(dataclasses.replace(settings, centre_contact="welcome@thueringen.example · 0361 123456",
                                       intake_rate_limit_per_minute=1))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def test_error_pages_name_the_centre_and_requests_are_limited_like_registrations(
    contact_client: IntakeClient,
) -> None:
    invalid = await contact_client.get("/manage/not-a-token", headers={"Accept-Language": "de"})
    assert "welcome@thueringen.example · 0361 123456" in await invalid.text()
    first = await contact_client.post("/new-link", data={"email": "a@example.org"}, allow_redirects=False)
    second = await contact_client.post("/new-link", data={"email": "b@example.org"}, allow_redirects=False)
    assert first.status == 303 and second.status == 429 and "Retry-After" in second.headers
    assert 'value="b@example.org"' in await second.text()


async def test_a_confirmed_person_is_mailed_a_new_manage_link_not_the_confirmation(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"
    await _registered(intake_client, pool, "/api/v1/newcomers", newcomer_payload(email=email, preferred_locale="vi"))
    sent = await intake_client.post("/new-link?lang=vi", data={"email": email}, allow_redirects=False)
    assert sent.status == 303
    [payload] = [r["payload"] for r in await eventually(lambda: pool.fetch(REQUESTED))]
    notifier = NotifierConsumer(pool, None, lambda: None)
    async with pool.acquire() as conn, conn.transaction():
        await notifier.handle(conn, events.new_event(events.NOTIFICATION_REQUESTED, **payload))
    await deliver_all(delivery)
    [mail] = to(sink, email)
    assert mail.headers["Subject"] == "Lotse: Đường dẫn mới đến đăng ký của bạn"
    assert "đường dẫn mới đến đăng ký của bạn" in mail.text and "/manage/" in mail.text
    assert "bỏ qua email này" in mail.text
    # Someone matched months ago is not told "your address is confirmed, we are looking for matches".
    assert "Đăng ký của bạn đã được xác nhận" not in mail.headers["Subject"]


def _gated(monkeypatch: pytest.MonkeyPatch, gate: asyncio.Event, steps: list[str]) -> asyncio.Event:
    """/new-link's lookup and writes wait for ``gate`` (at most 15 s, so that a handler which awaits
    them cannot hang the test); ``steps`` records when they ran. Returns "the job is waiting"."""
    waiting = asyncio.Event()
    send = new_link.send_new_links

    async def gated(pool: asyncpg.Pool, email: str) -> int:
        waiting.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(gate.wait(), timeout=15)
        steps.append("lookup")
        sent = await send(pool, email)
        steps.append("written")
        return sent

    monkeypatch.setattr(new_link, "send_new_links", gated)
    return waiting


async def test_the_answer_comes_before_the_lookup_so_it_takes_as_long_for_any_address(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 9a F10: a registered address cost an outbox write inside the request, measurably
    slower than an unknown one. Now the 303 is sent while the lookup has not even started."""
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"
    newcomer = await _registered(intake_client, pool, "/api/v1/newcomers", newcomer_payload(email=email))
    gate, steps = asyncio.Event(), list[str]()
    waiting = _gated(monkeypatch, gate, steps)

    answered = await intake_client.post("/new-link", data={"email": email}, allow_redirects=False)
    steps.append("answered")
    assert answered.status == 303 and answered.headers["Location"] == "/new-link/sent"
    assert waiting.is_set() and await pool.fetch(REQUESTED) == []  # the job waits, nothing written yet
    gate.set()
    [payload] = [r["payload"] for r in await eventually(lambda: pool.fetch(REQUESTED))]
    assert (payload["participant_id"], payload["notification"]) == (str(newcomer), "manage_link")
    assert steps == ["answered", "lookup", "written"]


async def test_a_failing_lookup_is_logged_without_the_address_and_the_answer_is_the_same(
    intake_client: IntakeClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody awaits the job: its failure (here the database going away) is a log line, which names
    the job but not the address, even when the error's text quotes it."""
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"

    async def database_away(_pool: asyncpg.Pool, address: str) -> int:
        raise asyncpg.exceptions.ConnectionDoesNotExistError(f"connection lost while looking up {address}")

    monkeypatch.setattr(new_link, "send_new_links", database_away)
    answered = await intake_client.post("/new-link?lang=vi", data={"email": email}, allow_redirects=False)
    assert (answered.status, answered.headers["Location"]) == (303, "/new-link/sent?lang=vi")
    await intake_client.app[after_response_key].finish()
    [failed] = [r for r in caplog.records if r.name == "lotse.intake.after_response"]
    assert failed.levelno == logging.ERROR and failed.__dict__["job"] == "new-links"
    line = JsonLineFormatter("intake").format(failed)
    assert "ConnectionDoesNotExistError" in line and email not in line and "[email]" in line


async def test_stopping_the_service_waits_for_a_pending_lookup(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The email asked for just before a restart is still requested: the app closes its database
    pool only after the pending job has written (within after_response.FINISH_WITHIN_S)."""
    caplog.set_level(logging.INFO, logger="lotse.intake.after_response")
    client = TestClient(TestServer(init_app(settings)))
    await client.start_server()
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"
    newcomer = await _registered(client, pool, "/api/v1/newcomers", newcomer_payload(email=email))
    gate, steps = asyncio.Event(), list[str]()
    waiting = _gated(monkeypatch, gate, steps)
    answered = await client.post("/new-link", data={"email": email}, allow_redirects=False)
    assert answered.status == 303 and waiting.is_set()

    stopping = asyncio.create_task(client.close())

    async def shutdown_waits() -> bool:
        return any(r.getMessage() == "waiting for work after answers" for r in caplog.records)

    await eventually(shutdown_waits)
    assert not stopping.done() and steps == []
    gate.set()
    await stopping
    assert steps == ["lookup", "written"]
    [payload] = [r["payload"] for r in await pool.fetch(REQUESTED)]
    assert payload["participant_id"] == str(newcomer)
