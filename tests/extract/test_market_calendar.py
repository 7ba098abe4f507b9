"""NYSE trading days and season edges."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.extract.market_calendar import (
    add_trading_days,
    is_trading_day,
    nyse_holidays,
    season_edge,
    trading_day_on_or_after,
    trading_day_on_or_before,
)


def test_market_calendar_2024_holidays_are_nyse_not_federal() -> None:
    assert sorted(nyse_holidays(2024)) == [
        date(2024, 1, 1), date(2024, 1, 15), date(2024, 2, 19), date(2024, 3, 29),
        date(2024, 5, 27), date(2024, 6, 19), date(2024, 7, 4), date(2024, 9, 2),
        date(2024, 11, 28), date(2024, 12, 25),
    ]  # fmt: skip
    assert is_trading_day(date(2024, 10, 14))  # Columbus Day: the exchange is open
    assert is_trading_day(date(2024, 11, 11))  # Veterans Day: open


@pytest.mark.parametrize(
    ("day", "trading"),
    [
        (date(2021, 12, 31), True),  # New Year's Day 2022 fell on a Saturday: no Friday off
        (date(2021, 6, 18), True),  # Juneteenth is a market holiday only from 2022
        (date(2022, 6, 20), False),  # Juneteenth 2022 (a Sunday) observed on Monday
        (date(2026, 7, 3), False),  # July 4th 2026 is a Saturday: Friday closed
        (date(2025, 1, 9), False),  # unscheduled closure, from the data file
        (date(2025, 4, 18), False),  # Good Friday
    ],
)
def test_market_calendar_observed_rules(day: date, trading: bool) -> None:
    assert is_trading_day(day) is trading


def test_market_calendar_rolls_and_counts() -> None:
    assert trading_day_on_or_before(date(2024, 3, 31)) == date(2024, 3, 28)
    assert trading_day_on_or_after(date(2024, 3, 29)) == date(2024, 4, 1)
    assert add_trading_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    assert add_trading_days(date(2024, 5, 8), 5) == date(2024, 5, 15)


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2023, 9, date(2023, 9, 23)), (2024, 9, date(2024, 9, 22)), (2024, 6, date(2024, 6, 20)),
     (2023, 12, date(2023, 12, 22)), (2025, 3, date(2025, 3, 20)), (2025, 6, date(2025, 6, 21))],
)  # fmt: skip
def test_market_calendar_season_edges(year: int, month: int, day: date) -> None:
    assert season_edge(year, month) == day
