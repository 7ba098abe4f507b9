"""Cluster: the engine's Dask back end (`--scheduler ADDRESS`, `[thesis] scheduler`).

Input: a picklable function of one item, the items and a scheduler address. Output: the
results, in input order, each item's once. Side effects: tasks on the cluster, whose
workers must have this package installed, at the same code. Dask (the `dask` extra) is
imported only here, and this module only when a scheduler is given.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.engine import ReadAhead
from pipeline.errors import ThesisError
from pipeline.provenance import code_digest

if TYPE_CHECKING:
    from distributed import Client, Future

A = TypeVar("A")
R = TypeVar("R")

#: Seconds to wait for the scheduler, and for a first worker to join it.
CONNECT_TIMEOUT = 10.0
#: Tasks handed to the cluster ahead of the result awaited, per worker thread.
AHEAD_PER_THREAD = 4
#: Dask runs a task again this many times after an error of its own (not a lost worker).
RETRIES = 1
#: Packages whose code must be the same on every worker as here: what parses and extracts.
CODE = ("pipeline.ingest", "pipeline.extract", "pipeline.kinds")
MISSING = (
    "--scheduler needs Dask, which is not installed: pip install 'thesis-tracker[dask]' "
    "(on this machine and on every worker), or leave out --scheduler and [thesis] scheduler"
)


def map_on_cluster(
    func: Callable[[A], R], items: ReadAhead[A], address: str, lost: Callable[[A], R]
) -> Iterator[R]:
    """`func(item)` for each item on the Dask cluster at `address`, in input order.

    A task whose worker is lost is resubmitted once the scheduler gives it up
    (KilledWorker); lost again, its result is `lost(item)`.

    Raises:
        ThesisError: Dask is not installed, the scheduler cannot be reached, or a worker
            lacks this package or runs other code.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise ThesisError(MISSING) from exc
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ThesisError(
            f"cannot reach the Dask scheduler ({exc}); start one with `dask scheduler` and "
            "workers with `dask worker ADDRESS`, or check --scheduler / [thesis] scheduler",
            address,
        ) from exc
    with client:
        _check_workers(client, address)
        yield from _mapped(client, func, items, lost)


def _mapped(
    client: Client, func: Callable[[A], R], items: ReadAhead[A], lost: Callable[[A], R]
) -> Iterator[R]:
    from distributed import KilledWorker

    threads = sum(client.nthreads().values()) or 1
    ahead: deque[tuple[A, Future[R], bool]] = deque()  # item, its task, resubmitted already
    try:
        while True:
            for item in items.take(threads * AHEAD_PER_THREAD - len(ahead)):
                ahead.append((item, _submit(client, func, item), False))
            if not ahead:
                return
            item, future, again = ahead.popleft()
            try:
                result: R = future.result()
            except KilledWorker:
                if again:
                    yield lost(item)
                else:
                    ahead.appendleft((item, _submit(client, func, item), True))
                continue
            except ModuleNotFoundError as exc:
                raise ThesisError(_not_installed(exc)) from exc
            except CancelledError as exc:  # the scheduler went away, or cancelled the task
                raise ThesisError(
                    f"the cluster stopped reading the items ({exc}); what was read is "
                    "stored, and running the command again goes on from there"
                ) from exc
            finally:
                future.release()
            yield result
    finally:
        for _, future, _ in ahead:
            future.cancel()


def _submit(client: Client, func: Callable[[A], R], item: A) -> Future[R]:
    # pure=False: every submission is a task of its own, run again rather than shared
    future: Future[R] = client.submit(func, item, pure=False, retries=RETRIES)
    return future


def _check_workers(client: Client, address: str) -> None:
    """Every worker can import this package and runs the same parsing and extraction code.

    Raises:
        ThesisError: no worker, a worker without the package, or one with other code.
    """
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        theirs: dict[str, Any] = client.run(code_here)
    except ModuleNotFoundError as exc:
        raise ThesisError(_not_installed(exc), address) from exc
    except TimeoutError as exc:
        raise ThesisError(
            f"the scheduler has no workers (none joined in {CONNECT_TIMEOUT:g} s); start some "
            f"with `dask worker {address}`",
            address,
        ) from exc
    ours = code_digest(*CODE)
    other = sorted(worker for worker, digest in theirs.items() if digest != ours)
    if other:
        raise ThesisError(
            f"{len(other)} worker(s) run other parsing or extraction code than this machine "
            f"({', '.join(other)}); install the same version of thesis-tracker on every "
            "worker and restart it, so each item is read alike wherever it runs",
            address,
        )


def code_here() -> str:
    """The digest of the parsing and extraction code in this process (run on each worker)."""
    return code_digest(*CODE)


def _not_installed(exc: ModuleNotFoundError) -> str:
    return (
        f"a Dask worker cannot import {exc.name or 'the pipeline'} ({exc}); install "
        "thesis-tracker (pip install 'thesis-tracker[dask]') on every worker and restart it"
    )
