"""Review 9a, F14: whoever registers an address first must not decide the data its owner confirms.

A registration repeated while the first is unconfirmed is kept as a version of its own; the
verification email sent for it carries the version in its link, and that link confirms the
version's data. Links without a version (the first registration's, and every email sent before)
verify what is stored, as before; once verified, no link changes anything.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg

from lotse.intake import privacy, retention
from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, provider_payload, unique_email
from tests.integration.notifier_fixtures import (
    FastRetries,
    deliver_all,
    notify,
    sink,
    smtp_settings,
    to,
    verify_path,
)

__all__ = ["sink", "smtp_settings"]  # fixtures used by name

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)
ATTACKER = {"name": "Attacker Chosen", "country_of_origin": "CN", "preferred_locale": "en",
            "household": {"partner": False, "partner_seeks_work": False, "children_ages": [1, 2, 3, 4, 5]},
            "about": "I do not need help"}
OWNER = {"name": "Nguyễn Thị Lan", "country_of_origin": "VN", "preferred_locale": "vi"}


async def _register(intake_client: IntakeClient, payload: dict[str, Any], segment: str = "newcomers") -> str:
    created = await intake_client.post(f"/api/v1/{segment}", json=payload)
    assert created.status == 201, await created.text()
    body = await created.json()
    assert body["status"] == "pending_verification"
    return str(body["id"])


async def _registered_twice(intake_client: IntakeClient, first: dict[str, Any], then: dict[str, Any]
                            ) -> tuple[str, str]:
    """A new address registered as a newcomer's with ``first``'s details, then, unconfirmed, with
    ``then``'s: the participant's id (the same both times, the contract's answer) and the address."""
    victim = unique_email("squat")
    participant = await _register(intake_client, newcomer_payload(email=victim, **first))
    assert await _register(intake_client, newcomer_payload(email=victim, **then)) == participant  # nothing told
    return participant, victim


async def _stored(pool: asyncpg.Pool, participant_id: str) -> asyncpg.Record:
    return await pool.fetchrow("SELECT status, name, preferred_locale, profile, about FROM participants WHERE id = $1",
                               uuid.UUID(participant_id))


async def _versions(pool: asyncpg.Pool, participant_id: str) -> list[uuid.UUID]:
    return [r["id"] for r in await pool.fetch(
        "SELECT id FROM registration_versions WHERE participant_id = $1 ORDER BY created_at",
        uuid.UUID(participant_id))]


async def test_the_owner_confirms_their_own_data_and_the_first_registrants_link_changes_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any,
) -> None:
    first, victim = await _registered_twice(intake_client, ATTACKER, OWNER)
    assert (await _stored(pool, first))["name"] == "Attacker Chosen"  # not overwritten either
    await notify(pool)
    await deliver_all(delivery)

    # Two emails to the address: the first registration's, and the owner's, greeting the owner in
    # the owner's language, with a link naming the owner's version.
    mails = {m.headers["Content-Language"]: m for m in to(sink, victim)}
    assert set(mails) == {"en", "vi"}
    assert "Attacker Chosen" in mails["en"].text and "Nguyễn Thị Lan" in mails["vi"].text
    assert "Attacker Chosen" not in mails["vi"].text
    owners_link, attackers_link = verify_path(mails["vi"]), verify_path(mails["en"])
    [version] = await _versions(pool, first)
    assert SIGNER.load(tokens.VERIFY, owners_link.removeprefix("/verify/")) == {"pid": first, "vid": str(version)}
    assert SIGNER.load(tokens.VERIFY, attackers_link.removeprefix("/verify/")) == {"pid": first}  # as before

    assert (await intake_client.get(owners_link)).status == 200
    stored = await _stored(pool, first)
    assert stored["status"] == "verified" and stored["name"] == "Nguyễn Thị Lan"
    assert stored["preferred_locale"] == "vi" and stored["profile"]["country_of_origin"] == "VN"
    assert stored["profile"]["household"]["children_ages"] == [4]
    assert stored["about"] == "Nurse moving to Gera with my daughter."
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", uuid.UUID(first)) != ""
    assert await _versions(pool, first) == []  # the others' data is gone with the verification

    # The other link afterwards: verified already, harmless, and it overwrites nothing.
    assert (await intake_client.get(attackers_link)).status == 200
    assert (await intake_client.get(owners_link)).status == 200
    assert await _stored(pool, first) == stored

    # Registering again once verified: "already registered", no version (as before).
    await pool.execute("DELETE FROM outbox")
    assert await _register(intake_client, newcomer_payload(email=victim, **ATTACKER)) == first
    assert await _versions(pool, first) == []
    requested = await pool.fetch("SELECT payload FROM outbox WHERE type = 'notification.requested'")
    assert [r["payload"]["notification"] for r in requested] == ["already_registered"]
    assert "version_id" not in requested[0]["payload"]


async def test_two_versions_clicked_in_turn_keep_the_first_clicked(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    first, victim = await _registered_twice(intake_client, ATTACKER, OWNER)
    await _register(intake_client, newcomer_payload(email=victim, **{**ATTACKER, "name": "Attacker Again"}))
    await _register(intake_client, newcomer_payload(email=victim, **OWNER))  # the same again: the same version
    attackers, owners = await _versions(pool, first)  # the owner's, sent again, is the newest now (review 9c F3)
    payloads = [r["payload"] for r in await pool.fetch(
        "SELECT payload FROM outbox WHERE type = 'notification.requested' ORDER BY seq")]
    assert [p["version_id"] for p in payloads] == [str(owners), str(attackers), str(owners)]
    assert {p["notification"] for p in payloads} == {"verification"}

    def link(version: uuid.UUID) -> str:
        return SIGNER.sign(tokens.VERIFY, pid=first, vid=str(version))

    # Through the API this time (POST /api/v1/verify), the contract's answer unchanged.
    verified = await intake_client.post("/api/v1/verify", json={"token": link(owners)})
    assert verified.status == 200 and await verified.json() == {"id": first, "status": "verified"}
    again = await intake_client.post("/api/v1/verify", json={"token": link(attackers)})
    assert again.status == 200 and await again.json() == {"id": first, "status": "verified"}
    assert (await _stored(pool, first))["name"] == "Nguyễn Thị Lan"


async def test_a_link_without_a_version_verifies_what_is_stored_as_before(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    first, _ = await _registered_twice(intake_client, OWNER, ATTACKER)
    old_format = SIGNER.sign(tokens.VERIFY, pid=first)  # every email sent before versions existed
    assert (await intake_client.get(f"/verify/{old_format}")).status == 200
    stored = await _stored(pool, first)
    assert stored["status"] == "verified" and stored["name"] == "Nguyễn Thị Lan"
    assert await _versions(pool, first) == []


async def test_a_version_replaces_courses_and_consents_too(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    email = unique_email("schule")
    starts = (date.today() + timedelta(days=40)).isoformat()
    first = await _register(intake_client, provider_payload(email=email), "language-providers")
    await _register(intake_client, provider_payload(
        email=email, consent={"data_processing": True, "share_contact": True},
        courses=[{"title": "Deutsch A1 abends", "level": "A1", "schedule": "evening", "format": "online",
                  "district": "16053", "seats": 8, "starts_on": starts, "childcare": True}]), "language-providers")
    [version] = await _versions(pool, first)
    assert (await intake_client.get(f"/verify/{SIGNER.sign(tokens.VERIFY, pid=first, vid=str(version))}")).status == 200
    courses = await pool.fetch("SELECT title, starts_on, childcare FROM courses WHERE provider_id = $1",
                               uuid.UUID(first))
    assert [(c["title"], c["starts_on"].isoformat(), c["childcare"]) for c in courses] == [
        ("Deutsch A1 abends", starts, True)]
    consents = await pool.fetch("SELECT purpose, given FROM consents WHERE participant_id = $1", uuid.UUID(first))
    assert sorted((c["purpose"], c["given"]) for c in consents) == [("data_processing", True), ("share_contact", True)]


async def test_another_kind_is_its_own_registration_not_a_version(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    email = unique_email("both")
    newcomer = await _register(intake_client, newcomer_payload(email=email))
    mentor = await _register(intake_client, mentor_payload(email=email), "mentors")
    assert mentor != newcomer
    assert await pool.fetchval("SELECT count(*) FROM registration_versions") == 0
    assert (await _stored(pool, mentor))["name"] == "Thomas Berger"


async def test_erasure_and_export_and_expiry_take_the_versions(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    first, _ = await _registered_twice(intake_client, ATTACKER, OWNER)
    [version] = await _versions(pool, first)
    async with pool.acquire() as conn:
        exported = await privacy.export(conn, uuid.UUID(first))
    [listed] = exported["registration_versions"]
    assert listed["id"] == str(version) and listed["registration"]["name"] == "Nguyễn Thị Lan"

    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, uuid.UUID(first))
    assert await _versions(pool, first) == []
    # The owner's link then finds nothing to verify.
    gone = await intake_client.get(f"/verify/{SIGNER.sign(tokens.VERIFY, pid=first, vid=str(version))}")
    assert gone.status == 410


async def test_a_pending_registration_lives_as_long_as_its_newest_versions_link(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    first, _ = await _registered_twice(intake_client, ATTACKER, OWNER)
    await pool.execute("UPDATE participants SET created_at = now() - interval '31 days'")
    async with pool.acquire() as conn:
        assert await retention.delete_unverified(conn, 30) == 0  # the owner's email of today still works
    assert len(await _versions(pool, first)) == 1
    await pool.execute("UPDATE registration_versions SET created_at = now() - interval '31 days'")
    async with pool.acquire() as conn:
        assert await retention.delete_unverified(conn, 30) == 1
    assert await pool.fetchval("SELECT count(*) FROM registration_versions") == 0


async def test_a_link_whose_version_is_gone_confirms_nothing_else(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    first, _ = await _registered_twice(intake_client, ATTACKER, OWNER)
    [version] = await _versions(pool, first)
    await pool.execute("DELETE FROM registration_versions")  # as if gone between the email and the click
    answer = await intake_client.post("/api/v1/verify",
                                      json={"token": SIGNER.sign(tokens.VERIFY, pid=first, vid=str(version))})
    assert answer.status == 404
    assert (await _stored(pool, first))["status"] == "pending_verification"  # the stored data stays unconfirmed
