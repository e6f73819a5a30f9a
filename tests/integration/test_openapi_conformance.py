"""Real answers of the JSON API against the OpenAPI document it serves (third review, finding 8).

Every response below, success and error, must be listed for its operation and valid against its
schema, formats included. The server's fixed shapes are closed (additionalProperties: false), so
a field the server returns and the document does not describe fails here. Matches, rounds and
their explanations come from the real matcher, not from rows written by hand.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from typing import Any

import aiohttp
import asyncpg
import jsonschema_rs  # comes with schemathesis (README, libraries)
import pytest

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, matches, tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.notifier_fixtures import add_match, add_participant

JSON = "application/json"
Document = dict[str, Any]
NOBODY = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def document(intake_client: IntakeClient) -> Document:
    response = await intake_client.get("/api/v1/openapi.json")
    assert response.status == 200
    served: Document = await response.json()
    return served


@pytest.fixture
def matcher(pool: asyncpg.Pool) -> MatcherConsumer:
    return MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle() needs no broker


def violations(document: Document, schema: dict[str, Any], instance: object) -> list[str]:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema,
            "components": document["components"]}
    validator = jsonschema_rs.validator_for(root, validate_formats=True)
    return [f"{'/'.join(map(str, error.instance_path)) or '(root)'}: {error.message}"
            for error in validator.iter_errors(instance)]


async def conforms(document: Document, response: aiohttp.ClientResponse, method: str, path: str) -> Any:
    """The response's body, after checking it is the one the document promises for `path`."""
    listed = document["paths"][path][method.lower()]["responses"]
    status = str(response.status)
    assert status in listed, f"{method} {path} answered {status}, not listed: {await response.text()}"
    content = listed[status].get("content")
    if content is None:
        assert not await response.read(), f"{method} {path} {status} has a body the document does not describe"
        return None
    assert response.content_type == JSON
    body = await response.json()
    problems = violations(document, content[JSON]["schema"], body)
    assert not problems, f"{method} {path} {status}: {problems}\n{body}"
    if response.status >= 400:  # the document says every error names its language
        assert response.headers.get("Content-Language"), f"{method} {path} {status}"
    return body


async def call(client: IntakeClient, document: Document, method: str, path: str, *,
               url: str | None = None, **kwargs: Any) -> Any:
    response = await client.request(method, url or path, **kwargs)
    return response.status, await conforms(document, response, method, path)


def request_schema(document: Document, path: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["paths"][path]["post"]["requestBody"]["content"][JSON]["schema"]
    return schema


REGISTRATIONS = {
    "/api/v1/newcomers": newcomer_payload,
    "/api/v1/mentors": mentor_payload,
    "/api/v1/employers": employer_payload,
    "/api/v1/language-providers": provider_payload,
}


async def _register_and_verify(client: IntakeClient, document: Document, path: str, body: dict[str, Any]) -> str:
    assert not violations(document, request_schema(document, path), body), body  # what a generated client sends
    status, created = await call(client, document, "POST", path, json=body)
    assert status == 201
    token = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.VERIFY, pid=created["id"])
    for _ in range(2):  # the second use is harmless, and answers the same
        status, verified = await call(client, document, "POST", "/api/v1/verify", json={"token": token})
        assert (status, verified) == (200, {"id": created["id"], "status": "verified"})
    participant_id: str = created["id"]
    return participant_id


async def test_an_international_address_the_server_takes_is_valid_by_the_document(
    intake_client: IntakeClient, document: Document
) -> None:
    """The document's email pattern was ASCII only: a generated client refused anna@thüringen.de."""
    for path, payload in REGISTRATIONS.items():
        body = payload(email=f"anna.{uuid.uuid4().hex[:6]}@thüringen.de")
        await _register_and_verify(intake_client, document, path, body)
    schema = document["components"]["schemas"]["Newcomer"]
    assert violations(document, schema, newcomer_payload(email="анна@почта.рф")) == []
    assert violations(document, schema, newcomer_payload(email="no address"))  # still an address


async def test_registration_and_verification_errors_conform(
    intake_client: IntakeClient, document: Document
) -> None:
    newcomers = "/api/v1/newcomers"
    body = newcomer_payload(surprise=1)
    del body["name"]
    response = await intake_client.post(newcomers, json=body, headers={"Accept-Language": "uk"})
    error = await conforms(document, response, "POST", newcomers)
    assert response.status == 422 and set(error["error"]["fields"]) == {"name", "surprise"}
    assert response.headers["Content-Language"] == "uk"
    response = await intake_client.post(newcomers, data="{", headers={"Content-Type": JSON})
    assert (response.status, response.headers["Content-Language"]) == (400, "en")
    await conforms(document, response, "POST", newcomers)
    status, _ = await call(intake_client, document, "POST", newcomers, data="x", headers={"Content-Type": "text/plain"})
    assert status == 400  # not JSON, whatever its type says
    # JSON is read as JSON without the header (requests' data=), or under curl -d's form type.
    for headers in ({}, {"Content-Type": "application/x-www-form-urlencoded"}, {"Content-Type": "text/plain"}):
        sent = json.dumps(newcomer_payload(email=f"{uuid.uuid4().hex[:8]}@example.org")).encode()
        status, _ = await call(intake_client, document, "POST", newcomers, data=sent, headers=headers)
        assert status == 201, headers
    status, _ = await call(intake_client, document, "POST", "/api/v1/verify", json={"token": "forged"})
    assert status == 422
    gone = tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.VERIFY, pid=str(uuid.uuid4()))
    status, _ = await call(intake_client, document, "POST", "/api/v1/verify", json={"token": gone})
    assert status == 404


async def test_what_coordinators_read_and_decide_conforms(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str],
    document: Document, matcher: MatcherConsumer,
) -> None:
    auth = coordinator_headers
    gera_evening_b1 = {"title": "Deutsch B1 am Abend", "level": "B1", "schedule": "evening", "format": "in_person",
                       "district": "16052", "seats": 8, "childcare": True,
                       "starts_on": (date.today() + timedelta(days=20)).isoformat()}
    nursing = {"title": "Pflegehilfskraft", "occupation_field": "nursing", "openings": 2, "min_german_level": "A2"}
    ids = {
        "mentor": await _register_and_verify(intake_client, document, "/api/v1/mentors", mentor_payload()),
        "language_provider": await _register_and_verify(intake_client, document, "/api/v1/language-providers",
                                                        provider_payload(courses=[gera_evening_b1])),
        "employer": await _register_and_verify(intake_client, document, "/api/v1/employers",
                                               employer_payload(district="16052", positions=[nursing])),
    }
    newcomers = [await _register_and_verify(intake_client, document, "/api/v1/newcomers", newcomer_payload())
                 for _ in range(3)]
    for kind, participant_id in [*ids.items(), *(("newcomer", n) for n in newcomers)]:
        async with pool.acquire() as conn, conn.transaction():
            await matcher.handle(conn, events.new_event(events.PARTICIPANT_VERIFIED,
                                                        participant_id=uuid.UUID(participant_id), kind=kind))

    status, round_ = await call(intake_client, document, "POST", "/api/v1/matching/rounds",
                                json={"objective": "most_matched"}, headers=auth)
    assert status == 202 and round_["result"] is None
    async with pool.acquire() as conn, conn.transaction():
        await matcher.handle(conn, events.new_event(events.ROUND_REQUESTED, round_id=uuid.UUID(round_["id"])))
    status, round_ = await call(intake_client, document, "GET", "/api/v1/matching/rounds/{id}",
                                url=f"/api/v1/matching/rounds/{round_['id']}", headers=auth)
    assert status == 200 and round_["status"] == "completed" and round_["result"]["kinds"]

    # Every match, a page of two at a time.
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page = await call(intake_client, document, "GET", "/api/v1/matches", params=query, headers=auth)
        seen += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert {m["kind"] for m in seen} == {"mentor", "language_course", "employer"}, seen
    assert any(m["round_id"] for m in seen)
    suggested = [m for m in seen if m["status"] == "suggested"]
    # Two counterparts: approving the first may use up its counterpart's room.
    first = suggested[0]["id"]
    second = next(m["id"] for m in suggested if m["counterpart_id"] != suggested[0]["counterpart_id"])
    status, approved = await call(intake_client, document, "POST", "/api/v1/matches/{id}/approve",
                                  url=f"/api/v1/matches/{first}/approve", json={"note": "gut"}, headers=auth)
    assert status == 200 and approved["note"] == "gut"
    status, error = await call(intake_client, document, "POST", "/api/v1/matches/{id}/approve",
                               url=f"/api/v1/matches/{first}/approve", headers=auth)
    assert status == 409 and error["error"]["code"] == "conflict"
    status, rejected = await call(intake_client, document, "POST", "/api/v1/matches/{id}/reject",
                                  url=f"/api/v1/matches/{second}/reject",
                                  json={"reason": "distance", "note": "kein Auto"}, headers=auth)
    assert status == 200 and rejected["reason"] == "distance: kein Auto"
    status, _ = await call(intake_client, document, "GET", "/api/v1/matches/{id}", url=f"/api/v1/matches/{first}",
                           headers=auth)
    assert status == 200

    # What an export holds besides the person: answers, check-ins, emails, the waiting list.
    match_id = uuid.UUID(first)
    newcomer = uuid.UUID(approved["newcomer_id"])
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer, reason) "
                       "VALUES ($1, $2, 'newcomer', 'accept', NULL)", match_id, newcomer)
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer, comment) "
                       "VALUES ($1, $2, 'newcomer', 'good', 'Sehr nett')", match_id, newcomer)
    await pool.execute("INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, locale) "
                       "VALUES ($1, $2, 'verification', $3, $4, 'vi')", uuid.uuid4(), str(uuid.uuid4()),
                       uuid.uuid4(), newcomer)
    await pool.execute("INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) "
                       "VALUES ($1, 'employer', 'no_candidate', 'No position fits yet.') ON CONFLICT DO NOTHING",
                       newcomer)

    for kind in ("", *ids):
        status, listed = await call(intake_client, document, "GET", "/api/v1/participants",
                                    params={"kind": kind} if kind else {}, headers=auth)
        assert status == 200 and listed["items"]
    # The newcomer twice: the second export holds the first one's audit entry.
    for kind, participant_id in [*ids.items(), ("newcomer", str(newcomer)), ("newcomer", str(newcomer))]:
        status, detail = await call(intake_client, document, "GET", "/api/v1/participants/{id}",
                                    url=f"/api/v1/participants/{participant_id}", headers=auth)
        assert status == 200 and detail["kind"] == kind
        status, export = await call(intake_client, document, "GET", "/api/v1/participants/{id}/export",
                                    url=f"/api/v1/participants/{participant_id}/export", headers=auth)
        assert status == 200 and export["participant"]["id"] == participant_id
    assert all(export[part] for part in ("matches", "responses", "checkins", "emails", "audit", "waitlist")), export

    # An erased person: what is left of them, and of their matches' explanations.
    status, _ = await call(intake_client, document, "DELETE", "/api/v1/participants/{id}",
                           url=f"/api/v1/participants/{newcomer}", headers=auth)
    assert status == 204
    status, erased = await call(intake_client, document, "GET", "/api/v1/participants/{id}",
                                url=f"/api/v1/participants/{newcomer}", headers=auth)
    assert erased["status"] == "erased" and erased["email"] is None
    status, export = await call(intake_client, document, "GET", "/api/v1/participants/{id}/export",
                                url=f"/api/v1/participants/{newcomer}/export", headers=auth)
    assert export["participant"] == {"id": str(newcomer), "kind": "newcomer", "status": "erased"}
    status, page = await call(intake_client, document, "GET", "/api/v1/matches",
                              params={"newcomer_id": str(newcomer)}, headers=auth)
    assert page["items"] and all("detail" not in e for m in page["items"] for e in m["explanation"])
    # The export lists the match rows still stored under the person, as the list does (review 8i, finding 5).
    assert sorted(m["id"] for m in export["matches"]) == sorted(m["id"] for m in page["items"])
    status, stats = await call(intake_client, document, "GET", "/api/v1/stats", headers=auth)
    assert status == 200 and stats["participants"]["newcomer"]["erased"] == 1

    # A field the server adds and the document does not describe fails this test.
    for schema, instance in (("Match", approved), ("ParticipantDetail", detail), ("Export", export),
                             ("Round", round_)):
        assert violations(document, {"$ref": f"#/components/schemas/{schema}"}, {**instance, "surprise": 1})
    assert violations(document, document["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"][JSON]
                      ["schema"], {**stats, "surprise": 1})


async def test_paging_through_participants_lists_each_once_with_the_total(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], document: Document
) -> None:
    """A client could not tell how many there were, and offset paging moved people between pages:
    one who changed status on an earlier page pushed the next one out of sight."""
    auth = coordinator_headers
    newcomers = [await _register_and_verify(intake_client, document, "/api/v1/newcomers", newcomer_payload())
                 for _ in range(7)]
    await _register_and_verify(intake_client, document, "/api/v1/mentors", mentor_payload())

    async def page(**query: str) -> Any:
        status, body = await call(intake_client, document, "GET", "/api/v1/participants", params=query, headers=auth)
        assert status == 200
        return body

    everyone = await page()  # the defaults as before: up to 100 from the first
    assert (len(everyone["items"]), everyone["total"], everyone["next_cursor"]) == (8, 8, None)
    assert [p["id"] for p in (await page(offset="2", limit="3"))["items"]] == newcomers[2:5]

    verified = {"kind": "newcomer", "status": "verified", "limit": "3"}
    seen, totals, cursor = [], [], None
    for _ in range(5):
        body = await page(**verified, **({"cursor": cursor} if cursor else {}))
        seen += [p["id"] for p in body["items"]]
        totals.append(body["total"])
        if (cursor := body["next_cursor"]) is None:
            break
        if len(seen) == 3:  # someone on the first page pauses
            await pool.execute("UPDATE participants SET status = 'paused' WHERE id = $1", uuid.UUID(newcomers[0]))
            by_offset = await page(**verified, offset="3")
            assert by_offset["items"][0]["id"] == newcomers[4]  # newcomers[3] moved to the page already read
    assert seen == newcomers
    assert totals == [7, 6, 6]

    for query, field in (({"limit": "0"}, "limit"), ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit"),
                         ({"offset": "-1"}, "offset"), ({"cursor": "garbage"}, "cursor"),
                         ({"cursor": everyone["items"][0]["id"]}, "cursor"),
                         ({"cursor": (await page(limit="1"))["next_cursor"], "offset": "3"}, "offset")):
        status, error = await call(intake_client, document, "GET", "/api/v1/participants", params=query, headers=auth)
        assert status == 422 and error["error"]["code"] == "validation_failed", query
        assert set(error["error"]["fields"]) == {field}, query


async def test_coordinators_errors_conform(
    intake_client: IntakeClient, coordinator_headers: dict[str, str], document: Document
) -> None:
    auth = coordinator_headers
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") == []:
                continue
            status, error = await call(intake_client, document, method.upper(), path,
                                       url=path.replace("{id}", NOBODY))
            assert status == 401 and error["error"]["code"] == "unauthorized", (method, path)
    for method, path in (("GET", "/api/v1/participants/{id}"), ("GET", "/api/v1/participants/{id}/export"),
                         ("DELETE", "/api/v1/participants/{id}"), ("GET", "/api/v1/matches/{id}"),
                         ("POST", "/api/v1/matches/{id}/approve"), ("GET", "/api/v1/matching/rounds/{id}")):
        status, _ = await call(intake_client, document, method, path, url=path.replace("{id}", NOBODY), headers=auth)
        assert status == 404, (method, path)
    for path, query in (("/api/v1/participants", {"offset": "10000001"}), ("/api/v1/participants", {"kind": "x"}),
                        ("/api/v1/matches", {"cursor": "garbage"}), ("/api/v1/matches", {"limit": "0"})):
        status, error = await call(intake_client, document, "GET", path, params=query, headers=auth)
        assert status == 422 and set(error["error"]["fields"]) == set(query)
    for body, expected in ((b"{", 400), (b"[]", 422)):
        status, _ = await call(intake_client, document, "POST", "/api/v1/matches/{id}/reject",
                               url=f"/api/v1/matches/{NOBODY}/reject", data=body,
                               headers={**coordinator_headers, "Content-Type": JSON})
        assert status == expected
    status, _ = await call(intake_client, document, "POST", "/api/v1/matching/rounds", json={"objective": "luck"},
                           headers=auth)
    assert status == 422
    login = {"email": f"nobody.{uuid.uuid4().hex[:6]}@example.org", "password": "wrong password"}
    statuses = [(await call(intake_client, document, "POST", "/api/v1/auth/login", json=login))[0]
                for _ in range(12)]
    assert statuses[0] == 401 and statuses[-1] == 429
    status, _ = await call(intake_client, document, "POST", "/api/v1/auth/logout", headers=auth)
    assert status == 204


async def test_every_api_route_is_in_the_document(intake_client: IntakeClient, document: Document) -> None:
    served = set()
    for route in intake_client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/api/v1/") and route.method != "HEAD" and path != "/api/v1/openapi.json":
            for expanded in (path.replace("{kinds}", k) for k in ("newcomers", "mentors", "employers",
                                                                  "language-providers")):
                served.add((route.method.lower(), expanded))
    documented = {(method, path) for path, operations in document["paths"].items() for method in operations}
    assert served == documented


async def test_a_match_says_why_it_is_flagged_and_why_it_ended_as_codes(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], document: Document
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    flagged = await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=matches.FLAG_CONNECT)
    ended = await add_match(pool, "mentor", newcomer, mentor.id, status="declined",
                            reason="declined by counterpart", end_reason=matches.END_DECLINED)
    found = {}
    for match_id in (flagged, ended):
        status, found[match_id] = await call(intake_client, document, "GET", "/api/v1/matches/{id}",
                                             url=f"/api/v1/matches/{match_id}", headers=coordinator_headers)
        assert status == 200
    assert (found[flagged]["flag_code"], found[flagged]["end_reason"]) == ("connect", None)
    assert (found[ended]["flag_code"], found[ended]["end_reason"]) == (None, "declined")
    assert found[ended]["reason"] == "declined by counterpart"  # as before
    # Optional for clients: a match from a server before these fields still conforms.
    older = {key: value for key, value in found[ended].items() if key not in ("flag_code", "end_reason")}
    assert not violations(document, {"$ref": "#/components/schemas/Match"}, older)
