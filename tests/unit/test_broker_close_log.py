"""The broker closing our connection is an expected fault: a warning with the broker's reason, not
two ERROR lines from the libraries (review 10b, F6: `rabbitmqctl close_connection`)."""

from __future__ import annotations

import logging

from aio_pika.robust_channel import RobustChannel
from aio_pika.tools import OneShotCallback

from lotse.shared.logs import quiet_reconnects


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_a_connection_the_broker_closed_is_a_warning_that_keeps_the_reason() -> None:
    record = _record("aiormq.connection",
                     'Unexpected connection close from remote "%s", Connection.Close(reply_code=%r, reply_text=%r)',
                     "amqp://guest:******@127.0.0.1:5672/lotse", 320, "CONNECTION_FORCED - closed by the operator")
    assert quiet_reconnects(record)
    assert (record.levelno, record.levelname) == (logging.WARNING, "WARNING")
    assert "CONNECTION_FORCED - closed by the operator" in record.getMessage()


def test_the_robust_channel_closing_without_transport_is_debug() -> None:
    callback = OneShotCallback(RobustChannel._on_close)
    record = _record("aio_pika.tools", "Callback %r error: %s: %s", callback, "ChannelInvalidStateError",
                     "No active transport in channel")
    quiet_reconnects(record)
    assert record.levelno == logging.DEBUG


def test_another_library_error_stays_an_error() -> None:
    record = _record("aiormq.connection", "Unexpected frame %r", "frame")
    assert quiet_reconnects(record)
    assert record.levelno == logging.ERROR
