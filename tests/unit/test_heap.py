"""Settling the heap: startup's garbage is collected, what is alive leaves the collector's
full passes, and is still freed when nothing refers to it any more."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from lotse.shared import heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def test_settle_collects_startup_garbage_then_freezes_what_lives() -> None:
    cycle_a, cycle_b = Node(), Node()
    cycle_a.other, cycle_b.other = cycle_b, cycle_a
    garbage = weakref.ref(cycle_a)
    del cycle_a, cycle_b
    kept = Node()
    assert heap.settle() == gc.get_freeze_count() > 0
    assert garbage() is None  # collected before the freeze, not kept for ever
    assert all(o is not kept for o in gc.get_objects())  # out of the collector's passes
    released = weakref.ref(kept)
    del kept
    assert released() is None  # frozen, yet freed by its reference count
