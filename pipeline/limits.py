"""Per-item budgets: how long one document may take, and how large the process may grow
while it is read, so one hostile or huge item becomes a Failure instead of a hang or an
out-of-memory kill.

`item_budget(seconds, max_rss)` arms a repeating SIGALRM timer; every `CHECK_EVERY`
seconds its handler looks at the clock and at the process's resident memory and raises
TimeBudgetError or MemoryBudgetError inside the block. Signals are delivered to the main
thread between Python bytecodes: a long call into C (one lxml parse) is interrupted when it
returns, which is why ingest also caps input sizes (a 20 MB file, 25 M characters of text).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

#: How often the budget is checked, in seconds.
CHECK_EVERY = 0.1
_STATM = Path("/proc/self/statm")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class BudgetError(Exception):
    """An item ran past its budget (time or memory); the caller makes it a Failure."""


class TimeBudgetError(BudgetError):
    pass


class MemoryBudgetError(BudgetError):
    pass


def resident_bytes() -> int | None:
    """This process's resident memory now (Linux), or None where it cannot be read."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def usable() -> bool:
    """Budgets need SIGALRM and the main thread; elsewhere a block runs unbounded."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def item_budget(seconds: float, max_rss: int = 0) -> Iterator[None]:
    """Interrupt the block after `seconds` of wall time (0: no time limit) or once the
    process's resident memory passes `max_rss` bytes (0: no memory limit).

    Raises:
        TimeBudgetError, MemoryBudgetError: inside the block, when a budget is spent.
    """
    watch_memory = max_rss > 0 and resident_bytes() is not None
    if not (seconds > 0 or watch_memory) or not usable():
        yield
        return
    started = time.monotonic()

    def check(signum: int, frame: object) -> None:
        if seconds > 0 and time.monotonic() - started > seconds:
            raise TimeBudgetError(f"over {seconds:g} s")
        if watch_memory and (resident_bytes() or 0) > max_rss:
            raise MemoryBudgetError(f"over {max_rss / 2**20:,.0f} MiB")

    previous = signal.signal(signal.SIGALRM, check)
    first = min(seconds, CHECK_EVERY) if seconds > 0 else CHECK_EVERY
    signal.setitimer(signal.ITIMER_REAL, first, CHECK_EVERY)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def over_budget(exc: BudgetError, what: str, seconds: float, max_rss: int, group: str) -> str:
    """The Failure reason for an item over its budget, naming the setting to raise."""
    if isinstance(exc, MemoryBudgetError):
        return (
            f"{what} grew the process past its memory cap ({max_rss / 2**20:,.0f} MiB); "
            "raise memory_cap_mib in [thesis] or split the item"
        )
    return (
        f"{what} ran over its time budget ({seconds:g} s); raise time_budget in "
        f"[thesis.{group}] or split the item"
    )


@dataclass(frozen=True)
class Budget:
    """What one item of a stage may use: `seconds` of wall time and the process's resident
    memory up to `max_rss` bytes (0: unbounded). `group` is the settings table that holds
    the stage's `time_budget`, for the message."""

    seconds: float = 0.0
    max_rss: int = 0
    group: str = "ingest"

    def bounded(self) -> AbstractContextManager[None]:
        return item_budget(self.seconds, self.max_rss)

    def reason(self, exc: BudgetError, what: str) -> str:
        return over_budget(exc, what, self.seconds, self.max_rss, self.group)
