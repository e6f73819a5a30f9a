"""aiohttp's parser refusals are one warning line; a handler's unexpected error stays an error with its
traceback (review 9a F5; the over-long request itself: tests/e2e/test_refused_requests.py)."""

from __future__ import annotations

import logging
import sys

from aiohttp.http_exceptions import BadStatusLine, LineTooLong

from lotse.shared.logs import quiet_reconnects


def _record(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        exc_info = sys.exc_info()
    return logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1, "Error handling request from %s",
                             ("192.0.2.7",), exc_info)


def test_a_parser_refusal_is_a_warning_without_traceback_address_or_content() -> None:
    for exc in (LineTooLong("/manage/tok" + "a" * 200, "8190"), BadStatusLine("\x16\x03\x01")):
        record = _record(exc)
        assert quiet_reconnects(record)
        assert (record.levelno, record.levelname) == (logging.WARNING, "WARNING")
        assert record.getMessage() == f"request refused by the HTTP parser: {type(exc).__name__}"
        assert record.exc_info is None


def test_an_unexpected_error_in_a_handler_keeps_its_level_and_traceback() -> None:
    record = _record(RuntimeError("boom"))
    assert quiet_reconnects(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert record.getMessage() == "Error handling request from 192.0.2.7"
