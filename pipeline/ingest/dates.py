"""Dates: read a calendar date out of a URL, a byline, or the text of an article.

Input: strings. Output: dates, or None when nothing certain is there. Pure.

`infer_date` is deliberately separate: it offers the latest full date the text names
("the gap-up for IWM on Friday, 6/2/23"), which is a lower bound on publication, not
the publication date. Callers store it apart from `published` (see Article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from dateutil import parser as dateparser

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?:(?P<weekday>" + "|".join(WEEKDAYS) + r"),?\s+(?:the\s+)?)?"
#: Full dates only: a year, a month and a day. "Jan. 5-11" or "in 2024" pin nothing.
TEXT_DATES = [
    re.compile(_WEEKDAY + r"\b(?P<iso>(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2}))\b", re.I),
    re.compile(_WEEKDAY + r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})\b", re.I),
    re.compile(
        _WEEKDAY + r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b", re.I
    ),
    re.compile(
        _WEEKDAY + r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})\b", re.I
    ),
]
URL_DATES = [
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(
        r"[/_-](?P<y>(?:19|20)\d{2})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
    ),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:/|$)"),
]
EARLIEST = date(1990, 1, 1)


@dataclass(frozen=True)
class InferredDate:
    """A date the text pins down, and the words it was read from."""

    day: date
    evidence: str


def date_from_url(url: str | None) -> date | None:
    """A date written into a URL path: /2023/11/28/, /2023-11-28-slug, /20231128/."""
    if not url:
        return None
    for pattern in URL_DATES:
        if match := pattern.search(url):
            return _valid(int(match["y"]), int(match["m"]), int(match["d"]))
    return None


def parse_date(value: object) -> date | None:
    """A date from a machine-readable value (ISO 8601, RFC 822, "Nov 28, 2023"), or None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    try:
        parsed = dateparser.parse(value.strip(), ignoretz=True).date()
    except (ValueError, OverflowError):
        return None
    return parsed if EARLIEST <= parsed <= date.today() else None


def first_date(text: str) -> date | None:
    """The first full date written in a short human text such as a byline."""
    found = list(_dates(text[:300]))
    return found[0].day if found else None


def infer_date(text: str, today: date | None = None) -> InferredDate | None:
    """The latest full date the text names, not after `today`; None if it names none.

    A date next to a weekday that does not match it ("Monday, 6/2/23") is ignored.
    """
    latest: InferredDate | None = None
    for found in _dates(text):
        if found.day <= (today or date.today()) and (latest is None or found.day > latest.day):
            latest = found
    return latest


def _dates(text: str) -> list[InferredDate]:
    out: list[tuple[int, InferredDate]] = []
    for pattern in TEXT_DATES:
        for match in pattern.finditer(text):
            day = _from_match(match)
            if day is None:
                continue
            weekday = match["weekday"]
            if weekday and WEEKDAYS.index(weekday.lower()) != day.weekday():
                continue
            out.append((match.start(), InferredDate(day, match.group(0).strip())))
    return [found for _, found in sorted(out, key=lambda pair: pair[0])]


def _from_match(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if year < 100:
        year += 2000 if year < 70 else 1900
    if groups.get("month"):
        return _valid(year, MONTHS[groups["month"].lower()], int(groups["d"]))
    if groups.get("a"):
        first, second = int(groups["a"]), int(groups["b"])
        # US order (month/day) unless the first number cannot be a month.
        month, day = (second, first) if first > 12 else (first, second)
        return _valid(year, month, day)
    return _valid(year, int(groups["m"]), int(groups["d"]))


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if found >= EARLIEST else None
