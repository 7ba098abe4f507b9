"""Measure: the closes inside each claim's window, and the benchmark's over the same days.

Input: `ClaimColumns`, their `Basis` and a PriceBook. Output: `Windows` (first and last
close, extremes, the level and its first crossing, a digest of the closes) and
`Benchmarks`. No side effects. Each price series answers the queries of all its claims at
once (pipeline.track.windows); the level comes from the claim's kind (pipeline.kinds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.kinds import KINDS, LevelInputs
from pipeline.prices.book import PriceBook
from pipeline.track.series import candidates, groups, keep, split_factors
from pipeline.track.state import Basis, Benchmarks, ClaimColumns, Windows

#: Kinds that state a price level: their direction is the side of the entry it lies on.
STATED = tuple(name for name, spec in KINDS.items() if spec.stated_level)


def measure_windows(claims: ClaimColumns, basis: Basis, book: PriceBook) -> Windows:
    """Start/end closes, extremes, the level and its first crossing, per claim."""
    window_start = np.maximum(claims.horizon_start, claims.published)
    w = Windows.allocate(claims.up, basis.stated, window_start)
    window_last = np.minimum(claims.horizon_end, basis.as_of)
    eligible = claims.dated & ~pd.isna(basis.series)
    for symbol, rows in groups(keep(basis.series, eligible)).items():
        arrays = book.arrays(str(symbol))
        known = arrays.last_on_or_before(basis.as_of[rows])
        w.series_end[rows] = np.where(known >= 0, arrays.days[known], -1)
        after = arrays.first_on_or_after(claims.horizon_end[rows] + 1)
        later = arrays.days[np.minimum(after, len(arrays) - 1)]
        w.after_end[rows] = np.where(after < len(arrays), later, -1)
        lo = arrays.first_on_or_after(window_start[rows])
        hi = arrays.last_on_or_before(window_last[rows])
        inside = (lo <= hi) & (lo < len(arrays))
        rows, lo, hi = rows[inside], lo[inside], hi[inside]
        w.start_price[rows] = arrays.closes[lo]
        w.end_price[rows] = arrays.closes[hi]
        w.high[rows] = arrays.range_max(lo, hi)
        w.low[rows] = arrays.range_min(lo, hi)
        w.start_day[rows] = arrays.days[lo]
        w.end_day[rows] = arrays.days[hi]
        w.digest[rows] = arrays.digest(lo, hi)
        level, factor = _levels(claims, w, book, str(symbol), rows)
        if _side_of_entry(claims, w, rows, level):
            level, factor = _levels(claims, w, book, str(symbol), rows)
        w.level[rows], w.factor[rows] = level, factor
        # The first close that makes the stated move: a hit, or a negated call's failure.
        hit = arrays.first_reaching(lo, hi, level, w.up[rows])
        w.hit_day[rows] = np.where(hit >= 0, arrays.days[np.maximum(hit, 0)], -1)
    return w


def stated_levels(claims: ClaimColumns, up: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
    """The level each claim's kind states, before split adjustment (NaN where none)."""
    kind, up = claims.kind[rows], up[rows]
    stated = np.full(len(kind), np.nan)
    for name, spec in KINDS.items():
        if spec.stated_level:
            values = {field: claims.values[field][rows] for field in spec.value_fields}
            stated = np.where(kind == name, spec.stated_level(values, up), stated)
    return stated


def _side_of_entry(claims: ClaimColumns, w: Windows, rows: np.ndarray, level: np.ndarray) -> bool:
    """A stated level's direction is the side of the entry it lies on: "the S&P 500 will
    finish around 4,500", said at 4,740, is a call down whatever verb carried it. Flips
    `up` (and a range's near end) where the stated direction disagrees; True if any did."""
    start, up = w.start_price[rows], w.up[rows]
    stated = np.isin(claims.kind[rows], STATED) & ~np.isnan(level)
    flip = stated & np.where(up, level < start, level > start)
    if not flip.any():
        return False
    flipped = rows[flip]
    w.up[flipped] = ~w.up[flipped]
    w.stated[flipped] = stated_levels(claims, w.up, flipped)
    return True


def _levels(
    claims: ClaimColumns, w: Windows, book: PriceBook, symbol: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The price each level claim must reach on `symbol` (NaN for return claims), and the
    split factor a stated level was divided by."""
    kind = claims.kind[rows]
    factor = split_factors(book, symbol, claims.published[rows])
    inputs = LevelInputs(
        start_price=w.start_price[rows],
        up=w.up[rows],
        stated=w.stated[rows],
        factor=factor,
        values={name: values[rows] for name, values in claims.values.items()},
    )
    level = np.full(len(rows), np.nan)
    for name, spec in KINDS.items():
        if spec.level:
            level = np.where(kind == name, spec.level(inputs), level)
    return level, factor


def measure_benchmarks(claims: ClaimColumns, w: Windows, book: PriceBook) -> Benchmarks:
    """The benchmark's return from the claim's first close to its last close."""
    n = len(claims)
    bench = Benchmarks(
        np.full(n, np.nan), np.full(n, None, dtype=object), np.zeros(n, dtype=np.uint64)
    )
    for symbol, rows in groups(keep(claims.benchmark, w.has_prices)).items():
        usable = [s for s in candidates(str(symbol), book.equivalents) if book.has(s)]
        if not usable:
            continue
        arrays = book.arrays(usable[0])
        lo = arrays.first_on_or_after(w.start_day[rows])
        hi = arrays.last_on_or_before(w.end_day[rows])
        inside = (lo <= hi) & (lo < len(arrays))
        rows, lo, hi = rows[inside], lo[inside], hi[inside]
        bench.return_pct[rows] = (arrays.closes[hi] / arrays.closes[lo] - 1) * 100
        bench.series[rows] = usable[0]
        bench.digest[rows] = arrays.digest(lo, hi) * np.uint64(3)
    return bench
