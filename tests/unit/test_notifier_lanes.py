"""`lotse notifier` runs LOTSE_SMTP_CONNECTIONS delivery loops, each with its own SMTP connection.
A committed notification wakes one waiting loop; with none waiting, every loop looks again after
its batch; a loop that claims a full batch wakes a helper."""

from __future__ import annotations

import asyncio
import dataclasses
from types import CoroutineType
from typing import Any, cast

from lotse.notifier import main
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared.config import load_settings
from lotse.shared.runtime import Infrastructure


def test_one_delivery_loop_per_smtp_connection_one_woken_by_a_commit() -> None:
    settings = load_settings({"LOTSE_SECRET_KEY": "x" * 32, "LOTSE_SMTP_CONNECTIONS": "3"})
    infra = Infrastructure(settings, cast(Any, None), cast(Any, None), cast(Any, None), "notifier")  # nothing started
    components = main.setup(infra)
    background = [cast("CoroutineType[Any, Any, None]", c) for c in components.background]
    try:
        frames = [c.cr_frame for c in background if c.__qualname__ == "DeliveryLoop.run"]
        lanes = [frame.f_locals["self"] for frame in frames if frame is not None]  # None once a coroutine ended
        assert len(lanes) == 3 and all(isinstance(lane, DeliveryLoop) for lane in lanes)
        assert len({id(lane._sender) for lane in lanes}) == 3  # a connection each
        [consumer] = components.consumers
        assert isinstance(consumer, NotifierConsumer)
        for lane in lanes:
            lane._idle = True  # as while waiting in run()
        consumer._on_committed()
        assert [lane._wake.is_set() for lane in lanes] == [True, False, False]
        consumer._on_committed()  # the first is woken already: the next commit goes to another
        assert [lane._wake.is_set() for lane in lanes] == [True, True, False]
        lanes[1].on_full_batch()  # a full batch: one more helper
        assert all(lane._wake.is_set() for lane in lanes)
        for lane in lanes:
            lane._idle, lane._wake = False, asyncio.Event()  # all busy
        consumer._on_committed()
        assert all(lane._wake.is_set() for lane in lanes)  # each looks again after its batch
    finally:
        for coroutine in background:
            coroutine.close()


def test_the_default_is_four_connections() -> None:
    settings = load_settings({"LOTSE_SECRET_KEY": "x" * 32})
    assert settings.smtp_connections == 4
    assert dataclasses.replace(settings, smtp_connections=1).smtp_connections == 1
