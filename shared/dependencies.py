"""Why the database or the broker cannot be reached, said in one line that names the variable.

Connecting is where a day-one mistake shows (a wrong password, database or vhost, an ``@`` left
unencoded in a password, a server that is not running). asyncpg and aiormq say it in their own
words, some only in a traceback; :class:`DependencyError` says it as
``LOTSE_DATABASE_URL (lotse@db:5432/lotse): password authentication failed``, never with the
password, and tells whether waiting can help (``permanent``: it cannot, so nobody waits for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

import aiormq.exceptions
import asyncpg
from aio_pika.abc import AbstractRobustConnection

log = logging.getLogger(__name__)

DATABASE = "LOTSE_DATABASE_URL"
BROKER = "LOTSE_AMQP_URL"
_DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}

# What a connection attempt raises; anything else is a bug of ours and keeps its traceback.
CONNECT_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  aiormq.exceptions.AMQPError)


class DependencyError(Exception):
    """The database or the broker named by ``variable`` cannot be used; ``str()`` is the one line."""

    def __init__(self, variable: str, url: str, cause: str, *, permanent: bool) -> None:
        super().__init__(f"{variable} ({where(url)}): {cause}")
        self.variable, self.cause, self.permanent = variable, cause, permanent


def where(url: str) -> str:
    """``user@host:port/path`` of ``url``: enough to see which server, never the password."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    try:
        port = str(parts.port or _DEFAULT_PORTS.get(parts.scheme) or "")
    except ValueError:  # "db:notaport": say it as written
        port = parts.netloc.rpartition(":")[2]
    return f"{user}{parts.hostname or ''}:{port}{parts.path or '/'}"


def unencoded_at(url: str) -> bool:
    """More than one ``@`` before the host: the user name or password holds one unencoded. asyncpg
    then takes the rest of the password for the host name (aio-pika's parser copes)."""
    return urlsplit(url).netloc.count("@") > 1


def explain(variable: str, url: str, exc: BaseException) -> DependencyError:
    cause, permanent = _cause(url, exc)
    error = DependencyError(variable, url, cause, permanent=permanent)
    error.__cause__ = exc
    return error


def _cause(url: str, exc: BaseException) -> tuple[str, bool]:
    # Wrong credentials, database or vhost: the server answered and said no; it will say no again.
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return "password authentication failed (check the user name and password)", True
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError | asyncpg.InvalidCatalogNameError):
        return str(exc), True  # "no pg_hba.conf entry for …", "database "x" does not exist"
    if isinstance(exc, aiormq.exceptions.ProbableAuthenticationError):
        hint = '; it contains an unencoded "@": write it as %40' if unencoded_at(url) else ""
        return f"the broker refused the login (check the user name and password{hint})", True
    if isinstance(exc, aiormq.exceptions.InvalidFrameError) and "Connection.Close" in str(exc):
        # aiormq drops the broker's reason here; opening the vhost is the only step that answers so.
        vhost = unquote(urlsplit(url).path.removeprefix("/")) or "/"
        return (f"the broker refused access to vhost {vhost!r} (it does not exist, or the user has no "
                "permissions on it)"), True
    if isinstance(exc, aiormq.exceptions.ConnectionClosed) and exc.args and exc.args[0] in (403, 530):
        return str(exc.args[1] if len(exc.args) > 1 else exc), True
    if isinstance(exc, socket.gaierror):
        if unencoded_at(url):
            return 'the user name or password contains an unencoded "@" (write it as %40)', True
        return f"host name {urlsplit(url).hostname!r} not found", False
    # Not (yet) answering: a server still starting, restarting, or not started. Worth waiting for.
    if isinstance(exc, ConnectionRefusedError) or (
            isinstance(exc, aiormq.exceptions.AMQPConnectionError) and exc.args and exc.args[0] == 111):
        return "connection refused (is it running, and on this port?)", False
    if isinstance(exc, asyncio.TimeoutError):
        return "no answer in time", False
    return str(exc) or type(exc).__name__, False


@contextlib.contextmanager
def naming(variable: str, url: str) -> Iterator[None]:
    """Turn a failed connection attempt inside into a :class:`DependencyError`."""
    try:
        yield
    except CONNECT_ERRORS as exc:
        raise explain(variable, url, exc) from exc


class DatabaseWatch:
    """A pool's ``connect``: says once that the database went away and once that it is back.

    Quiet until ``armed`` (after the pool first came up): failures at start-up are the
    start-up wait's to report."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.armed = False
        self.down = False

    async def connect(self, *args: object, **kwargs: object) -> asyncpg.Connection:
        try:
            conn = await asyncpg.connect(*args, **kwargs)
        except CONNECT_ERRORS as exc:
            if self.armed and not self.down:
                self.down = True
                log.warning("database unreachable", extra={
                    "variable": DATABASE, "error": explain(DATABASE, self._url, exc).cause})
            raise
        if self.down:
            self.down = False
            log.info("database reachable again", extra={"variable": DATABASE})
        return conn


def watch_broker(connection: AbstractRobustConnection) -> None:
    """One warning when the broker link drops, one info line when aio-pika has it back."""
    down = False

    def lost(_: object, exc: BaseException | None = None) -> None:
        nonlocal down
        if connection.close_called or down:  # our own close at shutdown; or already said
            return
        down = True
        log.warning("broker connection lost", extra={
            "variable": BROKER, "error": (str(exc) or type(exc).__name__) if exc else "closed"})

    def restored(_: object) -> None:
        nonlocal down
        if down:
            down = False
            log.info("broker connection restored", extra={"variable": BROKER})

    connection.close_callbacks.add(lost)
    connection.reconnect_callbacks.add(restored)
