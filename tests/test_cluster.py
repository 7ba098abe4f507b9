"""The Dask back end: parsing and extraction on a cluster store what one process stores;
a lost worker's items are retried, never lost or repeated (pipeline/cluster.py).

One LocalCluster of two worker processes serves the module. Its scheduler gives a task up
(KilledWorker) the first time a worker dies under it, so the engine's own retry is what
the tests see."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import dask
import pytest
from distributed import Client, LocalCluster

from pipeline import cluster as cluster_module
from pipeline import run as stages
from pipeline.cli import run_cli
from pipeline.engine import map_items
from pipeline.errors import ThesisError
from pipeline.models import Failure
from pipeline.settings import Settings
from pipeline.store.database import Store
from tests.conftest import make_article
from tests.test_engine import REAL, Job, attempt, extract_with_bugs, lost, tries
from tests.test_run import _everything


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
    ):
        yield cluster.scheduler_address


def _both_workers_up(scheduler: str) -> None:
    """Wait until the cluster has its two workers again (a test before may have lost one,
    and its nanny takes a while to start another on a loaded machine)."""
    with Client(scheduler, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)


def test_cluster_parsing_and_extraction_store_what_one_process_stores(
    scheduler: str, settings: Settings, tmp_path: Path, corpus_dir: Path
) -> None:
    broken = tmp_path / "in" / "broken.md"
    broken.parent.mkdir()
    broken.write_text("---\npublished: 2024-02-30\n---\nI expect IWM to rally 10% by June.\n")
    stored = []
    for name, where in (("here", {"workers": 1}), ("cluster", {"scheduler": scheduler})):
        run_settings = settings.with_overrides(db_path=tmp_path / f"{name}.db", **where)
        store = Store(run_settings.db_path)
        stages.ingest(store, [corpus_dir, broken.parent], run_settings)
        stages.extract(store, run_settings)
        stored.append(_everything(store))
        store.close()
    here, there = stored
    assert there == here
    assert len(here[0]) == 12 and len(here[1]) >= 40 and [f[0] for f in here[2]] == [str(broken)]


def test_cluster_an_article_that_raises_or_runs_over_its_budget_is_its_failure(
    scheduler: str,
) -> None:
    # a Dask worker runs tasks in a thread: the budget's watcher thread stops the runaway
    articles = [
        make_article("IWM could rally 10% in the coming month."),
        make_article("I think MSFT will fall 8% by the end of March."),
        make_article("I expect NVDA to rise 20% by the end of the year."),
    ]
    settings = Settings(workers=1, progress=False).with_overrides(extract={"time_budget": 1.0})
    work = partial(extract_with_bugs, settings=settings)
    here = list(map_items(work, articles, settings, REAL))
    there = list(map_items(work, articles, settings.with_overrides(scheduler=scheduler), REAL))
    assert there == here
    assert isinstance(there[1], Failure) and "ran over its time budget (1 s)" in there[1].reason
    assert isinstance(there[2], Failure) and "unexpected RuntimeError" in there[2].reason


@pytest.mark.slow
def test_cluster_a_lost_worker_items_are_retried_once_then_each_is_its_failure(
    scheduler: str, tmp_path: Path
) -> None:
    jobs = [Job(n, tmp_path, dies={2: 1, 4: 9}.get(n, 0)) for n in range(8)]
    results = [
        square for square, _ in map_items(attempt, jobs, Settings(scheduler=scheduler), lost)
    ]
    assert results == [-4 if n == 4 else n * n for n in range(8)]
    assert tries(jobs[2]) == 2  # died once, done on its resubmission
    # A task waiting on a worker that dies is given up with it (allowed-failures 0): the
    # item that always kills its worker may have run once or twice, never more.
    assert 1 <= tries(jobs[4]) <= 2 and all(tries(job) <= 2 for job in jobs)


def _thesis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = 0
    try:
        run_cli(["--quiet", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_cluster_without_dask_installed_is_an_error_saying_what_to_install(
    tmp_path: Path,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    db = str(tmp_path / "t.db")
    code, output = _thesis(
        capsys, "--db", db, "ingest", str(corpus_dir), "--scheduler", "tcp://h:8786"
    )
    assert code == 1 and "Traceback" not in output
    assert "Error: --scheduler needs Dask, which is not installed" in output
    assert "pip install 'thesis-tracker[dask]'" in output


def test_cluster_an_unreachable_scheduler_is_an_error_naming_it(
    tmp_path: Path,
    corpus_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 1.0)
    db, address = str(tmp_path / "t.db"), "tcp://127.0.0.1:9"
    code, output = _thesis(capsys, "--db", db, "ingest", str(corpus_dir), "--scheduler", address)
    assert code == 1 and "Traceback" not in output
    assert f"Error: {address}: cannot reach the Dask scheduler" in output
    assert "start one with `dask scheduler`" in output


def test_cluster_workers_with_other_code_are_refused(
    scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _both_workers_up(scheduler)
    monkeypatch.setattr(cluster_module, "code_digest", lambda *packages: "a newer release")
    with pytest.raises(ThesisError, match=r"2 worker\(s\) run other parsing or extraction code"):
        list(map_items(abs, [-1, -2], Settings(scheduler=scheduler), abs))


def test_cluster_a_scheduler_without_workers_says_to_start_some(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", 0.5)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty:
        address = empty.scheduler_address
        with pytest.raises(ThesisError, match="the scheduler has no workers") as raised:
            list(map_items(abs, [-1, -2], Settings(scheduler=address), abs))
    assert f"start some with `dask worker {address}`" in str(raised.value)
