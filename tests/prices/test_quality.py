"""Series quality flags: gaps, likely unadjusted splits and absurd jumps, on synthetic series
(and none on the real ones)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.market_calendar import is_trading_day
from pipeline.prices.quality import SPLIT_RATIOS, series_flags


def sessions(start: date, end: date) -> list[date]:
    """Every NYSE session from `start` to `end`."""
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_trading_day(d)]


def walk(count: int, start: float = 100.0, seed: int = 7) -> np.ndarray:
    """A random walk of daily closes with 2% daily volatility, the same on every run."""
    moves = np.random.default_rng(seed).normal(0.0, 0.02, count - 1)
    return start * np.exp(np.concatenate([[0.0], np.cumsum(moves)]))


def flags_of(symbol: str, days: list[date], closes: np.ndarray) -> list[tuple[str, date, date]]:
    return [(f.kind, f.start, f.end) for f in series_flags(symbol, days, closes)]


def test_quality_holiday_weeks_are_no_gaps() -> None:
    # Thanksgiving, Christmas and New Year's Day 2024-25, then the 2025-01-09 day of
    # mourning for President Carter: the calendar knows them all, so nothing is missing.
    days = sessions(date(2024, 11, 18), date(2025, 1, 31))
    assert date(2024, 11, 28) not in days and date(2025, 1, 9) not in days
    assert series_flags("IWM", days, walk(len(days))) == []
    # the same days as the index flags nothing either
    assert series_flags("^RUT", days, walk(len(days), 2000.0)) == []


def test_quality_the_week_the_exchange_was_shut_is_no_gap() -> None:
    # NYSE was closed 2001-09-11 to 09-14: four weekdays without a bar, which a weekday
    # count would call a gap, but the calendar knows (data/market_calendar.toml).
    days = sessions(date(2001, 8, 20), date(2001, 10, 12))
    assert days[days.index(date(2001, 9, 10)) + 1] == date(2001, 9, 17)
    assert np.busday_count("2001-09-11", "2001-09-17") == 4
    assert series_flags("SPY", days, walk(len(days))) == []


@pytest.mark.parametrize(("missing", "flagged"), [(1, False), (2, False), (3, True), (5, True)])
def test_quality_gap_is_more_than_two_missing_sessions(missing: int, flagged: bool) -> None:
    days = sessions(date(2024, 2, 1), date(2024, 4, 30))
    cut = days.index(date(2024, 3, 4))  # a Monday
    gone, kept = days[cut : cut + missing], days[:cut] + days[cut + missing :]
    flags = series_flags("IWM", kept, walk(len(kept)))
    if not flagged:
        assert flags == []
        return
    assert [(f.kind, f.start, f.end) for f in flags] == [("gap", gone[0], gone[-1])]
    assert flags[0].detail == (
        f"no prices for {missing} NYSE trading sessions, {gone[0]} to {gone[-1]} "
        f"(the closes either side are on 2024-03-01 and {kept[cut]})"
    )
    assert flags[0].label == "gap"


def test_quality_gap_over_a_holiday_counts_only_sessions() -> None:
    # Good Friday 2024 (03-29) falls inside: 03-27 to 04-03 are five sessions, not six
    gone = (date(2024, 3, 27), date(2024, 4, 3))
    days = [d for d in sessions(date(2024, 3, 1), date(2024, 4, 30)) if not gone[0] <= d <= gone[1]]
    (gap,) = series_flags("SPY", days, walk(len(days), 500.0))
    assert (gap.start, gap.end) == (date(2024, 3, 27), date(2024, 4, 3))
    assert gap.detail.startswith("no prices for 5 NYSE trading sessions")


def test_quality_real_looking_unadjusted_split_is_a_split_not_a_jump() -> None:
    # NVDA's 10:1 split of 2024-06-10, left unadjusted: Friday's close is ten times
    # Monday's, which is +0.75% on the new basis.
    days = sessions(date(2024, 5, 1), date(2024, 7, 31))
    closes = walk(len(days), 110.0)
    split = days.index(date(2024, 6, 10))
    closes[split] = closes[split - 1] * 1.0075
    closes[:split] *= 10
    (flag,) = series_flags("NVDA", days, closes)
    assert (flag.kind, flag.start, flag.end) == ("split", date(2024, 6, 7), date(2024, 6, 10))
    assert flag.label == "likely unadjusted split"
    assert "the size of a 10:1 split" in flag.detail
    assert "prices before 2024-06-10 are likely not adjusted for it" in flag.detail


@pytest.mark.parametrize(("after", "before"), SPLIT_RATIOS)
@pytest.mark.parametrize("day_move", [0.97, 1.0, 1.04])
def test_quality_every_common_split_and_reverse_split_is_named(
    after: int, before: int, day_move: float
) -> None:
    days = sessions(date(2023, 1, 3), date(2023, 3, 31))
    at = days.index(date(2023, 2, 15))
    names = {
        after / before: f"{after}:{before} split",
        before / after: f"{before}:{after} reverse split",
    }
    for ratio, name in names.items():
        closes = walk(len(days))
        closes[at] = closes[at - 1] * day_move
        closes[at:] /= ratio  # the new shares trade at 1/ratio of the old price
        (flag,) = series_flags("ACME", days, closes)
        assert flag.kind == "split" and f"the size of a {name}," in flag.detail


def test_quality_a_split_sized_move_under_the_jump_limit_is_still_a_split() -> None:
    # a 3:2 split on a +2% day moves the close by x0.68: less than the 33.3% fall that
    # makes a jump, but the size of a split all the same
    days = sessions(date(2023, 1, 3), date(2023, 3, 31))
    closes = walk(len(days))
    at = days.index(date(2023, 2, 1))
    closes[at] = closes[at - 1] * 1.02
    closes[at:] *= 2 / 3
    assert flags_of("ACME", days, closes) == [("split", days[at - 1], days[at])]


def test_quality_absurd_jump_is_not_a_split() -> None:
    days = sessions(date(2023, 1, 3), date(2023, 3, 31))
    closes = walk(len(days))
    at = days.index(date(2023, 2, 1))
    closes[at:] *= 1.8  # a new level, not the size of any split (x2 is 11% away)
    (flag,) = series_flags("ACME", days, closes)
    assert (flag.kind, flag.start, flag.end) == ("jump", days[at - 1], days[at])
    assert flag.label == "absurd jump"
    assert flag.detail.endswith(
        "beyond the x1.5 limit for one bar of a stock or ETF (up 50%, down 33.3%)"
    )


def test_quality_indexes_have_a_tighter_limit_and_never_split() -> None:
    days = sessions(date(2023, 1, 3), date(2023, 3, 31))
    at = days.index(date(2023, 2, 1))
    up = walk(len(days), 4000.0)
    up[at:] *= 1.35
    assert flags_of("^GSPC", days, up) == [("jump", days[at - 1], days[at])]
    assert flags_of("SPY", days, up / 10) == []  # the same move is allowed to an ETF
    halved = walk(len(days), 4000.0)
    halved[at:] /= 2
    (flag,) = series_flags("^GSPC", days, halved)
    assert flag.kind == "jump" and "of an index (up 30%, down 23.1%)" in flag.detail
    assert flags_of("SPY", days, halved / 10) == [("split", days[at - 1], days[at])]


def test_quality_volatility_index_may_double() -> None:
    days = sessions(date(2018, 1, 2), date(2018, 3, 30))
    at = days.index(date(2018, 2, 5))
    vix = walk(len(days), 15.0)
    vix[at:] *= 2.15  # ^VIX, 2018-02-05: 17.31 to 37.32
    assert series_flags("^VIX", days, vix) == []
    vix[at:] *= 2
    assert flags_of("^VIX", days, vix) == [("jump", days[at - 1], days[at])]


def test_quality_one_bad_bar_is_one_flag_on_that_bar() -> None:
    days = sessions(date(2023, 1, 3), date(2023, 3, 31))
    closes = walk(len(days))
    at = days.index(date(2023, 2, 1))
    closes[at] *= 10  # a bad print the next bar takes back
    (flag,) = series_flags("ACME", days, closes)
    assert (flag.kind, flag.start, flag.end) == ("jump", days[at], days[at])
    assert "the next bar takes it back" in flag.detail and "likely a bad print" in flag.detail


def test_quality_flags_come_in_date_order_and_know_what_they_touch() -> None:
    days = sessions(date(2023, 1, 3), date(2023, 6, 30))
    closes = walk(len(days))
    closes[days.index(date(2023, 5, 1)) :] /= 4
    days = [d for d in days if not date(2023, 2, 6) <= d <= date(2023, 2, 10)]
    flags = series_flags("ACME", days, closes[: len(days)])
    assert [f.kind for f in flags] == ["gap", "split"]
    gap = flags[0]
    assert gap.touches(date(2023, 2, 10), date(2023, 3, 1))
    assert gap.touches(date(2023, 1, 1), date(2023, 2, 6))
    assert not gap.touches(date(2023, 2, 13), date(2023, 3, 1))
    assert not gap.touches(date(2023, 1, 1), date(2023, 2, 3))


def test_quality_takes_a_date_index_and_refuses_what_is_no_series() -> None:
    days = sessions(date(2023, 1, 3), date(2023, 1, 31))
    series = pd.Series(walk(len(days)), index=pd.DatetimeIndex(days))
    assert series_flags("ACME", series.index, series.to_numpy()) == []
    assert series_flags("ACME", days[:1], [100.0]) == []
    with pytest.raises(ValueError, match="3 dates but 2 closes"):
        series_flags("ACME", days[:3], [1.0, 2.0])
    with pytest.raises(ValueError, match="strictly ascending"):
        series_flags("ACME", [days[1], days[0]], [1.0, 2.0])
    with pytest.raises(ValueError, match="finite and above zero"):
        series_flags("ACME", days[:2], [1.0, 0.0])


def test_quality_real_series_have_no_flags(prices_dir: Path) -> None:
    """The shared files are clean and split-adjusted: any flag on them is a false alarm."""
    for path in sorted(prices_dir.glob("*.csv")):
        if path.name == "splits.csv":
            continue
        bars = pd.read_csv(path, index_col="date", parse_dates=True)
        symbol = f"^{path.stem}" if bars["adj_close"].isna().all() else path.stem
        assert series_flags(symbol, bars.index, bars["close"].to_numpy()) == [], path.name


WINTER = sessions(date(2024, 11, 1), date(2025, 3, 31))


@given(
    st.lists(st.floats(-0.2, 0.2), min_size=2, max_size=80),
    st.sampled_from(["ACME", "^GSPC"]),
)
def test_quality_ordinary_sessions_are_never_flagged(moves: list[float], symbol: str) -> None:
    # moves of up to 20% on every session, holidays between them: no flag, ever
    days = WINTER[: len(moves)]
    closes = 100.0 * np.exp(np.cumsum(np.log1p(moves[: len(days)])))
    assert series_flags(symbol, days, closes) == []
