"""Work a request leaves for after its answer: tasks the app holds, so shutdown waits for them.

For answers whose timing must not depend on what the work finds (/new-link: a registered address
costs an outbox write that an unknown one does not, review 9a F10). The work is not lost while the
service stops normally (``finish``); a crash loses it, as it would lose the request itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Final

log = logging.getLogger(__name__)

#: How long a stopping intake waits for such work. Each job is a few statements (milliseconds);
#: well inside Kubernetes' default 30 s grace period after aiohttp's own 10 s for open requests.
FINISH_WITHIN_S: Final = 5.0


class AfterResponse:
    """The pending jobs of one app. Errors are logged with the job's name only: a job's arguments
    (an e-mail address) stay out of the line, and shared.logs redacts what an exception says."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: Coroutine[Any, Any, object], *, name: str) -> None:
        """Run ``job`` beside the request; the caller answers without waiting for it."""
        task = asyncio.create_task(self._run(job, name), name=name)
        self._tasks.add(task)  # held here: the loop keeps only a weak reference to a task
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(job: Coroutine[Any, Any, object], name: str) -> None:
        try:
            await job
        except Exception:  # nobody awaits the task: this line is the only trace of the failure
            log.exception("work after the answer failed", extra={"job": name})

    async def finish(self, within_s: float = FINISH_WITHIN_S) -> None:
        """Wait for the pending jobs, at most ``within_s``; then cancel what is left."""
        if not self._tasks:
            return
        log.info("waiting for work after answers", extra={"jobs": len(self._tasks)})
        _, late = await asyncio.wait(set(self._tasks), timeout=within_s)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
            log.warning("work after answers cancelled at shutdown", extra={"jobs": len(late)})
