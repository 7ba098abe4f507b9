"""Engine: where per-item work runs, for the stages that read items one by one (parsing,
extraction). `map_items` maps a function over items in this process, in a local pool of
worker processes, or on a Dask cluster, and yields the results in input order.

Input: a picklable function of one item (module-level, or a functools.partial of one) and
the items, read lazily. Output: one result per item, in input order, never one twice.
Side effects: worker processes or cluster tasks only; the caller stays the single writer
of the store. Workers start from a fork server (spawn where there is none), never by
forking this process, which may run threads (progress bars, a test's HTTP server).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Generic, TypeVar

from pipeline.errors import ThesisError
from pipeline.settings import Settings

A = TypeVar("A")
R = TypeVar("R")

#: Items handed out ahead of the one awaited, per worker: enough to keep every worker busy
#: while results are taken in order, few enough to hold little in memory.
AHEAD_PER_WORKER = 4
#: Imported once by the fork server, so each worker starts with the parsers, spaCy and the
#: extraction models loaded (pipeline/extract/warm.py).
PRELOAD = ["pipeline.ingest.documents", "pipeline.extract.warm"]
#: The reason an item's Failure gives when the process reading it died on it twice.
WORKER_DIED = (
    "the worker process died on it twice (killed, out of memory, or a crash in native "
    "code); it was set aside and the batch went on. It is tried again once it or the code "
    "changes; please report it with the item attached."
)

#: A pool whose first worker cannot start: most often a script without the main guard.
NO_START = (
    "worker processes could not start ({exc}). Each worker imports the main script: a "
    'script that runs the pipeline must do so under `if __name__ == "__main__":`. Or run in '
    "this process alone: --workers 1, or workers = 1 in [thesis]"
)


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def worker_count(settings: Settings) -> int:
    """How many processes parse and extract: `settings.workers`, 0 meaning one per core.

    Raises:
        ThesisError: a negative number.
    """
    if settings.workers < 0:
        raise ThesisError(
            f"workers is {settings.workers}; give 0 (one per core), 1 (this process alone) "
            "or more, in --workers or [thesis] workers"
        )
    return settings.workers or available_cores()


def map_items(
    func: Callable[[A], R],
    items: Iterable[A],
    settings: Settings | None,
    lost: Callable[[A], R],
) -> Iterator[R]:
    """`func(item)` for each item, in input order: on the Dask cluster at
    `settings.scheduler`, else in `worker_count(settings)` local processes (this process
    alone for one worker, one item, or no settings).

    `func` must make every error of an item its result (a Failure); an exception it
    raises is a bug and stops the run. An item whose worker process dies is tried again
    alone; if that worker dies too, the item's result is `lost(item)`. An error raised by
    `items` itself comes after the results of the items before it.

    Raises:
        ThesisError: `settings.workers` is negative, or worker processes cannot start;
            with a scheduler, Dask is missing, or the cluster cannot be reached or runs
            other code.
    """
    if settings is not None and settings.scheduler:
        from pipeline.cluster import map_on_cluster  # Dask is imported only when asked for

        reader = ReadAhead(items)
        yield from map_on_cluster(func, reader, settings.scheduler, lost)
        reader.raise_held_back()
        return
    workers = worker_count(settings) if settings is not None else 1
    if workers == 1:
        yield from map(func, items)
        return
    reader = ReadAhead(items)
    head = reader.take(2)
    if len(head) < 2:  # one item is not worth starting a worker for
        yield from map(func, head)
    else:
        yield from _in_pool(func, head, reader, workers, lost)
    reader.raise_held_back()


class ReadAhead(Generic[A]):
    """Items, read ahead of their results: an error of the items themselves is held back
    (`raise_held_back`) until the results of the items before it are out."""

    def __init__(self, items: Iterable[A]) -> None:
        self._source = iter(items)
        self._error: Exception | None = None
        self._done = False

    def take(self, count: int) -> list[A]:
        """Up to `count` more items; fewer once the items end or fail."""
        taken: list[A] = []
        while not self._done and len(taken) < count:
            try:
                taken.append(next(self._source))
            except StopIteration:
                self._done = True
            except Exception as exc:
                self._error, self._done = exc, True
        return taken

    def raise_held_back(self) -> None:
        if self._error is not None:
            raise self._error


def _in_pool(
    func: Callable[[A], R],
    head: list[A],
    reader: ReadAhead[A],
    workers: int,
    lost: Callable[[A], R],
) -> Iterator[R]:
    """`func` over `head` and the rest of `reader` in a pool of `workers` processes, at
    most AHEAD_PER_WORKER items a worker ahead of the result awaited. When the pool breaks
    (a worker died), the items it held are tried again one by one, and a new pool takes
    the rest."""
    ahead: deque[tuple[A, Future[R]]] = deque()
    pool = _pool(workers)
    try:
        waiting = head
        while True:
            ahead.extend((item, _submit(pool, func, item)) for item in waiting)
            if not ahead:
                return
            item, future = ahead.popleft()
            if _broken(future):
                held = [(item, future), *ahead]
                ahead.clear()
                pool.shutdown(wait=True)
                yield from _one_by_one(func, held, lost)
                pool = _pool(workers)
            else:
                yield future.result()
            waiting = reader.take(workers * AHEAD_PER_WORKER - len(ahead))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _one_by_one(
    func: Callable[[A], R], held: list[tuple[A, Future[R]]], lost: Callable[[A], R]
) -> Iterator[R]:
    """The items a broken pool held, in order: a result it finished is kept; every other
    item runs alone in a fresh worker, and one that kills that worker too is `lost`."""
    pool: ProcessPoolExecutor | None = None
    try:
        for item, future in held:
            if not _broken(future):
                yield future.result()
                continue
            pool = pool or _pool(1)
            again = _submit(pool, func, item)
            if _broken(again):
                pool.shutdown(wait=True)
                pool = None
                yield lost(item)
            else:
                yield again.result()
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _broken(future: Future[R]) -> bool:
    """Wait for `future`; whether its pool broke under it (a worker process died)."""
    try:
        future.result()
    except BrokenProcessPool:
        return True
    except Exception:
        return False  # the caller's future.result() raises it
    return False


def _submit(pool: ProcessPoolExecutor, func: Callable[[A], R], item: A) -> Future[R]:
    """`pool.submit`; a pool already broken gives a future that says so, not an error."""
    try:
        return pool.submit(func, item)
    except BrokenProcessPool as exc:
        failed: Future[R] = Future()
        failed.set_exception(exc)
        return failed


def _pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes from the fork server (spawned where there is none), once one has
    shown it starts. Forking this process is avoided: it may run threads, whose locks a
    forked child would inherit held.

    Raises:
        ThesisError: a worker process cannot start.
    """
    context: BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(PRELOAD)
        context = forkserver
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        pool.submit(os.getpid).result()
    except BrokenProcessPool as exc:
        pool.shutdown(wait=True)
        raise ThesisError(NO_START.format(exc=exc)) from exc
    return pool
