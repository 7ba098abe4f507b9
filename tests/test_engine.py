"""The engine: per-item work in this process or in worker processes gives the same
results, in input order, and a worker that dies takes no item with it (pipeline/engine.py).

Functions run in workers live at module level here, so a worker can import them."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from pipeline.engine import WORKER_DIED, map_items, worker_count
from pipeline.errors import ThesisError
from pipeline.extract import claims as claims_module
from pipeline.ingest.documents import FileTask, Overrides, PageTask
from pipeline.limits import Budget
from pipeline.models import Article, Claim, Failure, Link, Page
from pipeline.settings import Settings
from tests.conftest import ROOT, make_article, make_claim

TWO = Settings(workers=2, progress=False)


@dataclass(frozen=True)
class Job:
    """An item of the test functions: a number, and a folder that counts its attempts."""

    n: int
    tries: Path
    dies: int = 0  # how many of its attempts kill the worker process


def attempt(job: Job) -> tuple[int, int]:
    """The job's number squared and the process it ran in; the first `dies` attempts
    kill the process, as a segfault or the OOM killer would."""
    marker = job.tries / f"{job.n}.{len(list(job.tries.glob(f'{job.n}.*')))}"
    marker.touch()
    if len(list(job.tries.glob(f"{job.n}.*"))) <= job.dies:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01 * (job.n % 3))  # finish out of order
    return job.n * job.n, os.getpid()


def lost(job: Job) -> tuple[int, int]:
    return -job.n, 0


def tries(job: Job) -> int:
    return len(list(job.tries.glob(f"{job.n}.*")))


def test_engine_workers_give_the_results_in_input_order(tmp_path: Path) -> None:
    jobs = [Job(n, tmp_path) for n in range(40)]
    results = list(map_items(attempt, jobs, TWO, lost))
    assert [square for square, _ in results] == [n * n for n in range(40)]
    assert len({pid for _, pid in results} - {os.getpid()}) == 2  # two workers, not this one


def test_engine_one_worker_or_one_item_runs_in_this_process(tmp_path: Path) -> None:
    one = Settings(workers=1)
    assert {
        pid for _, pid in map_items(attempt, [Job(n, tmp_path) for n in range(3)], one, lost)
    } == {os.getpid()}
    assert list(map_items(attempt, iter([Job(7, tmp_path)]), TWO, lost)) == [(49, os.getpid())]
    assert worker_count(Settings()) == 1  # one per core: the tests' one core (conftest)


def test_engine_negative_workers_is_an_error() -> None:
    with pytest.raises(ThesisError, match=r"workers is -1; give 0 \(one per core\)"):
        list(map_items(abs, [1, 2], Settings(workers=-1), abs))


def test_engine_a_worker_that_dies_loses_no_item_and_repeats_none(tmp_path: Path) -> None:
    jobs = [Job(n, tmp_path, dies=1 if n == 5 else 0) for n in range(20)]
    results = list(map_items(attempt, jobs, TWO, lost))
    assert [square for square, _ in results] == [n * n for n in range(20)]
    assert tries(jobs[5]) == 2  # died once, then done alone


def test_engine_an_item_that_kills_its_worker_again_is_lost_and_the_rest_go_on(
    tmp_path: Path,
) -> None:
    jobs = [Job(n, tmp_path, dies=9 if n == 3 else 0) for n in range(12)]
    results = [square for square, _ in map_items(attempt, jobs, TWO, lost)]
    assert results == [-3 if n == 3 else n * n for n in range(12)]
    assert tries(jobs[3]) == 2  # tried once more, alone, then given up


def _items_then_an_error(tries: Path) -> Iterator[Job]:
    yield from (Job(n, tries) for n in range(5))
    raise ThesisError("the source broke")


def test_engine_an_error_of_the_items_comes_after_the_results_before_it(tmp_path: Path) -> None:
    results = map_items(attempt, _items_then_an_error(tmp_path), TWO, lost)
    assert [next(results)[0] for _ in range(5)] == [0, 1, 4, 9, 16]
    with pytest.raises(ThesisError, match="the source broke"):
        next(results)


@pytest.mark.slow
def test_engine_a_script_without_the_main_guard_is_told_what_to_do(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from pipeline.engine import map_items\n"
        "from pipeline.settings import Settings\n"
        "print(list(map_items(abs, [-1, -2, -3], Settings(workers=2), abs)))\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode != 0
    assert "worker processes could not start" in done.stderr
    assert 'under `if __name__ == "__main__":`' in done.stderr
    assert "--workers 1" in done.stderr


# Extraction in a worker: the same claims and the same Failures as in this process.


def _runaway(doc, article, settings):  # type: ignore[no-untyped-def]
    """claims_from_doc with two bugs: one article loops forever, one raises."""
    if "MSFT" in article.text:
        while True:
            pass
    if "NVDA" in article.text:
        raise RuntimeError("a bug no rule foresaw")
    return REAL(doc, article, settings)


REAL = claims_module.claims_from_doc


def extract_with_bugs(article: Article, settings: Settings) -> list[Claim] | Failure:
    """`extract_article` with `_runaway` in place of the rules, wherever it runs."""
    claims_module.claims_from_doc = _runaway
    try:
        return claims_module.extract_article(article, settings)
    finally:
        claims_module.claims_from_doc = REAL


def test_engine_an_article_that_raises_or_runs_over_its_budget_in_a_worker_is_its_failure() -> None:
    articles = [
        make_article("IWM could rally 10% in the coming month."),
        make_article("I think MSFT will fall 8% by the end of March."),
        make_article("I expect NVDA to rise 20% by the end of the year."),
        make_article("I expect AAPL to rise 5% by the end of June."),
    ]
    settings = TWO.with_overrides(extract={"time_budget": 1.0})
    work = partial(extract_with_bugs, settings=settings)
    here = list(map_items(work, articles, settings.with_overrides(workers=1), REAL))
    there = list(map_items(work, articles, settings, REAL))
    assert there == here
    assert isinstance(there[0], list) and isinstance(there[3], list) and there[0]
    assert isinstance(there[1], Failure) and "ran over its time budget (1 s)" in there[1].reason
    assert isinstance(there[2], Failure) and "unexpected RuntimeError" in there[2].reason


def nlp_of_process(article: Article, settings: Settings) -> tuple[int, int]:
    claims_module.extract_article(article, settings)
    return os.getpid(), id(claims_module.process_nlp(settings.extract.lexicon))


def test_engine_models_load_once_per_worker_not_per_item() -> None:
    articles = [make_article(f"IWM could rally {n}% in the coming month.") for n in range(30)]
    seen = list(map_items(partial(nlp_of_process, settings=TWO), articles, TWO, REAL))
    pipelines = {}
    for pid, nlp in seen:
        pipelines.setdefault(pid, set()).add(nlp)
    assert len(pipelines) == 2 and all(len(ids) == 1 for ids in pipelines.values())


def test_engine_a_lost_article_names_it_and_what_happened() -> None:
    failure = claims_module.extraction_lost(make_article("IWM could rally 10%."))
    assert failure.item == "a.txt" and failure.stage == "extract"
    assert failure.reason == f"extraction (20 characters): {WORKER_DIED}"


def test_engine_what_crosses_to_a_worker_pickles_and_comes_back_equal() -> None:
    article = make_article("IWM could rally 10% in the coming month.")
    page = Page("https://x.test/a", "https://x.test/a", 200, "text/html", b"<p>IWM</p>")
    records = [
        article,
        make_claim(article),
        Failure(item="a.txt", stage="extract", reason="why", input_digest="d"),
        Settings(workers=2, scheduler="tcp://h:8786").with_overrides(
            extract={"lexicon": (Path("mine.csv"),)}, grading={"as_of": date(2024, 12, 31)}
        ),
        FileTask(Path("a.md"), b"text", "d", Overrides(author="Jane Doe"), Budget(30.0, 2**30)),
        PageTask(page, Link("https://x.test/a", title="A"), "https://x.test/a", Budget(30.0)),
        partial(claims_module.extract_article, settings=TWO),
    ]
    for record in records[:-1]:
        assert pickle.loads(pickle.dumps(record)) == record
    assert pickle.loads(pickle.dumps(records[-1])).keywords == {"settings": TWO}
