"""Review 9a, finding 1: the emails a stranger can have sent to someone (a repeated registration,
/new-link, an address typed on a manage page) are limited per recipient, not only per client
address. Beyond the limit the notification is skipped with its reason and never sent; intake's
answer stays exactly the same, so it tells nobody anything."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from lotse.intake.typedefs import after_response_key
from lotse.notifier import recipient_limit
from lotse.shared import metrics
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload, unique_email
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, notify, sink, smtp_settings, to
from tests.integration.test_email_change import _ask, _manage

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

STATUSES = """SELECT status, last_error FROM notifications WHERE participant_id = $1 AND type = $2
              ORDER BY created_at, id"""


def _skipped(kind: str) -> float:
    return float(metrics.EMAILS.labels(kind, "skipped")._value.get())


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, payload: dict[str, Any]) -> uuid.UUID:
    created = await intake_client.post("/api/v1/newcomers", json=payload)
    assert created.status == 201
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    await pool.execute("DELETE FROM outbox")
    return participant_id


async def test_five_repeated_registrations_send_three_emails_and_skip_the_rest_with_the_reason(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    victim, other = newcomer_payload(), newcomer_payload()
    victim_id = await _verified(intake_client, pool, victim)
    other_id = await _verified(intake_client, pool, other)
    skipped_before = _skipped("already_registered")
    answers = []
    for _ in range(5):
        answered = await intake_client.post("/api/v1/newcomers", json=victim)
        answers.append((answered.status, await answered.json()))
    # Another person is not held back by the victim's count.
    for _ in range(2):
        assert (await intake_client.post("/api/v1/newcomers", json=other)).status == 201
    # The same answer every time, whatever the notifier does later.
    assert all(a == answers[0] for a in answers) and answers[0][0] == 201 and answers[0][1]["id"] == str(victim_id)
    await notify(pool)
    await deliver_all(delivery)

    assert len(to(sink, victim["email"])) == 3
    assert [tuple(r) for r in await pool.fetch(STATUSES, victim_id, "already_registered")] == [
        ("sent", None)] * 3 + [("skipped", recipient_limit.REASON)] * 2
    assert _skipped("already_registered") == skipped_before + 2
    assert len(to(sink, other["email"])) == 2
    assert {r["status"] for r in await pool.fetch(STATUSES, other_id, "already_registered")} == {"sent"}


async def test_new_link_requests_are_limited_per_person_and_the_page_stays_the_same(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    person = newcomer_payload(email=unique_email("nl"))
    person_id = await _verified(intake_client, pool, person)
    pages = []
    for _ in range(5):
        answered = await intake_client.post("/new-link", data={"email": person["email"]}, allow_redirects=False)
        pages.append((answered.status, answered.headers.get("Location")))
    assert len(set(pages)) == 1 and pages[0][0] == 303
    await intake_client.app[after_response_key].finish()  # the requests are written after the answers
    await notify(pool)
    await deliver_all(delivery)
    assert len(to(sink, person["email"])) == 3
    assert [r["status"] for r in await pool.fetch(STATUSES, person_id, "manage_link")] == (
        ["sent"] * 3 + ["skipped", "pending"])  # the newest held back for the next hour (review 9c, F4)


async def test_the_first_verification_email_always_goes_and_counts_towards_the_hour(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    person = newcomer_payload()
    for _ in range(6):  # the registration and five repeats while it is unconfirmed
        assert (await intake_client.post("/api/v1/newcomers", json=person)).status == 201
    person_id = await pool.fetchval("SELECT id FROM participants WHERE email = $1", person["email"])
    await notify(pool)
    await deliver_all(delivery)
    assert len(to(sink, person["email"])) == 3
    assert [r["status"] for r in await pool.fetch(STATUSES, person_id, "verification")] == (
        ["sent"] * 3 + ["skipped"] * 2 + ["pending"])  # the newest held back for the next hour (review 9c, F4)
    # Only the repeats are counted at the claim: the registration's own email is never held back.
    assert sorted(r["limited"] for r in await pool.fetch(
        "SELECT limited FROM notifications WHERE participant_id = $1", person_id)) == [False] + [True] * 5

    # An hour later (and under the day's limit) one more goes out; rows the limit skipped do not count.
    await pool.execute(
        "UPDATE notifications SET created_at = created_at - interval '61 minutes' WHERE participant_id = $1", person_id)
    assert (await intake_client.post("/api/v1/newcomers", json=person)).status == 201
    await notify(pool)
    await deliver_all(delivery)
    assert len(to(sink, person["email"])) == 4


async def test_the_day_limit_holds_across_hours(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    person = newcomer_payload()
    person_id = await _verified(intake_client, pool, person)
    for hour in range(4):  # three an hour, four hours: the day's ten are reached in the fourth
        for _ in range(3):
            assert (await intake_client.post("/api/v1/newcomers", json=person)).status == 201
        await notify(pool)
        await deliver_all(delivery)
        if hour < 3:
            await pool.execute(
                "UPDATE notifications SET created_at = created_at - interval '61 minutes' WHERE participant_id = $1",
                person_id)
    assert len(to(sink, person["email"])) == recipient_limit.PER_DAY


async def test_addresses_typed_on_a_manage_page_get_at_most_three_confirmation_links_an_hour(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    person_id = await _verified(intake_client, pool, newcomer_payload())
    manage = _manage(person_id)
    targets = [unique_email("victim") for _ in range(5)]
    for target in targets:  # each sent at once, as a running notifier would
        assert (await _ask(intake_client, manage, target)).status == 303
        await notify(pool)
        await pool.execute("DELETE FROM outbox")
        await deliver_all(delivery)
    assert [len(to(sink, target)) for target in targets] == [1, 1, 1, 0, 0]
    assert [tuple(r) for r in await pool.fetch(STATUSES, person_id, "email_change_confirm")] == [
        ("sent", None)] * 3 + [("skipped", recipient_limit.REASON)] * 2
