"""Per-item budgets: how long one document may take, and how large the process may grow
while it is read, so one hostile or huge item becomes a Failure instead of a hang or an
out-of-memory kill.

`item_budget(seconds, max_rss)` arms a repeating SIGALRM timer; every `CHECK_EVERY`
seconds its handler looks at the clock and at the process's resident memory and raises
TimeBudgetError or MemoryBudgetError inside the block. Signals are delivered to the main
thread between Python bytecodes: a long call into C (one lxml parse) is interrupted when it
returns, which is why ingest also caps input sizes (a 20 MB file, 25 M characters of text).
In any other thread (a Dask worker runs tasks in threads) a watcher thread makes the same
checks and raises the error in the block's thread, likewise between bytecodes.
"""

from __future__ import annotations

import ctypes
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
    """Budgets need SIGALRM in the main thread, or, in another thread (a Dask worker's),
    CPython's asynchronous exceptions; elsewhere a block runs unbounded."""
    return hasattr(signal, "setitimer") and (_in_main_thread() or _async_exceptions())


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _async_exceptions() -> bool:
    return hasattr(ctypes, "pythonapi") and hasattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc")


@contextmanager
def item_budget(seconds: float, max_rss: int = 0) -> Iterator[None]:
    """Interrupt the block after `seconds` of wall time (0: no time limit) or once the
    process's resident memory passes `max_rss` bytes (0: no memory limit).

    In the main thread a SIGALRM handler checks; in another thread a watcher thread does,
    and raises the error in the block's thread between two bytecodes, as a signal would.

    Raises:
        TimeBudgetError, MemoryBudgetError: inside the block, when a budget is spent.
    """
    watch_memory = max_rss > 0 and resident_bytes() is not None
    if not (seconds > 0 or watch_memory) or not usable():
        yield
        return
    spent = _Spent(time.monotonic(), seconds, max_rss if watch_memory else 0)
    block = _alarmed if _in_main_thread() else _watched
    with block(spent):
        yield


@dataclass(frozen=True)
class _Spent:
    """Which budget of a block is spent, if any."""

    started: float
    seconds: float
    max_rss: int

    def error(self) -> BudgetError | None:
        if self.seconds > 0 and time.monotonic() - self.started > self.seconds:
            return TimeBudgetError(f"over {self.seconds:g} s")
        if self.max_rss and (resident_bytes() or 0) > self.max_rss:
            return MemoryBudgetError(f"over {self.max_rss / 2**20:,.0f} MiB")
        return None

    @property
    def first_check(self) -> float:
        return min(self.seconds, CHECK_EVERY) if self.seconds > 0 else CHECK_EVERY


@contextmanager
def _alarmed(spent: _Spent) -> Iterator[None]:
    """The main thread: a repeating SIGALRM whose handler raises once a budget is spent."""

    def check(signum: int, frame: object) -> None:
        if (error := spent.error()) is not None:
            raise error

    previous = signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, spent.first_check, CHECK_EVERY)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _watched(spent: _Spent) -> Iterator[None]:
    """Another thread: a watcher raises the error's class in it once a budget is spent
    (an asynchronous exception carries no message; the caller's reason names the budget)."""
    target = threading.get_ident()
    over = threading.Event()  # set once the block is over: the watcher stops
    lock = threading.Lock()  # no error is raised in the thread once the block is over

    def watch() -> None:
        wait = spent.first_check
        while not over.wait(wait):
            wait = CHECK_EVERY
            if (error := spent.error()) is not None:
                with lock:
                    if not over.is_set():
                        _raise_in(target, type(error))
                return

    watcher = threading.Thread(target=watch, name="item-budget", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        with lock:
            over.set()
            _raise_in(target, None)  # an error raised too late to arrive is withdrawn
        watcher.join()


def _raise_in(thread: int, error: type[BaseException] | None) -> None:
    """Raise `error` in `thread` at its next bytecode (None: withdraw one not yet raised)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread), ctypes.py_object(error) if error is not None else None
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
        """The Failure reason for an item over this budget, naming the setting to raise."""
        if isinstance(exc, MemoryBudgetError):
            return (
                f"{what} grew the process past its memory cap "
                f"({self.max_rss / 2**20:,.0f} MiB); raise memory_cap_mib in [thesis] or "
                "split the item"
            )
        return (
            f"{what} ran over its time budget ({self.seconds:g} s); raise time_budget in "
            f"[thesis.{self.group}] or split the item"
        )
