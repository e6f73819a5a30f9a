"""One JSON line per log event, on stderr, so every service's output can be grepped and parsed."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from aiohttp.http_exceptions import BadHttpMessage

# Attributes every LogRecord has; anything else passed through ``extra=`` is a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


# No personal data or secrets in logs, whatever a library or a server reply puts in a message:
# e-mail addresses, and the signed tokens in link paths (/verify/<token>, /manage/<token>, ...).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_LINK_TOKEN = re.compile(r"/(verify|manage|respond|checkin|password)/[^/\s\"'?]+")


def redact(text: str) -> str:
    return _LINK_TOKEN.sub(r"/\1/[token]", _EMAIL.sub("[email]", text))


class JsonLineFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(line, default=str, ensure_ascii=False))


# The libraries' reconnect chatter (review 8g, an outage of 30 s wrote up to 97 lines, tracebacks
# included): what our own lines say once ("broker connection lost", "broker connection restored",
# "database unreachable", "database reachable again", "waiting for …") is DEBUG; asyncpg's
# retry of its connection floor stays a warning (it repeats with back-off), without its traceback.
# Anything else they log (a real error) is left as it is.
_SAID_BY_US = {
    ("aiormq.connection", "Cancelling cause reader exited abnormally"),  # the link dropped
    ("aiormq.connection", "error when creating transport: %r"),  # aio-pika says it again, masked
}
_WITHOUT_TRACEBACK = {("asyncpg.pool", "Failed to restore the pool connection floor; retrying")}
# The broker closing our connection (an operator's `rabbitmqctl close_connection`, a broker going
# down): aiormq says so as an ERROR, though we reconnect at once and say "broker connection lost"
# ourselves. Its line keeps the broker's reason (who closed it), as a warning (review 10b, F6).
_BROKER_CLOSED = ("aiormq.connection",
                  'Unexpected connection close from remote "%s", Connection.Close(reply_code=%r, reply_text=%r)')


def _is_channel_closing(record: logging.LogRecord) -> bool:
    """aio-pika's ``RobustChannel._on_close`` callback failing because its connection just closed."""
    if record.name != "aio_pika.tools" or record.msg != "Callback %r error: %s: %s":
        return False
    args = record.args if isinstance(record.args, tuple) else ()
    callback = getattr(args[0], "callback", None) if args else None  # no repr(): it can raise
    # ChannelInvalidStateError ("No active transport in channel") when the broker closed it (review 10b).
    return getattr(callback, "__qualname__", "") == "RobustChannel._on_close" and args[1:2] in (
        ("RuntimeError",), ("ChannelInvalidStateError",))


def _is_refused_request(record: logging.LogRecord) -> bool:
    """aiohttp's parser refusing what a client sent (a request line or header over its 8190 bytes,
    not HTTP at all): it answers 400 itself, before any of intake's code, and logs an error with a
    traceback per request, so anyone could fill the error log (review 9a F5)."""
    return record.name == "aiohttp.server" and record.exc_info is not None and isinstance(
        record.exc_info[1], BadHttpMessage)


def quiet_reconnects(record: logging.LogRecord) -> bool:
    """A handler filter: False drops ``record``; a kept one may have been made DEBUG or shorter."""
    if _is_refused_request(record):
        assert record.exc_info is not None
        # Only the kind: the exception's text and aiohttp's message carry the start of the line
        # (a token, a cookie) and the client's address.
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = f"request refused by the HTTP parser: {type(record.exc_info[1]).__name__}"
        record.args, record.exc_info, record.exc_text = None, None, None
        return logging.getLogger().isEnabledFor(logging.WARNING)
    key = (record.name, record.msg)
    if key in _SAID_BY_US or _is_channel_closing(record):
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)
    if key == _BROKER_CLOSED and record.levelno > logging.WARNING:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return logging.getLogger().isEnabledFor(logging.WARNING)
    if key in _WITHOUT_TRACEBACK and record.exc_info:
        reason = record.exc_info[1]
        record.msg = f"{record.getMessage()}: {type(reason).__name__}: {reason}"
        record.args, record.exc_info, record.exc_text = None, None, None
    return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLineFormatter(service))
    handler.addFilter(quiet_reconnects)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aio-pika/aiormq log every reconnect attempt at length; our own lines say what matters.
    for noisy in ("aiormq", "aio_pika", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
