"""Addresses at internationalised domains, end to end: intake stores one spelling per mailbox
(the second spelling is answered as a repeated registration), refuses a domain the notifier
could not send to, the migration canonicalises stored rows without failing on collisions, and
an umlaut LOTSE_MAIL_FROM reaches a server without SMTPUTF8 in xn-- form."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lotse.intake.accounts import create_coordinator, hash_password
from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.shared.config import Settings, load_settings
from lotse.shared.mailsink import MailSink
from lotse.shared.migrate import available_migrations
from tests.conftest import IntakeClient, service_env
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.notifier_fixtures import FastRetries, add_participant, deliver_all

SPELLINGS = ("jana.{}@bücher.de", "jana.{}@xn--bcher-kva.de", "jana.{}@BÜCHER.de", "jana.{}@bu\u0308cher.de")


async def test_every_spelling_of_an_idn_domain_gets_the_answer_of_a_repeated_registration(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:8]
    first = newcomer_payload(email=SPELLINGS[0].format(tag))
    created = await intake_client.post("/api/v1/newcomers", json=first)
    assert created.status == 201, await created.text()
    answer = await created.json()
    for spelling in SPELLINGS[1:] + SPELLINGS[:1]:  # the first spelling again is the repeat itself
        again = await intake_client.post("/api/v1/newcomers", json={**first, "email": spelling.format(tag),
                                                                     "name": "Someone Else"})
        assert (again.status, await again.json()) == (201, answer), spelling
    stored = await pool.fetch("SELECT id, name, email FROM participants")
    assert [(str(r["id"]), r["name"], r["email"]) for r in stored] == [
        (answer["id"], first["name"], f"jana.{tag}@bücher.de")]
    types = [r["type"] for r in await pool.fetch("SELECT type FROM outbox ORDER BY seq")]
    assert types == ["participant.registered"] + ["notification.requested"] * len(SPELLINGS)


@pytest.mark.parametrize("email", ["jana@straße.de", "jana@" + "ü" * 60 + ".de", "jana@xn--zz.de"])
async def test_a_domain_the_notifier_cannot_send_to_is_refused_at_intake(
    intake_client: IntakeClient, pool: asyncpg.Pool, email: str
) -> None:
    response = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=email),
                                        headers={"Accept-Language": "en"})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed" and error["fields"] == {"email": "Must be a valid e-mail address."}
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0


async def _participant(pool: asyncpg.Pool, email: str, days_ago: int) -> uuid.UUID:
    participant_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO participants (id, kind, name, email, preferred_locale, district, created_at)
           VALUES ($1, 'newcomer', 'Jana Müller', $2, 'de', '16052', now() - make_interval(days => $3))""",
        participant_id, email, days_ago,
    )
    return participant_id


async def test_the_migration_canonicalises_stored_addresses_and_keeps_colliding_ones(
    intake_client: IntakeClient, pool: asyncpg.Pool, migrated: str
) -> None:
    """Rows stored under intake's earlier rules; two spellings of one mailbox must not fail it."""
    rows = {
        "solo": await _participant(pool, "solo@xn--bcher-kva.de", 5),
        "shop": await _participant(pool, "Shop@Shop.XN--BCHER-KVA.de", 5),
        "ascii 2008": await _participant(pool, "x@xn--strae-oqa.de", 5),
        "no label": await _participant(pool, "x@xn--zz.de", 5),
        "plain": await _participant(pool, "lan@example.org", 5),
        # one mailbox twice: the row already canonical keeps it, the other keeps its spelling
        "canonical": await _participant(pool, "twice@bücher.de", 1),
        "ace twin": await _participant(pool, "twice@xn--bcher-kva.de", 9),
        # one mailbox twice, neither canonical: the older one takes the canonical form
        "older": await _participant(pool, "dup@xn--bcher-kva.de", 9),
        "newer": await _participant(pool, "dup@bu\u0308cher.de", 1),
    }
    [sql] = [text for version, text in available_migrations() if version == "0015_canonical_emails"]
    conn = await asyncpg.connect(migrated)
    try:
        notices: list[str] = []
        conn.add_log_listener(lambda _conn, message: notices.append(str(message.message)))
        async with conn.transaction():
            await conn.execute(sql)
    finally:
        await conn.close()
    stored = {name: await pool.fetchval("SELECT email FROM participants WHERE id = $1", participant_id)
              for name, participant_id in rows.items()}
    assert stored == {
        "solo": "solo@bücher.de", "shop": "Shop@shop.bücher.de", "ascii 2008": "x@xn--strae-oqa.de",
        "no label": "x@xn--zz.de", "plain": "lan@example.org", "canonical": "twice@bücher.de",
        "ace twin": "twice@xn--bcher-kva.de", "older": "dup@bücher.de", "newer": "dup@bu\u0308cher.de",
    }
    assert any(notice.startswith("2 participant address(es) kept as stored") for notice in notices), notices
    # A new registration in any spelling now meets the migrated row: answered as a repeat.
    response = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email="solo@BÜCHER.de"))
    assert (response.status, (await response.json())["id"]) == (201, str(rows["solo"]))


async def test_the_migration_keeps_a_row_that_meets_a_plain_ascii_one_only_by_nfkc(
    pool: asyncpg.Pool, migrated: str
) -> None:
    """Plain ASCII rows with a lower-case domain are not ranked (they cannot change): one that a
    changed row would meet (fullwidth letters, NFKC) keeps it, and the other its own spelling."""
    plain = await _participant(pool, "fw@example.org", 1)
    fullwidth = await _participant(pool, "fw@\uff45xample.org", 9)
    [sql] = [text for version, text in available_migrations() if version == "0015_canonical_emails"]
    conn = await asyncpg.connect(migrated)
    try:
        notices: list[str] = []
        conn.add_log_listener(lambda _conn, message: notices.append(str(message.message)))
        await conn.execute(sql)
    finally:
        await conn.close()
    assert await pool.fetchval("SELECT email FROM participants WHERE id = $1", plain) == "fw@example.org"
    assert await pool.fetchval("SELECT email FROM participants WHERE id = $1", fullwidth) == "fw@\uff45xample.org"
    assert any(notice.startswith("1 participant address(es) kept as stored") for notice in notices), notices


@pytest.fixture
async def umlaut_sender(
    pool: asyncpg.Pool, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[FastRetries, MailSink, list[str]]]:
    """The delivery loop with LOTSE_MAIL_FROM at an umlaut domain, read as at start-up, and a sink
    that, like some providers', offers no SMTPUTF8; the list collects each MAIL FROM it got."""
    plain = MailSink(tmp_path / "mail", smtputf8=False)
    senders: list[str] = []
    stored = plain.handler.handle_DATA

    async def record(server: Any, session: Any, envelope: Any) -> str:
        senders.append(envelope.mail_from)
        return await stored(server, session, envelope)

    plain.handler.handle_DATA = record  # type: ignore[method-assign]  # the sink's own, recording MAIL FROM
    plain.start()
    configured = load_settings(service_env(LOTSE_MAIL_FROM="Lotse Thüringen <lotse@willkommen-thüringen.de>"))
    loop_settings = dataclasses.replace(settings, smtp_port=plain.smtp_port, smtp_timeout_s=5.0,
                                        mail_from=configured.mail_from)
    loop = FastRetries(pool, loop_settings, Composer(loop_settings))
    yield loop, plain, senders
    await loop.close()
    plain.stop()


async def test_an_umlaut_mail_from_reaches_a_server_without_smtputf8_in_idna_form(
    pool: asyncpg.Pool, umlaut_sender: tuple[FastRetries, MailSink, list[str]]
) -> None:
    delivery, sink, senders = umlaut_sender
    person = await add_participant(pool, "newcomer", name="Jana Müller", locale="de")
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type="registration_confirmed", event_id=uuid.uuid4(),
                                       participant_id=person.id)
    assert await deliver_all(delivery) == 1
    status = await pool.fetchval("SELECT status || ' ' || coalesce(last_error, '') FROM notifications")
    assert status == "sent ", status
    [mail] = sink.messages()
    assert senders == ["lotse@xn--willkommen-thringen-ibc.de"]
    assert mail.headers["From"] == "Lotse Thüringen <lotse@xn--willkommen-thringen-ibc.de>"
    # The raw line: the parser quietly drops a stray ">" after the domain, a mail server may not.
    [raw_id] = [line for line in mail.path.read_bytes().splitlines() if line.startswith(b"Message-ID:")]
    assert re.fullmatch(rb"Message-ID: <[0-9a-f-]{36}@xn--willkommen-thringen-ibc\.de>", raw_id), raw_id


async def test_a_coordinator_at_an_idn_domain_logs_in_with_any_spelling_of_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    tag = uuid.uuid4().hex[:8]
    async with pool.acquire() as conn:
        await create_coordinator(conn, f"Team.{tag}@Thüringen.de", "long enough password", role="coordinator")
        # One stored by an earlier release under the xn-- spelling is found by that spelling still.
        await conn.execute("INSERT INTO coordinators (id, email, password_hash, role) VALUES ($1, $2, $3, $4)",
                           uuid.uuid4(), f"old.{tag}@xn--thringen-75a.de",
                           hash_password("long enough password"), "coordinator")
    assert await pool.fetchval("SELECT email FROM coordinators WHERE email LIKE $1", f"Team.{tag}@%") \
        == f"Team.{tag}@thüringen.de"
    for email in (f"team.{tag}@thüringen.de", f"team.{tag}@xn--thringen-75a.de",
                  f"team.{tag}@THU\u0308RINGEN.de", f"old.{tag}@xn--thringen-75a.de"):
        response = await intake_client.post("/api/v1/auth/login",
                                            json={"email": email, "password": "long enough password"})
        assert response.status == 200, email
