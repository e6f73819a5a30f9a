"""The delivery loops of one notifier process, and who is woken for new work.

A commit wakes one waiting loop, not all: at a trickle of registrations, waking every loop cost an
empty claim (and, before, an SMTP reconnect) per loop per email. A loop that claims a full batch
wakes another, so a backlog soon has every loop (each with its own SMTP connection) sending.
"""

from __future__ import annotations

from collections.abc import Sequence

from lotse.notifier.delivery import DeliveryLoop


class Lanes:
    def __init__(self, loops: Sequence[DeliveryLoop]) -> None:
        self.loops = list(loops)
        for loop in self.loops:
            loop.on_full_batch = self.wake

    def wake(self) -> None:
        for loop in self.loops:
            if loop.waiting:
                loop.wake()
                return
        # Every loop is busy (or already woken): each looks again once its batch is done, so the
        # new notification is not left until the next timeout.
        for loop in self.loops:
            loop.wake()
