"""asyncpg pool with JSON codecs; one pool per process."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

import asyncpg

from lotse.shared.dependencies import DATABASE, DatabaseWatch, naming


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


#: What a query raises when the connection was lost under it or could not be had. asyncpg
#: raises InternalClientError ("cannot switch to state 12; another operation (2) is in progress")
#: on a pooled connection whose backend was terminated while it sat idle, when the server's
#: FATAL arrived before the socket's end (MagicStack/asyncpg#1069): a lost connection too, not a
#: bug of ours. A request answers these 503 (lotse.intake.errors.DATABASE_DOWN builds on them).
CONNECTION_LOST = (OSError, asyncpg.InterfaceError, asyncpg.InternalClientError)

#: What a query raises when the database is away: a lost connection, or any error of the server.
#: Loops that ride out an outage catch this tuple (review 10b, F3).
DATABASE_AWAY = (*CONNECTION_LOST, asyncpg.PostgresError)


#: Every service's sessions are named ``lotse-<service>`` (see :func:`application_name`).
APPLICATION_PREFIX = "lotse-"


def application_name(service: str) -> str:
    return f"{APPLICATION_PREFIX}{service}"


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release a connection without asyncpg's reset query (one round trip per release).

    The pool still rolls back an open transaction. What the reset query would undo, no pooled
    connection of ours ever holds: advisory locks are transaction-level, the outbox relay
    UNLISTENs before it lets its connection go, and there are no session SETs or cursors
    (tests/unit/test_session_state.py keeps it so).
    """


async def create_pool(
    database_url: str,
    *,
    min_size: int = 2,
    max_size: int = 10,
    application_name: str | None = None,
    session_settings: Mapping[str, str] | None = None,
    on_release: Callable[[asyncpg.Connection], None] | None = None,
) -> asyncpg.Pool:
    """``application_name`` names the service to PostgreSQL: in ``pg_stat_activity``, and in the
    outbox trigger's notification for sessions that still send one (see outbox.py).
    ``session_settings`` are set on every session; ``on_release`` sees each connection as it goes
    back to the pool (the outbox's in-process wake uses both).

    A first connection that fails raises :class:`~lotse.shared.dependencies.DependencyError`
    naming LOTSE_DATABASE_URL; later, the pool logs once when the database goes away and once
    when it is reachable again."""

    async def release(conn: asyncpg.Connection) -> None:
        if on_release is not None:
            on_release(conn)
        await _keep_session(conn)

    # Every statement here is a short OLTP one; PostgreSQL's JIT compiled the matcher's pool query
    # (estimated costly at a year's size) for 139 of its 540 ms each time (review 9b, F12).
    server_settings = {"jit": "off", **(session_settings or {})}
    if application_name:
        server_settings["application_name"] = application_name
    watch = DatabaseWatch(database_url)
    with naming(DATABASE, database_url):
        pool = await asyncpg.create_pool(
            database_url,
            connect=watch.connect,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            reset=release,
            command_timeout=30,
            server_settings=server_settings,
        )
    assert pool is not None
    watch.armed = True
    return pool
