"""The foundation's per-claim resolver (pipeline/track.py at commit 1b0602e), kept only as
the baseline that benchmarks/bench_track.py measures the vectorised resolver against.

It grades one claim at a time and slices a pandas Series per claim; it predates the rules
issue 5 added (drift, scale choice by distance, the ratio rule in falling markets, the
closing rule), so its statuses can differ on some claims. Not used by the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipeline.models import Claim, Outcome, Status
from pipeline.prices.book import PriceBook, file_name
from pipeline.symbols import load_equivalents

#: A level fits a series when it lies within this factor of the series' entry price.
SCALE_FIT = 4.0


@dataclass(frozen=True)
class Window:
    series: str
    closes: pd.Series  # closes from window start to the last usable date
    start: date
    end: date  # horizon end
    closed: bool  # the horizon has ended on or before as_of


def resolve_claims(
    claims: Iterable[Claim], book: PriceBook, as_of: date, default_benchmark: str = "^GSPC"
) -> list[Outcome]:
    """Grade every claim as of `as_of`, using only prices dated on or before it."""
    return [resolve_claim(claim, book, as_of, default_benchmark) for claim in claims]


def resolve_claim(
    claim: Claim, book: PriceBook, as_of: date, default_benchmark: str = "^GSPC"
) -> Outcome:
    """Grade one claim. See the README for each rule and the reason for it."""
    if claim.published is None or claim.horizon_start is None or claim.horizon_end is None:
        return Outcome(
            claim.claim_id,
            "no_date",
            as_of,
            "The article has no published date, so the claim cannot be anchored; add `published:` "
            "front matter or re-ingest the file with --published YYYY-MM-DD.",
        )
    if claim.conditional:
        return Outcome(
            claim.claim_id,
            "excluded",
            as_of,
            "Conditional claim (if/would): it forecasts only once its condition holds, so it is "
            "excluded from grading, as CXO's Guru Grades exclude conditional calls.",
        )
    if as_of < claim.published:
        return Outcome(
            claim.claim_id, "pending", as_of, f"As of {as_of} the article was not yet published."
        )
    series = pick_series(claim, book)
    if series is None:
        names = " or ".join(file_name(s) for s in _candidates(claim.subject))
        return Outcome(
            claim.claim_id,
            "no_data",
            as_of,
            f"No prices for {claim.subject}; add {names} to the --prices folder (or run `thesis prices`).",
        )
    window = _window(claim, book.closes[series], series, as_of)
    if window is None:
        return Outcome(
            claim.claim_id,
            "pending",
            as_of,
            f"The window opens on {claim.horizon_start}; as of {as_of} there are no prices inside it yet.",
            series=series,
        )
    bench = _benchmark_return(claim, book, window, default_benchmark)
    if claim.kind in ("target", "move"):
        return _grade_level(claim, window, book, as_of, bench)
    return _grade_return(claim, window, as_of, bench)


def pick_series(claim: Claim, book: PriceBook) -> str | None:
    """The series a claim is graded on: the subject itself, else its index/ETF equivalent;
    for a level target, the one whose price scale the level fits."""
    available = [
        s for s in _candidates(claim.subject) if s in book.closes and not book.closes[s].empty
    ]
    if not available or claim.kind != "target" or claim.target_low is None:
        return available[0] if available else None
    for symbol in available:
        entry = _entry_price(book.closes[symbol], claim.published)  # type: ignore[arg-type]
        level = claim.target_low / book.split_factor(symbol, claim.published)  # type: ignore[arg-type]
        if entry and 1 / SCALE_FIT <= level / entry <= SCALE_FIT:
            return symbol
    return None


def _candidates(subject: str) -> list[str]:
    pair = load_equivalents().family(subject)
    return [subject, *[s for s in pair if s != subject]]


def _entry_price(closes: pd.Series, day: date) -> float | None:
    after = closes[closes.index >= pd.Timestamp(day)]
    return float(after.iloc[0]) if not after.empty else None


def _window(claim: Claim, closes: pd.Series, series: str, as_of: date) -> Window | None:
    start = max(claim.horizon_start, claim.published)  # type: ignore[type-var]
    last = min(claim.horizon_end, as_of)  # type: ignore[type-var]
    inside = closes[(closes.index >= pd.Timestamp(start)) & (closes.index <= pd.Timestamp(last))]
    if inside.empty:
        return None
    closed = claim.horizon_end <= as_of and closes.index.max() >= pd.Timestamp(claim.horizon_end)  # type: ignore[operator]
    return Window(series, inside, inside.index[0].date(), claim.horizon_end, closed)  # type: ignore[arg-type]


def _benchmark_return(claim: Claim, book: PriceBook, window: Window, default: str) -> float | None:
    symbol = claim.benchmark or default
    for candidate in _candidates(symbol):
        if candidate in book.closes:
            closes = book.closes[candidate]
            inside = closes[
                (closes.index >= pd.Timestamp(window.start))
                & (closes.index <= window.closes.index[-1])
            ]
            if len(inside) >= 1:
                return _pct(float(inside.iloc[0]), float(inside.iloc[-1]))
    return None


def _pct(start: float, end: float) -> float:
    return round((end / start - 1) * 100, 4)


def _base(claim: Claim, window: Window, as_of: date, bench: float | None) -> dict[str, object]:
    closes = window.closes
    start_price, end_price = float(closes.iloc[0]), float(closes.iloc[-1])
    ret = _pct(start_price, end_price)
    up = claim.direction == "up"
    return {
        "claim_id": claim.claim_id,
        "as_of": as_of,
        "series": window.series,
        "start_date": window.start,
        "start_price": start_price,
        "end_date": closes.index[-1].date(),
        "end_price": end_price,
        "return_pct": ret,
        "benchmark_return_pct": bench,
        "excess_return_pct": round(ret - bench, 4) if bench is not None else None,
        "best_price": float(closes.max() if up else closes.min()),
        "worst_price": float(closes.min() if up else closes.max()),
    }


def _grade_level(
    claim: Claim, window: Window, book: PriceBook, as_of: date, bench: float | None
) -> Outcome:
    base = _base(claim, window, as_of, bench)
    closes = window.closes
    up = claim.direction == "up"
    if claim.kind == "move":
        pct = (claim.move_pct or 0) / 100
        level = float(closes.iloc[0]) * (1 + pct if up else 1 - pct)
        what = f"a {'rise' if up else 'fall'} of {claim.move_pct:g}% to {level:,.2f}"
    else:
        factor = book.split_factor(window.series, claim.published)  # type: ignore[arg-type]
        raw = claim.target_low if up else (claim.target_high or claim.target_low)
        level = float(raw or 0) / factor
        what = f"a close {'at or above' if up else 'at or below'} {level:,.2f}" + (
            f" (stated as {raw:,.2f} before a {factor:g}:1 split)" if factor != 1 else ""
        )
    reached = closes[closes >= level] if up else closes[closes <= level]
    if not reached.empty:
        hit_day = reached.index[0].date()
        status: Status = "miss" if claim.negated else "hit"
        reason = f"{window.series} reached {what} on {hit_day}" + (
            ", so the negated call failed." if claim.negated else ", inside the window."
        )
        return Outcome(
            status=status,
            reason=reason,
            hit_date=hit_day,
            days_to_hit=(hit_day - window.start).days,
            **base,  # type: ignore[arg-type]
        )
    if not window.closed:
        return Outcome(
            status="pending",
            reason=f"{window.series} has not yet made {what}; the window runs to {window.end}.",
            **base,  # type: ignore[arg-type]
        )
    status = "hit" if claim.negated else "miss"
    best = base["best_price"]
    return Outcome(
        status=status,
        reason=f"{window.series} did not make {what} by {window.end} (best close {best:,.2f})"
        + ("; the negated call held." if claim.negated else "."),
        **base,  # type: ignore[arg-type]
    )


def _grade_return(claim: Claim, window: Window, as_of: date, bench: float | None) -> Outcome:
    base = _base(claim, window, as_of, bench)
    ret = base["return_pct"]
    assert isinstance(ret, float)
    if not window.closed:
        return Outcome(
            status="pending",
            reason=f"The window runs to {window.end}; {window.series} is {ret:+.2f}% so far.",
            **base,  # type: ignore[arg-type]
        )
    up = claim.direction == "up"
    if claim.kind == "direction":
        ok = ret > 0 if up else ret < 0
        reason = f"{window.series} returned {ret:+.2f}% from {window.start} to {base['end_date']}"
    else:
        if bench is None:
            return Outcome(
                status="no_data",
                reason=f"No prices for the benchmark {claim.benchmark}; add {file_name(claim.benchmark or '^GSPC')}.",
                **base,  # type: ignore[arg-type]
            )
        needed = bench * claim.ratio if claim.ratio else bench
        ok = ret >= needed if up else ret < needed
        label = (
            f"{claim.ratio:g}x the benchmark's {bench:+.2f}%"
            if claim.ratio
            else f"the benchmark's {bench:+.2f}%"
        )
        reason = f"{window.series} returned {ret:+.2f}% against {label} ({claim.benchmark})"
    if claim.negated:
        ok = not ok
    return Outcome(status="hit" if ok else "miss", reason=reason + ".", **base)  # type: ignore[arg-type]
