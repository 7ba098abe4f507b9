"""Quality: what is wrong with a price series as a whole, which row checks cannot see.

Input: a symbol, its bar dates and closes (already valid row by row, `validate_bars`).
Output: `SeriesFlag`s: gaps (NYSE sessions with no bar), likely unadjusted splits (a
one-bar move the size of a split ratio) and jumps (any other move beyond a threshold). No
side effects. Flags change no verdict; the report shows them beside the claims they touch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal

import numpy as np

from pipeline.extract.market_calendar import (
    closures,
    nyse_holidays,
    trading_day_on_or_after,
    trading_day_on_or_before,
)

FlagKind = Literal["gap", "split", "jump"]

#: A gap is more than this many NYSE sessions in a row with no bar. One or two missing
#: sessions are tolerated: a closure the calendar does not know yet, a row a free feed
#: dropped. Three or more are over half a trading week the verdict cannot see.
MAX_MISSING_SESSIONS = 2
#: A close-to-close move beyond this factor (up, or its inverse down) is a jump: rising
#: more than 50% or falling more than 33.3% between two bars of a stock or ETF.
STOCK_JUMP = 1.5
#: Indexes (symbols starting with ^) move less: rising more than 30% or falling more than
#: 23.1% is a jump. Every session of the S&P 500 and the Dow since 1928 stays inside it
#: (the worst, 1987-10-19: -20.5% and -22.6%; the best, 1933-03-15: +16.6% and +15.3%).
INDEX_JUMP = 1.3
#: Volatility indexes routinely double in a day (^VIX +115% on 2018-02-05).
VOLATILITY_INDEXES = frozenset({"^VIX", "^VXN", "^VVIX", "^RVX"})
VOLATILITY_JUMP = 2.5
#: Common splits as (shares after, shares before): 3:2 turns two shares into three. A
#: series not adjusted for an N:1 split drops to 1/N; for a 1:N reverse split it rises N-fold.
SPLIT_RATIOS = ((2, 1), (3, 1), (3, 2), (4, 1), (5, 1), (10, 1), (20, 1))
#: A move is split-sized when it is within this factor of a split ratio (an ordinary day's
#: move on top of the split). Tighter than any real non-split session in the shipped data
#: (META's -26.4% on 2022-02-03 is x1.10 from a 3:2 split). Indexes do not split.
SPLIT_TOLERANCE = 1.05

LABELS: dict[FlagKind, str] = {
    "gap": "gap",
    "split": "likely unadjusted split",
    "jump": "absurd jump",
}


@dataclass(frozen=True)
class SeriesFlag:
    """A stretch of one series that may not be real prices: `start` to `end` are the
    missing sessions of a gap, the two bars a move is between, or the one bad bar of a
    spike (a jump the next bar takes back)."""

    symbol: str
    kind: FlagKind
    start: date
    end: date
    detail: str

    @property
    def label(self) -> str:
        """The kind in words: "gap", "likely unadjusted split", "absurd jump"."""
        return LABELS[self.kind]

    def touches(self, start: date, end: date) -> bool:
        """Whether the flagged stretch overlaps the days `start` to `end` (inclusive)."""
        return self.start <= end and self.end >= start


def series_flags(
    symbol: str, dates: Sequence[date] | np.ndarray, closes: Sequence[float] | np.ndarray
) -> list[SeriesFlag]:
    """The gaps, likely unadjusted splits and jumps of one daily series, in date order.

    Args:
        symbol: the series' symbol; a leading ^ marks an index (no splits, tighter jumps).
        dates: bar dates, strictly ascending (dates, datetime64 or a DatetimeIndex).
        closes: the closes of those bars, finite and above zero.

    Raises:
        ValueError: dates and closes differ in length, dates are not strictly ascending,
            or a close is not a positive number.
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    values = np.asarray(closes, dtype=np.float64)
    if days.shape != values.shape or days.ndim != 1:
        raise ValueError(f"{symbol}: {len(days)} dates but {len(values)} closes")
    if len(days) < 2:
        return []
    if not (np.diff(days).astype(np.int64) > 0).all():
        raise ValueError(f"{symbol}: dates must be strictly ascending")
    if not (np.isfinite(values) & (values > 0)).all():
        raise ValueError(f"{symbol}: closes must be finite and above zero")
    flags = _gaps(symbol, days) + _moves(symbol, days, values)
    return sorted(flags, key=lambda f: (f.start, f.end))


def _gaps(symbol: str, days: np.ndarray) -> list[SeriesFlag]:
    first, last = _as_date(days[0]), _as_date(days[-1])
    holidays = _holidays(first.year, last.year)
    missing = np.busday_count(days[:-1] + np.timedelta64(1, "D"), days[1:], holidays=holidays)
    flags = []
    for i in np.flatnonzero(missing > MAX_MISSING_SESSIONS):
        before, after = _as_date(days[i]), _as_date(days[i + 1])
        start = trading_day_on_or_after(before + timedelta(days=1))
        end = trading_day_on_or_before(after - timedelta(days=1))
        detail = (
            f"no prices for {missing[i]} NYSE trading sessions, {start} to {end} "
            f"(the closes either side are on {before} and {after})"
        )
        flags.append(SeriesFlag(symbol, "gap", start, end, detail))
    return flags


def _moves(symbol: str, days: np.ndarray, values: np.ndarray) -> list[SeriesFlag]:
    limit = math.log(jump_limit(symbol))
    moves = np.diff(np.log(values))
    splits = np.zeros(len(moves), dtype=bool) if symbol.startswith("^") else _split_sized(moves)
    flagged = set(np.flatnonzero(splits | (np.abs(moves) > limit)).tolist())
    flags = []
    for i in sorted(flagged):
        if i - 1 in flagged and _undoes(moves[i - 1], moves[i], limit):
            continue  # the second half of a spike, flagged with the first
        if i + 1 in flagged and _undoes(moves[i], moves[i + 1], limit):
            flags.append(_spike(symbol, days[i : i + 3], values[i : i + 3]))
        elif splits[i]:
            flags.append(_split(symbol, days[i : i + 2], values[i : i + 2]))
        else:
            flags.append(_jump(symbol, days[i : i + 2], values[i : i + 2]))
    return flags


def _undoes(move: float, next_move: float, limit: float) -> bool:
    """Whether the next bar takes a flagged move back (the two together are no jump):
    then the bar between them is one bad bar, not a new price level."""
    return bool(move * next_move < 0 and abs(move + next_move) <= limit)


def _move(days: np.ndarray, values: np.ndarray) -> str:
    ratio = values[1] / values[0]
    return (
        f"the close went from {_price(values[0])} on {_as_date(days[0])} to "
        f"{_price(values[1])} on {_as_date(days[1])} (x{ratio:.3g}, {ratio * 100 - 100:+.1f}%)"
    )


def _split(symbol: str, days: np.ndarray, values: np.ndarray) -> SeriesFlag:
    before, after = _as_date(days[0]), _as_date(days[1])
    detail = (
        f"{_move(days, values)}: the size of a {_split_name(values[1] / values[0])}, so "
        f"prices before {after} are likely not adjusted for it"
    )
    return SeriesFlag(symbol, "split", before, after, detail)


def _jump(symbol: str, days: np.ndarray, values: np.ndarray) -> SeriesFlag:
    limit = jump_limit(symbol)
    detail = (
        f"{_move(days, values)}, beyond the x{limit:g} limit for one bar of "
        f"{_class_of(symbol)} (up {limit * 100 - 100:.0f}%, down {100 - 100 / limit:.1f}%)"
    )
    return SeriesFlag(symbol, "jump", _as_date(days[0]), _as_date(days[1]), detail)


def _spike(symbol: str, days: np.ndarray, values: np.ndarray) -> SeriesFlag:
    bad = _as_date(days[1])
    detail = (
        f"the close of {_price(values[1])} on {bad} is x{values[1] / values[0]:.3g} the one "
        f"before ({_price(values[0])} on {_as_date(days[0])}) and the next bar takes it back "
        f"({_price(values[2])} on {_as_date(days[2])}): one bad bar, likely a bad print"
    )
    return SeriesFlag(symbol, "jump", bad, bad, detail)


def jump_limit(symbol: str) -> float:
    """The largest factor a close may move by in one bar, up or down, before it is a jump."""
    if symbol in VOLATILITY_INDEXES:
        return VOLATILITY_JUMP
    return INDEX_JUMP if symbol.startswith("^") else STOCK_JUMP


def _split_sized(moves: np.ndarray) -> np.ndarray:
    """Which log moves lie within SPLIT_TOLERANCE of one an unadjusted split makes: down
    to 1/N for an N:1 split, up N-fold for a 1:N reverse split."""
    ratios = np.array([after / before for after, before in SPLIT_RATIOS])
    split_moves = np.log(np.concatenate([1 / ratios, ratios]))
    distance = np.abs(moves[:, None] - split_moves[None, :]).min(axis=1)
    sized: np.ndarray = distance <= math.log(SPLIT_TOLERANCE)
    return sized


def _split_name(ratio: float) -> str:
    after, before = min(
        SPLIT_RATIOS, key=lambda s: abs(abs(math.log(ratio)) - math.log(s[0] / s[1]))
    )
    return f"{after}:{before} split" if ratio < 1 else f"{before}:{after} reverse split"


def _class_of(symbol: str) -> str:
    if symbol in VOLATILITY_INDEXES:
        return "a volatility index"
    return "an index" if symbol.startswith("^") else "a stock or ETF"


@cache
def _holidays(first_year: int, last_year: int) -> np.ndarray:
    days = set(closures())
    for year in range(first_year, last_year + 1):
        days |= nyse_holidays(year)
    return np.array(sorted(days), dtype="datetime64[D]")


def _as_date(day: np.datetime64) -> date:
    return date.fromisoformat(str(day))


def _price(value: float) -> str:
    return f"{value:,.2f}" if value >= 1 else f"{value:.4g}"
