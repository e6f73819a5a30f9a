"""A small sliding-window limiter per client address, in process memory.

Each intake instance limits on its own; behind N instances the effective limit is N times
higher, which is acceptable for abuse protection of public forms (see docs/decisions.md).
"""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    def __init__(self, limit: int, window_s: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window_s = window_s
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._swept_at = 0.0

    def _sweep(self, now: float) -> None:
        """Forget the addresses whose hits have all left the window, once a window: a client's
        address is kept for at most two windows after its last request (the privacy notice says
        "a few minutes"), not until the process ends."""
        if now - self._swept_at >= self.window_s:
            self._evict(now)
            self._swept_at = now

    def allow(self, key: str, now: float | None = None) -> bool:
        """Record a hit for ``key``; False when it is over the limit (0 = unlimited)."""
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        self._sweep(now)
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._evict(now)
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= self.window_s:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def take_back(self, key: str) -> None:
        """Un-count the newest hit for ``key``: an attempt that turned out not to be abuse.

        Counting first and taking back after means parallel requests cannot all slip in
        before the first of them is counted."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def full(self, key: str, now: float | None = None) -> bool:
        """The next :meth:`allow` for ``key`` would be refused (as long as no hit leaves the window)."""
        if self.limit <= 0:
            return False
        now = time.monotonic() if now is None else now
        return sum(1 for hit in self._hits.get(key, ()) if now - hit < self.window_s) >= self.limit

    def forget(self, key: str) -> None:
        self._hits.pop(key, None)

    def retry_after_s(self, key: str, now: float | None = None) -> int:
        hits = self._hits.get(key)
        if not hits:
            return 0
        now = time.monotonic() if now is None else now
        return max(1, int(self.window_s - (now - hits[0]) + 0.999))

    def _evict(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= self.window_s]:
            del self._hits[key]
