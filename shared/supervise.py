"""Background loops that must not die unseen (review 10b, F3).

A service's loops (the outbox relay, the notifier's delivery loops, periodic jobs) each run as an
asyncio task that ends only when it is cancelled at shutdown. One that ended otherwise, of an
exception none of its handlers expected, used to end silently: the process kept answering its
probes while it published, sent or ran nothing, until someone restarted it. Now the failure is
logged at once with its traceback, and the service is asked to stop; it then exits with code 1,
so that systemd (``Restart=on-failure``) or Kubernetes starts it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Names of the tasks that failed in this process; the exit code reads it (:func:`exit_code`).
_failed: list[str] = []


def watch(task: asyncio.Future[None], stop: Callable[[], None]) -> asyncio.Future[None]:
    """Call ``stop`` when ``task`` ends with an exception; a cancelled task is a shutdown, and a
    task that returns (a loop that is switched off) is left alone."""

    def ended(done: asyncio.Future[None]) -> None:
        if done.cancelled() or done.exception() is None:
            return
        name = done.get_name() if isinstance(done, asyncio.Task) else repr(done)
        _failed.append(name)
        log.critical("background task failed; stopping the service so that it is started again",
                     extra={"task": name}, exc_info=done.exception())
        stop()

    task.add_done_callback(ended)
    return task


def exit_code() -> int:
    """1 once a watched task failed in this process, else 0."""
    return 1 if _failed else 0
