"""Budgets hold in any thread: SIGALRM in the main thread, a watcher thread elsewhere (a
Dask worker runs each task in a thread of its own) (pipeline/limits.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from pipeline.limits import MemoryBudgetError, TimeBudgetError, item_budget, resident_bytes


def _in_thread(block: Callable[[], object]) -> object:
    """What `block` returns or raises, run in a thread that is not the main one."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(block())
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the budget never interrupted the block"
    return out[0]


def _runaway() -> float:
    started = time.monotonic()
    try:
        with item_budget(0.3):
            while True:
                pass
    except TimeBudgetError:
        return time.monotonic() - started


def test_limits_a_block_in_another_thread_is_stopped_at_its_time_budget() -> None:
    took = _in_thread(_runaway)
    assert isinstance(took, float) and 0.3 <= took < 2.0


def _many_quick_blocks() -> str:
    for _ in range(300):
        with item_budget(0.02):
            sum(range(2_000))
    time.sleep(0.3)  # an error raised too late would arrive here
    return "done"


def test_limits_a_block_in_another_thread_that_ends_in_time_is_never_interrupted_later() -> None:
    assert _in_thread(_many_quick_blocks) == "done"
    assert [t.name for t in threading.enumerate() if t.name == "item-budget"] == []


def _hoarder() -> str:
    hoard = []
    try:
        with item_budget(0, (resident_bytes() or 0) + 100 * 2**20):
            while True:
                hoard.append(bytearray(2**20))
    except MemoryBudgetError:
        return "stopped"


def test_limits_a_block_in_another_thread_is_stopped_at_its_memory_cap() -> None:
    if resident_bytes() is None:
        pytest.skip("resident memory cannot be read on this platform")
    assert _in_thread(_hoarder) == "stopped"
