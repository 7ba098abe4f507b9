"""Flags: which suspect stretches of price data each claim's verdict rests on.

Input: the report's price series (the cached closes the charts draw) and its claims with
their outcomes. Output: the `SeriesFlag`s of each series (`pipeline.prices.quality`), the
ones each claim touches, and a line per flagged symbol for the index. No side effects;
a flag changes no verdict, it only says the verdict may rest on bad data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipeline.kinds import KINDS
from pipeline.models import Claim, Outcome
from pipeline.prices.quality import LABELS, SeriesFlag, series_flags

Flags = dict[str, list[SeriesFlag]]


@dataclass(frozen=True)
class FlaggedSymbol:
    """One flagged series on the index: what was found and how many claims it touches."""

    symbol: str
    found: str  # "2 gaps, 1 likely unadjusted split"
    claims: int


def flags_by_symbol(closes: dict[str, pd.Series]) -> Flags:
    """The flags of every series that has any, by symbol. A close that is no price (kept
    out of the cache by `validate_bars`, but an older cache may hold one) is left out, so
    one such row cannot stop the report."""
    found = {}
    for symbol, series in sorted(closes.items()):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        usable = np.isfinite(values) & (values > 0)
        found[symbol] = series_flags(symbol, series.index[usable], values[usable])
    return {symbol: flags for symbol, flags in found.items() if flags}


def claim_flags(claim: Claim, outcome: Outcome | None, flags: Flags) -> tuple[SeriesFlag, ...]:
    """The flags a claim's verdict may rest on: those of the graded series and of its
    benchmark that touch the claim's span, from the earliest of publication, horizon start
    and entry to the latest of horizon end and exit. For a claim that states a price
    level, a likely unadjusted split anywhere after publication counts too: the level was
    put on the series' basis by the splits after it was stated."""
    span = _span(claim, outcome)
    if outcome is None or span is None or not flags:
        return ()
    start, end = span
    stated = claim.published or start
    states_level = KINDS[claim.kind].stated_level is not None
    series = (outcome.series, outcome.benchmark_series or claim.benchmark)
    return tuple(
        flag
        for symbol in dict.fromkeys(s for s in series if s)
        for flag in flags.get(symbol, [])
        if flag.touches(start, end) or (flag.kind == "split" and states_level and flag.end > stated)
    )


def _span(claim: Claim, outcome: Outcome | None) -> tuple[date, date] | None:
    days = [claim.published, claim.horizon_start, claim.horizon_end]
    if outcome is not None:
        days += [outcome.start_date, outcome.end_date]
    known = [d for d in days if d is not None]
    return (min(known), max(known)) if known else None


def flagged_symbols(
    flags: Flags, touched: Iterable[tuple[SeriesFlag, ...]] | Mapping[str, int]
) -> list[FlaggedSymbol]:
    """A line per flagged symbol: its flags counted by kind, and the claims they touch
    (`touched`: the flags of each claim, or the flagged claims counted by symbol)."""
    if isinstance(touched, Mapping):
        claims = Counter(touched)
    else:
        claims = Counter(symbol for found in touched for symbol in {f.symbol for f in found})
    return [
        FlaggedSymbol(symbol, _counted(found), claims[symbol]) for symbol, found in flags.items()
    ]


def _counted(flags: list[SeriesFlag]) -> str:
    counts = Counter(f.kind for f in flags)
    return ", ".join(
        f"{n} {LABELS[kind]}{'s' if n > 1 else ''}" for kind in LABELS if (n := counts[kind])
    )
