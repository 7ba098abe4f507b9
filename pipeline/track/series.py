"""Series: which price series each claim is graded on, and its split basis.

Input: claim subjects, stated levels and publication days, and a PriceBook.
Output: the series per claim (None where no series fits) with a `no_series` reason. No side
effects. A claim goes to its own symbol, else its index/ETF equivalent; a level target to
the series whose price scale it fits, so an index level never meets an ETF price.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.prices.book import PriceBook, how_to_supply
from pipeline.symbols import Equivalents, load_equivalents
from pipeline.track.windows import EPOCH

#: A level fits a series when it lies within this factor of the series' entry price.
SCALE_FIT = 4.0


def groups(values: np.ndarray) -> dict[Any, np.ndarray]:
    """Positions of each distinct value (None left out), in order of first appearance."""
    return pd.Series(values).groupby(values, sort=False).indices


def keep(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`values` where `mask` holds, None elsewhere (so `groups` leaves those rows out)."""
    kept = values.astype(object)
    kept[~mask] = None
    return kept


def candidates(subject: str, equivalents: Equivalents | None = None) -> list[str]:
    """The subject, then its index/ETF equivalents: the series a claim may be graded on."""
    pair = (equivalents or load_equivalents()).family(subject)
    return [subject, *[s for s in pair if s != subject]]


def choose_series(
    subjects: np.ndarray, stated: np.ndarray, published: np.ndarray, book: PriceBook
) -> tuple[np.ndarray, np.ndarray]:
    """The series each claim is graded on (None where none fits) and, where none, why: the
    subject's own prices, else its equivalent's; a stated level goes to the series whose
    price scale it fits (nearest in log terms, within SCALE_FIT)."""
    n = len(subjects)
    series = np.full(n, None, dtype=object)
    why = np.full(n, None, dtype=object)
    is_level = ~np.isnan(stated)
    for subject, rows in groups(subjects).items():
        wanted = candidates(str(subject), book.equivalents)
        usable = [s for s in wanted if book.has(s)]
        if not usable:
            why[rows] = _no_prices(wanted, book)
            continue
        series[rows] = usable[0]
        levels = rows[is_level[rows]]
        if len(levels):
            picked, note = _fit_scale(stated[levels], published[levels], book, usable, wanted)
            series[levels] = picked
            why[levels] = note
    return series, why


def _fit_scale(
    raw: np.ndarray, published: np.ndarray, book: PriceBook, usable: list[str], wanted: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    picked = np.full(len(raw), None, dtype=object)
    best = np.full(len(raw), np.log(SCALE_FIT))
    entries: dict[str, np.ndarray] = {}
    for symbol in usable:
        arrays = book.arrays(symbol)
        after = arrays.first_on_or_after(published)
        entries[symbol] = arrays.closes[np.minimum(after, len(arrays) - 1)]
        level = raw / split_factors(book, symbol, published)
        distance = np.abs(np.log(level / entries[symbol]))
        better = distance <= best
        picked = np.where(better, symbol, picked)
        best = np.where(better, distance, best)
    note = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(pd.isna(picked)):
        prices = ", ".join(f"{s} near {entries[s][i]:,.2f}" for s in usable)
        absent = [s for s in wanted if s not in usable]
        note[i] = (
            f"The level {raw[i]:,.2f} fits none of the series with prices ({prices}): a level "
            f"is checked only on a series within {SCALE_FIT:g}x of it"
            + (f"; {how_to_supply(absent)}" if absent else "")
            + "."
        )
    return picked, note


def split_factors(book: PriceBook, symbol: str, stated: np.ndarray) -> np.ndarray:
    """`PriceBook.split_factor` for many statement days (int64 day numbers) at once."""
    through = book.arrays(symbol).days[-1]
    factor = np.ones(len(stated))
    for when, ratio in book.splits.get(symbol, []):
        day = (when - EPOCH).days
        if day <= through:
            factor = np.where(stated < day, factor * ratio, factor)
    return factor


def _no_prices(wanted: list[str], book: PriceBook) -> str:
    known = [f"{s}: {book.missing[s]}" for s in wanted if s in book.missing]
    because = f" ({'; '.join(known)})" if known else ""
    return f"No prices for {' or '.join(wanted)}{because}; {how_to_supply(wanted)}."
