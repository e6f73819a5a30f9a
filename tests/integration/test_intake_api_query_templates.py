"""The coordinators' list queries as the contract writes them, and HEAD (review 8i, findings 2, 4, 6)."""

from __future__ import annotations

import base64
import json
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_match, add_participant

KIND_MESSAGE = "Must be one of: employer, language_provider, mentor, newcomer."


async def test_the_contracts_templates_with_blanks_mean_no_filter(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """A client that builds the URL from the template and leaves blanks got 422 for each blank."""
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")

    response = await intake_client.get("/api/v1/matches?status=&kind=&newcomer_id=&limit=&cursor=",
                                       headers=coordinator_headers)
    assert response.status == 200, await response.text()
    assert [m["id"] for m in (await response.json())["items"]] == [str(match_id)]

    for url in ("/api/v1/participants?kind=&status=", "/api/v1/participants?kind=&status=&limit=&offset=&cursor="):
        response = await intake_client.get(url, headers=coordinator_headers)
        assert response.status == 200, (url, await response.text())
        assert (await response.json())["total"] == 2, url
    # A blank beside a real filter leaves that filter working.
    response = await intake_client.get("/api/v1/participants?kind=mentor&status=", headers=coordinator_headers)
    assert [p["id"] for p in (await response.json())["items"]] == [str(mentor.id)]


async def test_every_invalid_query_parameter_is_named(
    intake_client: IntakeClient, coordinator_headers: dict[str, str]
) -> None:
    for url, named in (
        ("/api/v1/matches?status=x&kind=y&newcomer_id=z&limit=0&cursor=garbage",
         {"status", "kind", "newcomer_id", "limit", "cursor"}),
        ("/api/v1/participants?kind=x&status=y&limit=501&offset=-1", {"kind", "status", "limit", "offset"}),
        ("/api/v1/participants?kind=x&cursor=garbage", {"kind", "cursor"}),
    ):
        response = await intake_client.get(url, headers=coordinator_headers)
        assert response.status == 422, url
        error = (await response.json())["error"]
        assert error["code"] == "validation_failed" and set(error["fields"]) == named, (url, error)


async def test_a_filter_given_twice_with_different_values_is_named(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """Review 10a, F5: the first value won silently; the same value twice is still that value."""
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    await add_participant(pool, "newcomer", name="Lan", locale="vi")
    for url, named in (("/api/v1/participants?kind=newcomer&kind=mentor", {"kind"}),
                       ("/api/v1/participants?limit=5&limit=6&status=verified", {"limit"}),
                       ("/api/v1/matches?kind=mentor&kind=employer&status=x", {"kind", "status"})):
        response = await intake_client.get(url, headers=coordinator_headers)
        assert response.status == 422, url
        assert set((await response.json())["error"]["fields"]) == named, url
    response = await intake_client.get("/api/v1/participants?kind=mentor&kind=mentor&kind=",
                                       headers=coordinator_headers)
    assert [p["id"] for p in (await response.json())["items"]] == [str(mentor.id)]


async def test_the_participants_kind_filter_takes_the_routes_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """The contract names this kind only through its route, /api/v1/language-providers."""
    provider = await add_participant(pool, "language_provider", name="VHS Erfurt", locale="de")
    await add_participant(pool, "newcomer", name="Lan", locale="vi")
    for kind in ("language-provider", "language_provider"):
        response = await intake_client.get("/api/v1/participants", params={"kind": kind}, headers=coordinator_headers)
        assert response.status == 200, (kind, await response.text())
        assert [p["id"] for p in (await response.json())["items"]] == [str(provider.id)], kind
    # Other spellings stay refused, and the message lists the canonical values only.
    response = await intake_client.get("/api/v1/participants", params={"kind": "language-providers"},
                                       headers=coordinator_headers)
    assert response.status == 422
    assert (await response.json())["error"]["fields"] == {"kind": KIND_MESSAGE}


async def test_health_probes_and_pages_answer_head_as_get_without_a_body(
    intake_client: IntakeClient, coordinator_headers: dict[str, str]
) -> None:
    """`curl -I` and HEAD probes got 405 (an HTML page on /healthz); the public pages got 403."""
    for path in ("/healthz", "/readyz", "/", "/dashboard/login", "/dashboard", "/api/v1/participants"):
        got = await intake_client.get(path, allow_redirects=False)
        head = await intake_client.head(path, allow_redirects=False)
        assert head.status == got.status, (path, head.status, got.status)
        assert head.headers.get("Content-Type") == got.headers.get("Content-Type"), path
        assert await head.read() == b"", path
    assert (await intake_client.head("/healthz")).status == 200
    assert (await intake_client.head("/readyz")).status == 200
    # The GET's policy holds for its HEAD: a coordinator's list needs the token.
    assert (await intake_client.head("/api/v1/participants")).status == 401
    assert (await intake_client.head("/api/v1/participants", headers=coordinator_headers)).status == 200


async def test_a_forged_cursor_out_of_the_databases_range_is_a_422(
    intake_client: IntakeClient, coordinator_headers: dict[str, str]
) -> None:
    """A cursor decodes to a time and an id; one no list handed out (a time PostgreSQL cannot hold, or
    without a zone) is named, not a 500 from the query."""
    for created_at in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-01-01T00:00:00"):
        raw = json.dumps([created_at, str(uuid.uuid4())]).encode()
        cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        for path in ("/api/v1/matches", "/api/v1/participants"):
            response = await intake_client.get(path, params={"cursor": cursor}, headers=coordinator_headers)
            assert response.status == 422, (path, created_at, await response.text())
            assert set((await response.json())["error"]["fields"]) == {"cursor"}, (path, created_at)
