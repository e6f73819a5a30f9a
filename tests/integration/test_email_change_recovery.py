"""Review 6, findings 2, 3 and 8: after a change of address.

The old address hears when the change is made (its notice's "cancel" link stops working then), and
a link to the old address says whom to ask if the change was not the person's. Confirming the new
address of a registration not yet verified verifies it, and the verification link sent to the old
address no longer does. A refused address still leaves the person a way to their page.
"""

from __future__ import annotations

import dataclasses
import re
import time
import uuid
from typing import Any

import asyncpg
import itsdangerous
import pytest

from lotse.notifier.compose import Composer
from lotse.notifier.email_change import masked
from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, notify, sink, smtp_settings, to
from tests.integration.test_email_change import (
    SIGNER,
    _ask,
    _changed,
    _confirm,
    _confirm_link,
    _manage,
    _open_change,
    _registered,
)
from tests.mail_text import unwrapped

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

CONTACT = "welcome@thueringen.example · 0361 123456"
# The outdated-link page's sentence for someone who did not ask for the change, in German.
NOT_YOU = "Wenn Sie Ihre E-Mail-Adresse nicht selbst geändert haben, wenden Sie sich bitte an das Welcome Center."


def _signed_a_minute_ago(monkeypatch: pytest.MonkeyPatch, purpose: str, participant_id: uuid.UUID) -> str:
    """A link of an email sent before the change (tokens tell time in whole seconds)."""
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 60)
        return SIGNER.sign(purpose, pid=str(participant_id))


def test_the_new_address_is_shown_in_part() -> None:
    assert masked("nadia.haddad@example.org") == "n…@e….org"
    assert masked("x@localhost") == "x…@l…"


async def test_the_old_address_is_told_when_the_change_is_made(
    intake_client: IntakeClient, pool: asyncpg.Pool, smtp_settings: Any, sink: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = unique_email("lan"), unique_email("nadia")
    lan = await _registered(intake_client, pool, newcomer_payload(email=old, preferred_locale="de"))
    manage = _manage(lan, monkeypatch)
    link = await _changed(intake_client, pool, lan, manage, new)
    assert (await intake_client.get(link)).status == 200  # opening it again tells nobody again
    assert (await intake_client.post(link)).status == 200  # nor does a second press of the button
    requested = await pool.fetch(
        "SELECT payload FROM outbox WHERE type = 'notification.requested' AND payload->>'notification' = "
        "'email_changed'")
    change_id = str(await pool.fetchval("SELECT id FROM email_changes WHERE participant_id = $1", lan))
    assert [dict(r["payload"]) for r in requested] == [
        {"notification": "email_changed", "participant_id": str(lan), "email_change_id": change_id}]

    settings = dataclasses.replace(smtp_settings, centre_contact=CONTACT)
    delivery = FastRetries(pool, settings, Composer(settings))
    try:
        await notify(pool)
        await deliver_all(delivery)
    finally:
        await delivery.close()
    [changed] = [m for m in to(sink, old) if m.headers["Subject"] == "Ihre E-Mail-Adresse wurde geändert"]
    assert changed.headers["Content-Language"] == "de"
    assert ("wurde in n…@e….org geändert" in unwrapped(changed.text)
            and new not in unwrapped(changed.text) + (changed.html or ""))
    assert f"Welcome Center: {CONTACT}" in unwrapped(changed.text)
    # The old mailbox must not open the page again: no manage link, nor any other.
    assert "/manage/" not in changed.text + (changed.html or "") and "https://" not in changed.text
    assert [m.headers["Subject"] for m in to(sink, new)] == ["Lotse: Ein neuer Link zu Ihrer Anmeldung"]  # its own link

    # Whoever opens an old link is told whom to ask if the change was not theirs.
    refused = await intake_client.get(manage)
    assert refused.status == 400 and NOT_YOU in await refused.text()


async def test_two_changes_made_before_the_emails_go_out_each_name_their_own(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The notices read the newest change at send time: both went to the second change's old
    address (the first's new one), naming the second's new one; the first old address heard nothing."""
    first, second, third = unique_email("anh"), unique_email("bao"), unique_email("chi")
    lan = await _registered(intake_client, pool, newcomer_payload(email=first, preferred_locale="en"))
    await _changed(intake_client, pool, lan, _manage(lan, monkeypatch), second)
    # A link signed now is the one handed out with the change (tokens tell time in whole seconds).
    await _changed(intake_client, pool, lan, _manage(lan), third)
    await notify(pool)
    await deliver_all(delivery)

    def told(address: str) -> dict[str, str]:
        return {m.headers["Subject"]: unwrapped(m.text) for m in to(sink, address)}

    # Each old address hears of the change away from it, and of no other; the notices that a
    # change was asked for come after both were made, so neither carries a link to cancel it.
    assert set(told(first)) == set(told(second)) == {
        "A change of your e-mail address was requested", "Your e-mail address was changed"}
    assert "changed to b…@e….org" in told(first)["Your e-mail address was changed"]
    assert "changed to c…@e….org" in told(second)["Your e-mail address was changed"]
    assert all("/manage/" not in text for text in [*told(first).values(), *told(second).values()])


async def test_a_notice_from_an_event_that_names_no_change_reads_the_newest_as_before(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = unique_email("anh"), unique_email("bao")
    lan = await _registered(intake_client, pool, newcomer_payload(email=old, preferred_locale="en"))
    await _changed(intake_client, pool, lan, _manage(lan, monkeypatch), new)
    await pool.execute("UPDATE outbox SET payload = payload - 'email_change_id'")  # as intake wrote them before
    await notify(pool)
    await deliver_all(delivery)
    changed = {m.headers["Subject"]: unwrapped(m.text) for m in to(sink, old)}
    assert "changed to b…@e….org" in changed["Your e-mail address was changed"]
    assert "A change of your e-mail address was requested" in changed


async def test_confirming_the_new_address_verifies_a_pending_registration(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    payload = newcomer_payload(email=unique_email("vera"), preferred_locale="de")
    created = await intake_client.post("/api/v1/newcomers", json=payload)
    vera = uuid.UUID((await created.json())["id"])
    old_verify = _signed_a_minute_ago(monkeypatch, tokens.VERIFY, vera)  # in the email to the typo
    await pool.execute("DELETE FROM outbox")
    await _changed(intake_client, pool, vera, _manage(vera, monkeypatch), unique_email("vera2"))

    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", vera) == "verified"
    verified = await pool.fetch("SELECT payload FROM outbox WHERE type = 'participant.verified'")
    assert [dict(r["payload"]) for r in verified] == [{"participant_id": str(vera), "kind": "newcomer"}]

    # The verification link of the email to the old address is refused like its other links.
    refused = await intake_client.get(f"/verify/{old_verify}")
    assert refused.status == 400 and NOT_YOU in await refused.text()
    api = await intake_client.post("/api/v1/verify", json={"token": old_verify})
    assert api.status == 422
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.verified'") == 1
    # One signed after the change (say, asked for at /new-link) works as before.
    assert (await intake_client.get(f"/verify/{SIGNER.sign(tokens.VERIFY, pid=str(vera))}")).status == 200


async def test_an_old_verification_link_refused_leaves_a_pending_registration_pending(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=unique_email("uma")))
    uma = uuid.UUID((await created.json())["id"])
    old_verify = _signed_a_minute_ago(monkeypatch, tokens.VERIFY, uma)
    # The change as if it happened elsewhere: the address is new, the registration still pending.
    await pool.execute("UPDATE participants SET email_changed_at = now() WHERE id = $1", uma)
    assert (await intake_client.get(f"/verify/{old_verify}")).status == 400
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", uma) == "pending_verification"
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.verified'") == 0


async def test_an_address_already_registered_leaves_a_way_to_the_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    taken = unique_email("taken")
    await _registered(intake_client, pool, mentor_payload(email=taken), segment="mentors")
    anna = await _registered(intake_client, pool, mentor_payload(email=unique_email("anna")), segment="mentors")
    assert (await _ask(intake_client, _manage(anna), taken)).status == 303
    refused = await _confirm(intake_client, _confirm_link(anna, await _open_change(pool, anna)), lang="en")
    page = await refused.text()
    assert refused.status == 409
    fresh = re.search(r'href="(/manage/[^"?]+)', page)
    assert fresh and (await intake_client.get(fresh.group(1))).status == 200
