"""Extraction across worker processes: the same articles with 1 and with N workers.

The devset (../shared/devset/*.md) and the house corpus (corpus/), repeated to --articles
articles, go through the engine exactly as `thesis extract` sends them
(`map_items(extract_article, ...)`, pipeline/engine.py), with the defaults (use_ner on).
Each configuration runs in this one process, one after the other: 1 worker (this process
alone), then N workers twice, the first time starting the fork server (which imports the
pipeline once; a `thesis run` pays that in ingest, before extraction), the second with it
up. Every time counts starting the workers and loading their models. Wall time is the
clock; CPU time adds this process and every worker process (psutil). The claims must be
the same whatever the number of workers; the script says so, or stops.

    pip install -e ".[bench]"
    python benchmarks/bench_workers.py --articles 300 --workers 2
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import psutil

from pipeline.engine import available_cores, map_items
from pipeline.extract import ner
from pipeline.extract.claims import extract_article, extraction_lost
from pipeline.ingest.documents import ingest_paths
from pipeline.models import Article, Claim, Failure
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@dataclass(frozen=True)
class Timing:
    label: str
    workers: int
    wall: float
    cpu: float
    articles: int

    @property
    def rate(self) -> float:
        return self.articles / self.wall


def load_articles(count: int) -> list[Article]:
    """The devset and corpus articles, repeated to `count`."""
    sources = [SHARED / "devset", ROOT / "corpus"]
    unique = [a for a in ingest_paths(sources) if isinstance(a, Article)]
    return [unique[i % len(unique)] for i in range(count)]


def extract_cold(article: Article, settings: Settings) -> list[Claim] | Failure:
    """`extract_article` with the sentence-parse cache emptied first: a repeated article
    is parsed again, as a new one would be."""
    ner.parties_of.cache_clear()
    return extract_article(article, settings)


def cpu_seconds() -> float:
    """CPU time of this process and all its descendants, the finished ones included (a
    worker forked by the fork server is the server's child: its time is the server's
    children time once it has exited)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:4])  # user, system, children_user, children_system
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:4])
        except psutil.NoSuchProcess:
            continue
    return total


def timed(
    label: str, articles: list[Article], workers: int
) -> tuple[Timing, list[list[Claim] | Failure]]:
    settings = Settings(progress=False, workers=workers)
    work: Callable[[Article], list[Claim] | Failure] = partial(extract_cold, settings=settings)
    cpu, wall = cpu_seconds(), time.perf_counter()
    results = list(map_items(work, articles, settings, extraction_lost))
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return Timing(label, workers, wall, cpu, len(articles)), results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=300, help="articles to extract")
    parser.add_argument("--workers", type=int, default=2, help="worker processes to compare")
    args = parser.parse_args()
    articles = load_articles(args.articles)
    kb = sum(len(a.text.encode()) for a in articles) / 1024
    print(
        f"{len(articles)} articles ({kb:,.0f} KB), {available_cores()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in psutil.getloadavg())} before"
    )
    one, expected = timed("1 worker (this process)", articles, 1)
    rows = [one]
    for label in ("starts the fork server", "fork server up"):
        row, results = timed(f"{args.workers} workers ({label})", articles, args.workers)
        if results != expected:
            raise SystemExit(f"{row.label}: the claims differ from one worker's")
        rows.append(row)
    print(f"  {'':42} {'wall s':>7} {'CPU s':>7} {'articles/s':>10} {'speed-up':>8}")
    for row in rows:
        print(
            f"  {row.label:42} {row.wall:7.1f} {row.cpu:7.1f} {row.rate:10.1f} "
            f"{one.wall / row.wall:7.2f}x"
        )
    failures = sum(isinstance(r, Failure) for r in expected)
    claims = sum(len(r) for r in expected if not isinstance(r, Failure))
    print(
        f"  identical claims with 1 and {args.workers} workers: {claims} claims, "
        f"{failures} failures; load average {psutil.getloadavg()[0]:.2f} after"
    )


if __name__ == "__main__":
    main()
