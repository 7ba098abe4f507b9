"""How fast claims are resolved: the vectorised resolver against the per-claim one.

Builds 20 synthetic price series (geometric random walks on weekdays, fixed seed) and
100,000 synthetic claims on them (every kind, both directions, some negated, conditional or
opening later), then prints claims resolved per second for `pipeline.track.resolve_claims`,
and for the foundation's per-claim resolver (benchmarks/per_claim.py) measured on a smaller
sample in the same run and extrapolated, with the ratio between the two.

    python benchmarks/bench_track.py [--claims 100000] [--sample 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from per_claim import resolve_claims as resolve_per_claim

from pipeline.models import Claim
from pipeline.prices.book import PriceBook
from pipeline.settings import Settings
from pipeline.track.resolve import claims_frame, grade_frame, resolve_claims

AS_OF = date(2025, 12, 31)
FIRST, LAST = "2010-01-01", "2025-12-31"
BENCHMARK = "^GSPC"


def synthetic_book(symbols: int, seed: int) -> PriceBook:
    """`symbols` random walks on weekdays: ^GSPC plus S01, S02, ..."""
    rng = np.random.default_rng(seed)
    days = pd.bdate_range(FIRST, LAST, name="date")
    names = [BENCHMARK, *[f"S{i:02d}" for i in range(1, symbols)]]
    closes = {}
    for name in names:
        drift, vol = rng.uniform(0.0, 0.0006), rng.uniform(0.008, 0.03)
        start = rng.uniform(20, 2000)
        walk = np.cumsum(rng.normal(drift, vol, len(days)))
        closes[name] = pd.Series(np.round(start * np.exp(walk), 2), index=days, name="close")
    return PriceBook(closes=closes, providers=dict.fromkeys(names, "synthetic"))


def synthetic_claims(book: PriceBook, count: int, seed: int) -> list[Claim]:
    """`count` claims spread over every kind, direction and flag the resolver handles."""
    rng = np.random.default_rng(seed + 1)
    names = list(book.closes)
    origin = date(2011, 1, 1)
    span = (date(2025, 6, 30) - origin).days
    subjects = rng.choice(names, count)
    kinds = rng.choice(["target", "move", "relative", "direction"], count, p=[0.3, 0.3, 0.2, 0.2])
    published = [origin + timedelta(days=int(d)) for d in rng.integers(0, span, count)]
    lags = np.where(rng.random(count) < 0.1, rng.integers(1, 120, count), 0)
    lengths = rng.integers(20, 730, count)
    level_factor = rng.uniform(0.7, 1.5, count)
    claims = []
    for i in range(count):
        subject, kind, day = str(subjects[i]), str(kinds[i]), published[i]
        series = book.closes[subject]
        entry = float(
            series.iloc[min(series.index.searchsorted(pd.Timestamp(day)), len(series) - 1)]
        )
        start = day + timedelta(days=int(lags[i]))
        level = round(entry * level_factor[i], 2) if kind == "target" else None
        claims.append(
            Claim(
                claim_id=f"c{i}",
                article_id="a",
                url=None,
                title=None,
                published=day,
                forecaster="f",
                forecaster_org=None,
                forecaster_role="author",
                subject=subject,
                subject_text=subject,
                kind=kind,  # type: ignore[arg-type]
                direction="up" if level_factor[i] >= 1 or rng.random() < 0.6 else "down",
                target_low=level,
                target_high=level,
                move_pct=round(float(rng.uniform(5, 80)), 1) if kind == "move" else None,
                benchmark=BENCHMARK if kind == "relative" else None,
                ratio=2.0 if kind == "relative" and rng.random() < 0.2 else None,
                horizon_start=start,
                horizon_end=start + timedelta(days=int(lengths[i])),
                horizon_text=None,
                horizon_assumed=False,
                hedge=None,
                conditional=bool(rng.random() < 0.03),
                negated=bool(rng.random() < 0.05),
                evidence="",
                evidence_start=0,
                evidence_end=0,
            )
        )
    return claims


def fresh(book: PriceBook) -> PriceBook:
    """The same prices without the arrays an earlier run built, so each run pays for them."""
    return PriceBook(closes=book.closes, providers=book.providers)


def best_time(run: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=20)
    parser.add_argument("--sample", type=int, default=2_000, help="claims timed per claim")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    book = synthetic_book(args.symbols, args.seed)
    claims = synthetic_claims(book, args.claims, args.seed)
    days = len(next(iter(book.closes.values())))
    print(
        f"track benchmark: {args.claims:,} synthetic claims on {args.symbols} symbols "
        f"({days:,} weekdays each), as of {AS_OF}"
    )

    outcomes = resolve_claims(claims, fresh(book), AS_OF)
    vector = best_time(lambda: resolve_claims(claims, fresh(book), AS_OF), args.repeat)
    vector_rate = args.claims / vector
    statuses = ", ".join(
        f"{k} {v:,}" for k, v in sorted(Counter(o.status for o in outcomes).items())
    )
    print(
        f"vectorised resolve_claims: {args.claims:,} claims in {vector:.2f} s "
        f"= {vector_rate:,.0f} claims/s (best of {args.repeat}); {statuses}"
    )

    core = best_time(
        lambda: grade_frame(claims_frame(claims, BENCHMARK), fresh(book), AS_OF, Settings()),
        args.repeat,
    )
    print(
        f"  of which vectorised grading (claims -> graded frame, grade_frame): {core:.2f} s "
        f"= {args.claims / core:,.0f} claims/s; the rest builds the Outcome records and their "
        "reason sentences, one per claim"
    )

    sample = claims[: args.sample]
    loop_book = fresh(book)
    per_claim = best_time(lambda: resolve_per_claim(sample, loop_book, AS_OF), 1)
    loop_rate = args.sample / per_claim
    print(
        f"per-claim resolver (foundation, benchmarks/per_claim.py): measured on {args.sample:,} "
        f"claims in {per_claim:.2f} s = {loop_rate:,.0f} claims/s; "
        f"extrapolated to {args.claims:,} claims: {args.claims / loop_rate:,.0f} s"
    )
    old = resolve_per_claim(sample, loop_book, AS_OF)
    differ = Counter(
        c.kind for c, a, b in zip(sample, outcomes, old, strict=False) if a.status != b.status
    )
    print(
        f"speed-up: {vector_rate / loop_rate:,.0f}x (vectorised measured on {args.claims:,}; "
        f"per-claim extrapolated from {args.sample:,})"
    )
    print(
        f"statuses agree on {args.sample - sum(differ.values()):,} of {args.sample:,} sample "
        f"claims; differing by kind: {dict(differ)} (issue 5's rule changes, chiefly ratio "
        "calls against a falling benchmark)"
    )


if __name__ == "__main__":
    main()
