"""Market calendar: NYSE trading days, and the solstices and equinoxes that bound seasons.

Input: dates. Output: dates (the trading day on or before/after, a season's edge). No side
effects; unscheduled closures live in data/market_calendar.toml.

Holidays follow NYSE rule 7.2 as a small rule table rather than a dependency: New Year's Day
(a Saturday holiday is not moved to Friday), Martin Luther King Jr. Day (from 1998),
Washington's Birthday, Good Friday, Memorial Day, Juneteenth (from 2022), Independence Day,
Labor Day, Thanksgiving and Christmas; other Saturday holidays close the Friday before and
Sunday ones the Monday after. NYSE keeps no Columbus or Veterans Day, so pandas'
USFederalHolidayCalendar is wrong for it. `holidays.financial_holidays("NYSE")` agrees but
costs ~14 MB and ~0.25 s to first answer, `exchange_calendars` ~0.5 s to import plus
~0.6 s per calendar: a rule table of forty lines is cheaper than either.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache
from importlib import resources

MON, THU, FRI, SAT, SUN = 0, 3, 4, 5, 6
MAX_STEPS = 14  # no run of closed days is longer than this; a guard, not a rule

# Mean solstice/equinox instants (Meeus, Astronomical Algorithms, table 27.B; years
# 1000-3000), as Julian Ephemeris Days: good to well under an hour, so to the day.
_SEASON_TERMS = {
    3: (2451623.80984, 365242.37404, 0.05169, -0.00411, -0.00057),
    6: (2451716.56767, 365241.62603, 0.00325, 0.00888, -0.00030),
    9: (2451810.21715, 365242.01767, -0.11575, 0.00337, 0.00078),
    12: (2451900.05952, 365242.74049, -0.06223, -0.00823, 0.00032),
}
_SEASON_FALLBACK_DAY = {3: 20, 6: 21, 9: 22, 12: 21}
_JD_2000_01_01 = 2451544.5


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` of a month (n = -1: the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _observed(day: date) -> date:
    if day.weekday() == SAT:
        return day - timedelta(days=1)
    if day.weekday() == SUN:
        return day + timedelta(days=1)
    return day


@cache
def nyse_holidays(year: int) -> frozenset[date]:
    """Full-day NYSE holidays of a year (rules from 1998 on; earlier years approximate)."""
    days = {
        nth_weekday(year, 2, MON, 3),
        easter(year) - timedelta(days=2),
        nth_weekday(year, 5, MON, -1),
        _observed(date(year, 7, 4)),
        nth_weekday(year, 9, MON, 1),
        nth_weekday(year, 11, THU, 4),
        _observed(date(year, 12, 25)),
    }
    new_year = date(year, 1, 1)
    if new_year.weekday() != SAT:
        days.add(_observed(new_year))
    if year >= 1998:
        days.add(nth_weekday(year, 1, MON, 3))
    if year >= 2022:
        days.add(_observed(date(year, 6, 19)))
    return frozenset(days)


@cache
def closures() -> frozenset[date]:
    """Unscheduled full-day closures (national days of mourning, storms), from the data file."""
    raw = tomllib.loads(
        resources.files("pipeline.extract")
        .joinpath("data", "market_calendar.toml")
        .read_text("utf-8")
    )
    return frozenset(date.fromisoformat(d) for d in raw["closures"])


def is_trading_day(day: date) -> bool:
    return day.weekday() < SAT and day not in nyse_holidays(day.year) and day not in closures()


def trading_day_on_or_before(day: date) -> date:
    for _ in range(MAX_STEPS):
        if is_trading_day(day):
            return day
        day -= timedelta(days=1)
    return day


def trading_day_on_or_after(day: date) -> date:
    for _ in range(MAX_STEPS):
        if is_trading_day(day):
            return day
        day += timedelta(days=1)
    return day


def add_trading_days(day: date, n: int) -> date:
    """The n-th trading day after `day` (n >= 1)."""
    for _ in range(n):
        day = trading_day_on_or_after(day + timedelta(days=1))
    return day


def season_edge(year: int, month: int) -> date:
    """The (UTC) day of the March/September equinox or June/December solstice of a year."""
    if not 1000 <= year <= 3000:
        return date(year, month, _SEASON_FALLBACK_DAY[month])
    y = (year - 2000) / 1000
    c0, c1, c2, c3, c4 = _SEASON_TERMS[month]
    jde = c0 + c1 * y + c2 * y**2 + c3 * y**3 + c4 * y**4
    return date(2000, 1, 1) + timedelta(days=int(jde - _JD_2000_01_01))
