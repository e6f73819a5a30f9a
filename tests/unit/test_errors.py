"""A database that is away gives 503 in the contract's shape, whichever way asyncpg says so."""

from __future__ import annotations

import json

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from lotse.intake.errors import api_errors
from lotse.shared.db import DATABASE_AWAY

GONE = [
    ConnectionRefusedError(111, "Connect call failed"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
    asyncpg.exceptions.CrashShutdownError("terminating connection because of crash of another server process"),
    asyncpg.exceptions.InterfaceError("pool is closing"),
    # Seen in CI on a crowded machine: a new pool connection refused, which answered 500.
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg.exceptions.DiskFullError("could not extend file: No space left on device"),
    # Review 10b: a pooled connection whose backend pg_terminate_backend ended while it was idle.
    asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    TimeoutError(),
]


@pytest.mark.parametrize("error", GONE, ids=lambda e: type(e).__name__)
async def test_the_database_away_is_503_never_500(error: Exception) -> None:
    async def handler(_: web.Request) -> web.StreamResponse:
        raise error

    response = await api_errors(make_mocked_request("POST", "/api/v1/newcomers"), handler)
    assert isinstance(response, web.Response) and response.status == 503
    assert response.text is not None
    assert json.loads(response.text)["error"]["code"] == "unavailable"
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("error", [e for e in GONE if not isinstance(e, TimeoutError)], ids=lambda e: type(e).__name__)
def test_what_a_request_calls_the_database_away_the_background_loops_ride_out(error: Exception) -> None:
    assert isinstance(error, DATABASE_AWAY)


async def test_any_other_error_of_the_database_is_a_bug_of_ours_not_a_503() -> None:
    async def handler(_: web.Request) -> web.StreamResponse:
        raise asyncpg.exceptions.UniqueViolationError("duplicate key value violates unique constraint")

    response = await api_errors(make_mocked_request("POST", "/api/v1/newcomers"), handler)
    assert isinstance(response, web.Response) and response.status == 500
    assert response.text is not None
    assert json.loads(response.text)["error"]["code"] == "internal_error"


async def test_a_page_gets_a_plain_503_for_web_error_pages_to_draw() -> None:
    async def handler(_: web.Request) -> web.StreamResponse:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("closed")

    with pytest.raises(web.HTTPServiceUnavailable) as raised:
        await api_errors(make_mocked_request("GET", "/register/newcomer"), handler)
    assert raised.value.headers["Retry-After"] == "5"
