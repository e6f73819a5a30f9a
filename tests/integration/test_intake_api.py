"""The intake JSON API through the real app, PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import html
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import tokens
from lotse.shared.config import Settings
from lotse.shared.i18n import translations
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import (
    employer_payload,
    mentor_payload,
    newcomer_payload,
    provider_payload,
)


def assert_error_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message", "fields"}
    assert error["code"] == code, body


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/api/v1/newcomers", newcomer_payload),
        ("/api/v1/mentors", mentor_payload),
        ("/api/v1/employers", employer_payload),
        ("/api/v1/language-providers", provider_payload),
    ],
)
async def test_each_kind_registers(
    intake_client: IntakeClient, pool: asyncpg.Pool, path: str, payload: Callable[..., dict[str, Any]]
) -> None:
    body = payload()
    response = await intake_client.post(path, json=body)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["status"] == "pending_verification"
    row = await pool.fetchrow("SELECT kind, email, status FROM participants WHERE id = $1", uuid.UUID(created["id"]))
    assert row["email"] == body["email"] and row["status"] == "pending_verification"
    outbox = await pool.fetch("SELECT type, payload FROM outbox")
    assert [(r["type"], r["payload"]["participant_id"]) for r in outbox] == [
        ("participant.registered", created["id"])
    ]
    assert body["name"] not in json.dumps([dict(r["payload"]) for r in outbox])  # ids only


async def test_same_email_again_creates_no_second_participant(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    body = newcomer_payload()
    first = await (await intake_client.post("/api/v1/newcomers", json=body)).json()
    again = await intake_client.post("/api/v1/newcomers", json={**body, "name": "Someone Else"})
    assert again.status == 201
    assert (await again.json()) == first  # indistinguishable from a first registration
    assert await pool.fetchval("SELECT count(*) FROM participants") == 1
    types = [r["type"] for r in await pool.fetch("SELECT type FROM outbox ORDER BY seq")]
    assert types == ["participant.registered", "notification.requested"]


async def test_a_registration_stores_consents_courses_and_positions_whole(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, employer = provider_payload(), employer_payload(consent={"data_processing": True,
                                                                      "share_contact": True})
    ids = []
    for path, body in (("/api/v1/language-providers", provider), ("/api/v1/employers", employer)):
        response = await intake_client.post(path, json=body)
        assert response.status == 201, await response.text()
        ids.append(uuid.UUID((await response.json())["id"]))
    consents = {(r["participant_id"], r["purpose"]): r["given"] for r in await pool.fetch(
        "SELECT participant_id, purpose, given FROM consents WHERE text_version <> ''")}
    assert consents == {(ids[0], "data_processing"): True, (ids[0], "share_contact"): False,
                        (ids[1], "data_processing"): True, (ids[1], "share_contact"): True}
    course = dict(await pool.fetchrow("SELECT title, level, schedule, format, district, seats, starts_on::text, "
                                      "childcare FROM courses WHERE provider_id = $1", ids[0]))
    assert course == provider["courses"][0]
    position = dict(await pool.fetchrow("SELECT title, occupation_field, openings, min_german_level "
                                        "FROM positions WHERE employer_id = $1", ids[1]))
    assert position == employer["positions"][0]
    # Again with the same address: nothing of it is stored a second time.
    again = await intake_client.post("/api/v1/language-providers", json=provider)
    assert again.status == 201
    assert await pool.fetchval("SELECT count(*) FROM courses") == 1
    assert await pool.fetchval("SELECT count(*) FROM consents") == 4


async def test_validation_errors_name_the_field_in_the_requesters_language(intake_client: IntakeClient) -> None:
    body = newcomer_payload(district="99999", languages=[{"code": "xx", "level": "B7"}], surprise=1)
    del body["name"]
    response = await intake_client.post("/api/v1/newcomers", json=body, headers={"Accept-Language": "de-DE"})
    assert response.status == 422
    payload = await response.json()
    assert_error_shape(payload, "validation_failed")
    fields = payload["error"]["fields"]
    assert {"name", "district", "languages[0].code", "languages[0].level", "surprise"} <= set(fields)
    assert fields["name"] != "This field is required."  # translated


@pytest.mark.parametrize(("accept_language", "message", "required", "unknown"), [
    (None, "Bitte prüfen Sie diese Felder", "Dieses Feld ist erforderlich.", "Unbekanntes Feld."),  # the body's "de"
    ("en-US,en;q=0.9", "Please check these fields", "This field is required.", "Unknown field."),
    ("uk", "Перевірте ці поля", "Це поле обов’язкове.", "Невідоме поле."),
])
async def test_one_validation_error_speaks_one_language(
    intake_client: IntakeClient, accept_language: str | None, message: str, required: str, unknown: str
) -> None:
    """Finding 10: without Accept-Language the message was English above German fields."""
    body = newcomer_payload(foo=1, preferred_locale="de")
    del body["name"]
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await intake_client.post("/api/v1/newcomers", json=body, headers=headers)
    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["message"], error["fields"]) == (message, {"name": required, "foo": unknown})
    assert response.headers["Content-Language"] == ("de" if accept_language is None else accept_language[:2])


@pytest.mark.parametrize(("accept_language", "preferred_locale", "expected"), [
    (None, "vi", "vi"),  # no header: the person's language from the body
    ("uk", "vi", "uk"),  # a header naming a supported locale wins
    ("ja", "vi", "vi"),  # a header naming none counts as none
    (None, "xx", "de"),  # an invalid preferred_locale is no language: German
    (None, 7, "de"),
])
async def test_a_422_without_accept_language_speaks_the_bodys_preferred_locale(
    intake_client: IntakeClient, accept_language: str | None, preferred_locale: object, expected: str
) -> None:
    """A registration app that sends no Accept-Language showed a Vietnamese registrant German errors."""
    body = newcomer_payload(preferred_locale=preferred_locale)
    del body["name"]
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = await intake_client.post("/api/v1/newcomers", json=body, headers=headers)
    assert response.status == 422
    error = (await response.json())["error"]
    gettext = translations("lotse.intake", "intake", expected).gettext
    assert error["message"] == gettext("Please check these fields")
    assert error["fields"]["name"] == gettext("This field is required.")
    assert response.headers["Content-Language"] == expected


async def test_malformed_json_is_400(intake_client: IntakeClient) -> None:
    response = await intake_client.post(
        "/api/v1/newcomers", data=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert_error_shape(await response.json(), "malformed_request")


async def test_huge_number_is_not_a_500(intake_client: IntakeClient) -> None:
    response = await intake_client.post(
        "/api/v1/newcomers", data=b'{"name": ' + b"9" * 5000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert response.status in (400, 422)


async def test_oversized_body_is_413(intake_client: IntakeClient) -> None:
    response = await intake_client.post(
        "/api/v1/newcomers", data=b'{"about": "' + b"x" * 300_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 413
    assert_error_shape(await response.json(), "body_too_large")


async def test_the_largest_valid_registration_fits_even_as_ascii_escapes(intake_client: IntakeClient) -> None:
    """Review 11a, F3: 50 courses with 200-character Cyrillic titles, as json.dumps, requests and
    aiohttp send them by default (every letter a \\u escape: 70 KB), got 413 under a 64 KiB cap."""
    course = provider_payload()["courses"][0]
    body = provider_payload(organisation="Мовна школа " + "Ї" * 188, about="Курси німецької. " * 110,
                            courses=[{**course, "title": f"{i:02d} " + "Німецька мова " * 14}
                                     for i in range(50)])
    raw = json.dumps(body).encode()  # ensure_ascii: the default
    assert len(raw) > 64 * 1024
    response = await intake_client.post("/api/v1/language-providers", data=raw,
                                        headers={"Content-Type": "application/json"})
    assert response.status == 201, await response.text()


async def test_unknown_api_path_is_404_in_shape(intake_client: IntakeClient) -> None:
    response = await intake_client.get("/api/v1/nothing-here")
    assert response.status == 404
    assert_error_shape(await response.json(), "not_found")


async def test_too_many_registrations_from_one_address_is_429(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> None:
    import dataclasses

    from aiohttp.test_utils import TestClient, TestServer

    from lotse.intake.app import init_app

    client = TestClient(TestServer(init_app(dataclasses.replace(settings, intake_rate_limit_per_minute=2))))
    await client.start_server()
    try:
        statuses = [(await client.post("/api/v1/mentors", json=mentor_payload())).status for _ in range(3)]
        response = await client.post("/api/v1/mentors", json=mentor_payload())
        assert statuses == [201, 201, 429]
        assert response.status == 429 and int(response.headers["Retry-After"]) > 0
        assert_error_shape(await response.json(), "rate_limited")
    finally:
        await client.close()


async def test_verification_link_verifies_once_and_twice_is_harmless(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    created = await (await intake_client.post("/api/v1/newcomers", json=newcomer_payload())).json()
    token = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.VERIFY, pid=created["id"])
    for _ in range(2):
        response = await intake_client.post("/api/v1/verify", json={"token": token})
        assert response.status == 200
        assert (await response.json()) == {"id": created["id"], "status": "verified"}
    types = [r["type"] for r in await pool.fetch("SELECT type FROM outbox ORDER BY seq")]
    assert types.count("participant.verified") == 1

    page = await intake_client.get(f"/verify/{token}")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    # The way on to the registration (review 11b, L7), in the person's language, and it opens.
    link = re.search(r'<a class="button" href="(/manage/[^"]+)">([^<]+)</a>', await page.text())
    assert link is not None
    assert (await intake_client.get(html.unescape(link.group(1)))).status == 200


async def test_bad_verification_token_is_422(intake_client: IntakeClient) -> None:
    response = await intake_client.post("/api/v1/verify", json={"token": "forged"})
    assert response.status == 422
    assert "token" in (await response.json())["error"]["fields"]
    manage = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(uuid.uuid4()))
    response = await intake_client.post("/api/v1/verify", json={"token": manage})
    assert response.status == 422  # a token for another purpose does not verify


# --- coordinators -------------------------------------------------------------------------

async def test_coordinator_routes_need_a_token(intake_client: IntakeClient) -> None:
    for method, path in [("GET", "/api/v1/participants"), ("GET", "/api/v1/matches"),
                         ("POST", f"/api/v1/matches/{uuid.uuid4()}/approve"), ("GET", "/api/v1/stats")]:
        response = await intake_client.request(method, path)
        assert response.status == 401, path
        assert_error_shape(await response.json(), "unauthorized")
    response = await intake_client.get("/api/v1/participants", headers={"Authorization": "Bearer nonsense"})
    assert response.status == 401


async def test_login_rejects_wrong_password(intake_client: IntakeClient) -> None:
    response = await intake_client.post(
        "/api/v1/auth/login", json={"email": "coordinator@example.org", "password": "wrong password!"}
    )
    assert response.status == 401


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:
    created = await (await intake_client.post(path, json=body)).json()
    participant_id = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    return participant_id


async def _suggest(
    pool: asyncpg.Pool, newcomer_id: uuid.UUID, counterpart_id: uuid.UUID, kind: str = "mentor"
) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation)
           VALUES ($1, $2, $3, $4, 0.8, '[{"factor": "language", "contribution": 0.8, "detail": "x"}]')""",
        match_id, kind, newcomer_id, counterpart_id,
    )
    return match_id


async def test_approve_and_reject_with_conflicts(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    olena = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena"))
    first, second = await _suggest(pool, lan, mentor), await _suggest(pool, olena, mentor)

    response = await intake_client.post(f"/api/v1/matches/{first}/approve", json={"note": "good fit"},
                                        headers=coordinator_headers)
    assert response.status == 200, await response.text()
    approved = await response.json()
    assert approved["status"] == "approved" and approved["decided_by"] and approved["decided_at"]

    again = await intake_client.post(f"/api/v1/matches/{first}/approve", headers=coordinator_headers)
    assert again.status == 409
    # The mentor's only place is taken: the other suggestion was withdrawn as stale.
    full = await intake_client.post(f"/api/v1/matches/{second}/approve", headers=coordinator_headers)
    assert full.status == 409
    assert_error_shape(await full.json(), "conflict")
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", second)) == {
        "status": "withdrawn", "reason": "stale"}
    assert [(r["type"], r["payload"]["match_id"], r["payload"].get("reason")) for r in await pool.fetch(
        "SELECT type, payload FROM outbox WHERE type IN ('match.approved', 'match.withdrawn') ORDER BY seq")] == [
        ("match.approved", str(first), None), ("match.withdrawn", str(second), "stale")]

    no_reason = await intake_client.post(f"/api/v1/matches/{second}/reject", json={}, headers=coordinator_headers)
    assert no_reason.status == 422 and "reason" in (await no_reason.json())["error"]["fields"]
    missing = await intake_client.post(f"/api/v1/matches/{uuid.uuid4()}/approve", headers=coordinator_headers)
    assert missing.status == 404

    trail = await pool.fetch("SELECT action, subject_id, before, after, actor_id FROM audit_log "
                             "WHERE action <> 'coordinator.login' ORDER BY id")
    assert [(t["action"], t["subject_id"]) for t in trail] == [("match.approve", first)]
    assert trail[0]["before"] == {"status": "suggested"} and trail[0]["after"] == {"status": "approved"}
    assert trail[0]["actor_id"] == uuid.UUID(approved["decided_by"])


async def test_a_rejection_files_its_reason_under_the_dashboards_codes(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """Any text was stored as the reason; statistics and learning want the dashboard's codes. A
    client's own words (the contract's reason is text) are kept, filed under "other"."""
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _suggest(pool, lan, mentor)
    reject = f"/api/v1/matches/{match_id}/reject"

    free_text = await intake_client.post(reject, json={"reason": "because", "note": "moved away"},
                                         headers=coordinator_headers)
    assert free_text.status == 200, await free_text.text()
    assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1", match_id) == "other: because; moved away"
    assert await pool.fetchval("SELECT detail FROM audit_log WHERE subject_id = $1", match_id) == "other"

    match_id = await _suggest(pool, lan, mentor)
    reject = f"/api/v1/matches/{match_id}/reject"
    response = await intake_client.post(reject, json={"reason": "distance", "note": " 74 km, no car "},
                                        headers=coordinator_headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "rejected"
    assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1", match_id) == "distance: 74 km, no car"
    assert await pool.fetchval("SELECT detail FROM audit_log WHERE subject_id = $1", match_id) == "distance"


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("reject", {"reason": 5}, {"reason": "Must be text."}),
    ("reject", {"reason": None, "note": 1}, {"reason": "Must be text.", "note": "Must be text."}),
    ("approve", {"note": ["x"]}, {"note": "Must be text."}),
    ("approve", {"note": "ok", "reason": "other"}, {"reason": "Unknown field."}),
    ("/api/v1/auth/login", {"email": 5, "password": None}, {"email": "Must be text.", "password": "Must be text."}),
    ("/api/v1/auth/login", {"email": " ", "password": ""},
     {"email": "This field is required.", "password": "This field is required."}),
])
async def test_a_wrong_type_is_named_as_one_not_as_a_missing_field(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str],
    path: str, body: dict[str, object], expected: dict[str, str],
) -> None:
    """Finding 10: these all said "This field is required." though the field was sent."""
    if not path.startswith("/"):
        mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
        lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
        path = f"/api/v1/matches/{await _suggest(pool, lan, mentor)}/{path}"
    response = await intake_client.post(path, json=body, headers=coordinator_headers)
    assert response.status == 422
    error = await response.json()
    assert_error_shape(error, "validation_failed")
    # One language in one error: this API answers in English, message and fields alike.
    assert error["error"] == {"code": "validation_failed", "message": "Some fields are invalid.", "fields": expected}


async def test_an_approval_with_a_blank_note_has_none(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _suggest(pool, lan, mentor)
    response = await intake_client.post(f"/api/v1/matches/{match_id}/approve", json={"note": "  "},
                                        headers=coordinator_headers)
    assert response.status == 200, await response.text()
    assert await pool.fetchval("SELECT note FROM matches WHERE id = $1", match_id) is None


async def test_the_audit_log_cannot_be_rewritten(pool: asyncpg.Pool) -> None:
    await pool.execute("INSERT INTO audit_log (action, subject_type) VALUES ('test', 'test')")
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await pool.execute(statement)


async def test_two_approvals_racing_for_the_last_place(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        positions=[{"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 1,
                    "min_german_level": "A2"}]))
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()) for _ in range(4)]
    suggestions = [await _suggest(pool, n, position, "employer") for n in newcomers]
    responses = await asyncio.gather(*(
        intake_client.post(f"/api/v1/matches/{s}/approve", headers=coordinator_headers) for s in suggestions
    ))
    assert sorted(r.status for r in responses) == [200, 409, 409, 409]
    held = await pool.fetchval("SELECT count(*) FROM matches WHERE status = 'approved'")
    assert held == 1


async def test_matches_are_paged_with_a_cursor(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=10))
    for _ in range(5):
        newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
        await _suggest(pool, newcomer, mentor)
    seen, cursor = [], None
    while True:
        query = {"limit": "2", "status": "suggested", **({"cursor": cursor} if cursor else {})}
        page = await (await intake_client.get("/api/v1/matches", params=query, headers=coordinator_headers)).json()
        seen += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5
    bad = await intake_client.get("/api/v1/matches", params={"cursor": "garbage"}, headers=coordinator_headers)
    assert bad.status == 422
    bad = await intake_client.get("/api/v1/matches", params={"limit": "0"}, headers=coordinator_headers)
    assert bad.status == 422


async def test_participants_export_and_erasure(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    body = newcomer_payload(about="I love the Thuringian forest.")
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", body)
    listed = await (await intake_client.get("/api/v1/participants", params={"kind": "newcomer"},
                                            headers=coordinator_headers)).json()
    assert [p["id"] for p in listed["items"]] == [str(newcomer)]
    export = await intake_client.get(f"/api/v1/participants/{newcomer}/export", headers=coordinator_headers)
    assert export.status == 200
    exported = await export.json()
    assert exported["participant"]["email"] == body["email"]
    assert exported["participant"]["consents"][0]["purpose"] == "data_processing"

    erased = await intake_client.delete(f"/api/v1/participants/{newcomer}", headers=coordinator_headers)
    assert erased.status == 204
    dump = json.dumps([dict(r) for r in await pool.fetch("SELECT * FROM participants")], default=str)
    for secret in (body["email"], body["name"], body["about"]):
        assert secret not in dump
    again = await intake_client.delete(f"/api/v1/participants/{newcomer}", headers=coordinator_headers)
    assert again.status == 404
    stats = await (await intake_client.get("/api/v1/stats", headers=coordinator_headers)).json()
    assert stats["participants"]["newcomer"] == {"erased": 1}


async def test_rounds_are_requested_and_readable(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    response = await intake_client.post("/api/v1/matching/rounds", json={"objective": "most_matched"},
                                        headers=coordinator_headers)
    assert response.status == 202
    round_ = await response.json()
    assert round_["status"] == "requested"
    # Where to GET it, as the 202 says (review 8i, finding 3).
    assert response.headers["Location"] == f"/api/v1/matching/rounds/{round_['id']}"
    fetched = await intake_client.get(response.headers["Location"], headers=coordinator_headers)
    assert (await fetched.json())["objective"] == "most_matched"
    bad = await intake_client.post("/api/v1/matching/rounds", json={"objective": "luck"}, headers=coordinator_headers)
    assert bad.status == 422


async def test_a_newcomers_online_ok_is_true_unless_declined_and_exported(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    wrong = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(online_ok="yes"),
                                     headers={"Accept-Language": "en"})
    assert wrong.status == 422
    error = (await wrong.json())["error"]
    assert error["code"] == "validation_failed" and error["fields"] == {"online_ok": "Must be true or false."}
    answers = {}
    for given in (None, False, True):
        body = newcomer_payload() if given is None else newcomer_payload(online_ok=given)
        created = await intake_client.post("/api/v1/newcomers", json=body)
        assert created.status == 201
        answers[given] = (await created.json())["id"]
    # Stored before newcomers were asked: the coordinator sees what the matcher reads, true.
    await pool.execute("UPDATE participants SET profile = profile - 'online_ok' WHERE id = $1",
                       uuid.UUID(answers[True]))
    for given, stored in ((None, True), (False, False), (True, True)):
        for path in (f"/api/v1/participants/{answers[given]}", f"/api/v1/participants/{answers[given]}/export"):
            shown = await (await intake_client.get(path, headers=coordinator_headers)).json()
            assert shown.get("participant", shown)["online_ok"] is stored, (given, path)
