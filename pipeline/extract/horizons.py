"""Horizons: find the time window a claim speaks about and normalise it to dates.

Input: a sentence and the publication date P. Output: `Horizon` (start, end, the text as
written, whether a default was assumed). Phrases live in data/horizons.toml; this module
implements the window kinds they name:

- span: P + n days/sessions/weeks/months/quarters/years; a range ("12-18 months") takes
  its stated low end, as values do; sessions count NYSE trading days.
- few: "the coming weeks", "the next few days": a count per unit from the data file.
- period: this/next week, month, quarter or year, year-end, "the rest of the year".
  A week ends on Friday; published on a weekend, "this week" is the week ahead.
- calendar_year, half, quarter, month, date, season, named_day, new_year: calendar anchors,
  the next occurrence on or after P when no year is given. "by March" and "in March" end
  on March 31 ("in" starts on March 1, or P if later); "before March" ends the day before
  March begins; "early/mid/late March" end on the 10th/15th/31st. Quarters are calendar
  quarters: a fiscal quarter is read as one and flagged as assumed. Seasons are
  astronomical: summer ends at the September equinox; "by/in/this summer" and "before
  summer is done" end there, "before summer" ends when summer begins.
- day, weekday: today, tomorrow, this session, "by Friday".
- event: election (dates in the data file), FOMC meetings (data), the monthly jobs report
  (the first Friday of a month), earnings. With no known report date, "into earnings"
  reads as the next reporting-season estimate and says so; a caller who knows the date
  passes it in `events`.
- vague ("long term"): no date, so the 12-month default, flagged.

Trading days: an end that falls on a weekend or NYSE holiday moves to the last trading day
on or before it, except for day and weekday windows (today, tomorrow, "by Friday"), which
move to the next trading day: a call made on a Saturday for "tomorrow" is graded on
Monday's close. An end that would fall before P moves to the next trading day after it.
The 12-month default is the tracker's convention ("12 months from publication") and is
left as it is: the tracker grades on the last close on or before it either way.

Every reading that is a default says so: `assumed` is True and the text carries the reason,
e.g. "into earnings (date unknown: next reporting-season estimate)". Nothing here raises on
odd input: absurd counts, impossible dates and dates past the calendar's end give the
default (or no date when even that cannot be had), with the reason in the text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from dateutil.relativedelta import relativedelta

from pipeline.extract import market_calendar as cal

MAX_SPAN_DAYS = 366 * 30  # a stated span longer than 30 years is not a forecast window
LATEST_YEAR = 2100  # a window ending later is not graded (and dates past it overflow)
UNITS = {
    "day": "day", "trading day": "session", "session": "session", "week": "week",
    "month": "month", "quarter": "quarter", "year": "year", "decade": "decade",
}  # fmt: skip
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
ORDINALS |= {"fourth": 4, "4th": 4}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4}
SEASONS = {"spring": (3, 6), "summer": (6, 9), "fall": (9, 12), "autumn": (9, 12)}
SEASONS["winter"] = (12, 3)
PART_DAY = {"early": 10, "mid": 15}


class TooFar(Exception):  # noqa: N818  (internal signal, never leaves this module)
    """A stated window too long, or ending too late, to be a forecast anyone can grade."""


class Undatable(Exception):  # noqa: N818  (internal signal, never leaves this module)
    """A phrase that names a window no calendar date can stand for (the reason is the text)."""


@dataclass(frozen=True)
class Horizon:
    start: date | None
    end: date | None
    text: str | None
    assumed: bool


@dataclass(frozen=True)
class HorizonRule:
    pattern: re.Pattern[str]
    window: str
    n: int | None = None
    unit: str | None = None
    offset: int | None = None
    event: str | None = None
    assumed: bool = False
    note: str | None = None
    unless_before: re.Pattern[str] | None = None
    starts_now: bool = False


@dataclass(frozen=True)
class HorizonMatch:
    start: int
    end: int
    text: str
    rule: HorizonRule
    groups: dict[str, str | None]


@dataclass(frozen=True)
class Window:
    """A resolved window before the trading-day roll."""

    start: date
    end: date
    roll_forward: bool = False
    note: str | None = None  # set: the reading is a default and the note says which


@dataclass(frozen=True)
class HorizonData:
    rules: tuple[HorizonRule, ...]
    default_months: dict[str, int]
    few: dict[str, int]
    numbers: dict[str, int]
    past_before: re.Pattern[str]
    past_after: re.Pattern[str]
    events: dict[str, tuple[date, ...]]
    earnings_estimates: tuple[tuple[int, int], ...]
    fomc_fallback_weeks: int
    days: dict[str, str]


@cache
def load_rules() -> HorizonData:
    """The phrase rules and conventions of data/horizons.toml, compiled once."""
    raw = tomllib.loads(
        resources.files("pipeline.extract").joinpath("data", "horizons.toml").read_text("utf-8")
    )
    numbers = {k.lower(): int(v) for k, v in raw["numbers"].items()}
    words = sorted(numbers, key=len, reverse=True)
    macros = dict(raw["macros"])
    macros["num"] = r"(?:\d+(?:\.\d+)?|" + "|".join(re.escape(w) for w in words) + ")"

    def compile_(text: str) -> re.Pattern[str]:
        return re.compile(re.sub(r"\{([a-z]+)\}", lambda m: macros.get(m[1], m[0]), text), re.I)

    rules = tuple(
        HorizonRule(
            compile_(r["pattern"]),
            r["window"],
            n=r.get("n"),
            unit=r.get("unit"),
            offset=r.get("offset"),
            event=r.get("event"),
            assumed=r.get("assumed", False),
            note=r.get("note"),
            unless_before=compile_(r["unless_before"]) if "unless_before" in r else None,
            starts_now=r.get("starts_now", False),
        )
        for r in raw["rule"]
    )
    ev = raw["events"]
    return HorizonData(
        rules=rules,
        default_months=dict(raw["default_months"]),
        few=dict(raw["few"]),
        numbers=numbers,
        past_before=re.compile(raw["guards"]["past_before"], re.I),
        past_after=re.compile(raw["guards"]["past_after"], re.I),
        events={k: tuple(sorted(map(date.fromisoformat, ev[k]))) for k in ("election", "fomc")},
        earnings_estimates=tuple(
            (int(md[:2]), int(md[3:])) for md in sorted(ev["earnings_estimates"])
        ),
        fomc_fallback_weeks=int(ev["fomc_fallback_weeks"]),
        days={k.lower(): v for k, v in raw["days"].items()},
    )


def find_horizons(sentence: str) -> list[HorizonMatch]:
    """Every horizon phrase in a sentence, in order; of two that overlap, the longer."""
    data = load_rules()
    candidates: list[tuple[int, int, int, re.Match[str], HorizonRule]] = []
    for order, rule in enumerate(data.rules):
        for match in rule.pattern.finditer(sentence):
            text = match.group(0)
            start = match.start() + len(text) - len(text.lstrip())
            end = match.start() + len(text.rstrip())
            if end > start and not _excluded(sentence, start, end, rule, data):
                candidates.append((start, end, order, match, rule))
    candidates.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    found: list[HorizonMatch] = []
    for start, end, _, match, rule in candidates:
        if any(start < f.end and f.start < end for f in found):
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        found.append(HorizonMatch(start, end, sentence[start:end], rule, _merge_aliases(groups)))
    return sorted(found, key=lambda m: m.start)


def _excluded(sentence: str, start: int, end: int, rule: HorizonRule, data: HorizonData) -> bool:
    before = sentence[max(0, start - 20) : start]
    if data.past_before.search(before) or data.past_after.search(sentence[end : end + 20]):
        return True
    if rule.unless_before is None:
        return False
    clause = re.split(r"[,;:]", sentence[max(0, start - 80) : start])[-1]
    return bool(rule.unless_before.search(clause))


def _merge_aliases(groups: dict[str, str]) -> dict[str, str | None]:
    merged: dict[str, str | None] = {}
    for name, value in groups.items():  # month1 (a range's first month) is its own name
        merged.setdefault(name if name == "month1" else name.rstrip("0123456789"), value)
    return merged


def resolve_horizon(
    found: HorizonMatch | None,
    published: date | None,
    kind: str,
    events: Mapping[str, date] | None = None,
) -> Horizon:
    """Dates for a horizon phrase (or the default for `kind` when there is none).

    Args:
        found: a match from `find_horizons`, or None when the sentence states no horizon.
        published: the publication date; without one nothing can be anchored and start
            and end stay None.
        kind: the claim kind, which picks the default length.
        events: known dates of named events (e.g. {"earnings": date(2024, 1, 30)}).

    Returns:
        A Horizon; `assumed` is True, with the reason in `text`, whenever a default stands
        in for a date the phrase does not give. Never raises on odd input.
    """
    if published is None:
        return Horizon(None, None, found.text if found else None, found is None)
    if found is None:
        return _default(published, kind, None, None)
    try:
        window = _WINDOWS[found.rule.window](found, published, events or {})
        if window.end < published:
            raise Undatable("before publication")
        if window.end.year > LATEST_YEAR or (window.end - published).days > MAX_SPAN_DAYS:
            raise TooFar(f"ends {window.end.isoformat()}")
        end = _roll(window.end, published, window.roll_forward)
    except TooFar as why:
        return _too_far(published, found.text, str(why))
    except Undatable as why:
        return _default(published, kind, found.text, str(why))
    except (ValueError, OverflowError, ArithmeticError):
        return _default(published, kind, found.text, "no such date")
    start = published if found.rule.starts_now else min(max(window.start, published), end)
    if window.note:
        return Horizon(start, end, f"{found.text} ({window.note})", True)
    return Horizon(start, end, found.text, found.rule.assumed)


def _too_far(published: date, text: str, why: str) -> Horizon:
    """No window: the phrase states one over 30 years long or past LATEST_YEAR, which no
    record can grade (tracking excludes the claim and says why)."""
    note = f"{text} ({why}: a window over 30 years or past {LATEST_YEAR} is not graded)"
    return Horizon(published, None, note, False)


def _default(published: date, kind: str, text: str | None, reason: str | None) -> Horizon:
    """The default window for `kind`; with a phrase, its text says why the default stands."""
    months = load_rules().default_months.get(kind, 12)
    try:
        end: date | None = published + relativedelta(months=months)
        fallback = f"{months}-month default"
    except (ValueError, OverflowError):
        end, fallback = None, "past the end of the calendar: no date"
    if text is None:
        return Horizon(published, end, None if end else fallback, True)
    return Horizon(published, end, f"{text} ({reason}: {fallback})", True)


def _roll(end: date, published: date, forward: bool) -> date:
    if forward:
        return cal.trading_day_on_or_after(end)
    rolled = cal.trading_day_on_or_before(end)
    return rolled if rolled >= published else cal.trading_day_on_or_after(end)


# --- window kinds ---------------------------------------------------------------------------


def _span(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g, rule = found.groups, found.rule
    n = float(rule.n) if rule.n is not None else _count(g.get("n"))
    unit = rule.unit or _unit(g.get("unit"))
    return Window(p, _add(p, n, unit))


def _few(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    unit = _unit(found.groups.get("unit"))
    return Window(p, _add(p, float(load_rules().few[unit]), unit))


def _vague(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    raise Undatable(found.rule.note or "no date")


def _add(p: date, n: float, unit: str) -> date:
    if n <= 0:
        raise Undatable("a window of no length")
    days_per = {"day": 1, "session": 1.45, "week": 7, "month": 30.44, "quarter": 91.3}
    days_per |= {"year": 365.25, "decade": 3652.5}
    if n * days_per[unit] > MAX_SPAN_DAYS:
        raise TooFar("over 30 years")
    if unit == "session":
        return cal.add_trading_days(p, max(1, round(n)))
    if unit in ("day", "week"):
        return p + timedelta(days=round(n * days_per[unit]))
    months = n * {"month": 1, "quarter": 3, "year": 12, "decade": 120}[unit]
    if months != int(months):
        return p + relativedelta(months=int(months), days=round((months % 1) * 30.44))
    return p + relativedelta(months=int(months))


def _count(value: str | None) -> float:
    if value is None:
        return 1.0
    value = re.sub(r"\s+", " ", value.lower())
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value) if len(value) < 12 else float("inf")
    return float(load_rules().numbers.get(value, 1))


def _unit(value: str | None) -> str:
    if not value:
        return "month"
    word = re.sub(r"\s+", " ", value.lower()).removesuffix("s")
    return UNITS.get(word, "month")


def _period(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g, rule = found.groups, found.rule
    unit = rule.unit or _unit(g.get("unit"))
    which = (g.get("which") or "").lower()
    offset = rule.offset if rule.offset is not None else (1 if which == "next" else 0)
    year = _year(g.get("year"))
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    else:
        start, end = _period_bounds(p, unit, offset)
    part = (g.get("part") or "").lower()
    if "mid" in found.text.lower() and unit == "year" and not part:
        part = "mid"
    if part == "early" and unit == "year":
        end = date(end.year, 3, 31)
    elif part == "mid" and unit == "year":
        end = date(end.year, 6, 30)
    elif part in PART_DAY and unit == "month":
        end = end.replace(day=PART_DAY[part])
    return Window(start, end)


def _period_bounds(p: date, unit: str, offset: int) -> tuple[date, date]:
    if unit in ("week", "day", "session"):
        monday = p - timedelta(days=p.weekday()) + timedelta(weeks=offset)
        if p.weekday() >= cal.SAT:
            monday += timedelta(weeks=1)
        return monday, monday + timedelta(days=4)
    months = {"month": 1, "quarter": 3}.get(unit, 12)
    first = date(p.year, 1 if months == 12 else ((p.month - 1) // months) * months + 1, 1)
    first += relativedelta(months=months * offset)
    return first, first + relativedelta(months=months) - timedelta(days=1)


def _calendar_year(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    year = _year(found.groups.get("year")) or p.year
    note = "fiscal year read as the calendar year" if found.groups.get("fiscal") else None
    return Window(date(year, 1, 1), date(year, 12, 31), note=note)


def _new_year(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    year = _year(found.groups.get("year")) or p.year + 1
    return Window(p, date(year, 1, 31))


def _half(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    first = (g.get("half") or "").lower() in ("first", "front", "1")
    year = _year(g.get("year"))
    if year is None:
        year = p.year + 1 if (g.get("which") or "").lower() == "next" else p.year
        if first and p.month > 6 and not g.get("which"):
            year += 1
    if first:
        return Window(date(year, 1, 1), date(year, 6, 30))
    return Window(date(year, 7, 1), date(year, 12, 31))


def _quarter(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    raw = (g.get("q") or "").lower()
    q = int(raw) if raw.isdigit() else ORDINALS[raw]
    year = _year(g.get("year"))
    if year is None:
        year = p.year if q >= (p.month - 1) // 3 + 1 else p.year + 1
    start = date(year, 3 * q - 2, 1)
    end = start + relativedelta(months=3) - timedelta(days=1)
    note = "fiscal quarter read as the calendar quarter" if g.get("fiscal") else None
    return Window(start, end, note=note)


def _month(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    month = _month_number(g.get("month"))
    prep = re.sub(r"\s+", " ", (g.get("prep") or "").lower())
    part = (g.get("part") or "").lower()
    if prep in ("in early", "in late"):
        prep, part = "in", prep.split(" ")[1]
    year = _year(g.get("year"))

    def bounds(y: int) -> tuple[date, date]:
        first = date(y, month, 1)
        last = first + relativedelta(months=1) - timedelta(days=1)
        if prep == "before":
            return p, first - timedelta(days=1)
        if part in PART_DAY:
            last = first.replace(day=PART_DAY[part])
        if g.get("month1"):
            first = date(y if _month_number(g["month1"]) <= month else y - 1,
                         _month_number(g["month1"]), 1)  # fmt: skip
        return (first if prep in ("in", "during") or g.get("month1") else p), last

    if year is not None:
        start, end = bounds(year)
    else:
        start, end = bounds(p.year)
        if end < p:
            start, end = bounds(p.year + 1)
    return Window(start, end)


def _date(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    month = _month_number(g.get("month")) if g.get("month") else int(g.get("mnum") or 0)
    day = int(g.get("day") or 0)
    year = _year(g.get("year"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise Undatable("no such date")
    try:
        end = date(year or p.year, month, day)
        if year is None and end < p:
            end = date(p.year + 1, month, day)
    except ValueError:
        raise Undatable("no such date") from None
    return Window(p, end)


def _season(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    name = (g.get("season") or "summer").lower()
    prep = re.sub(r"\s+", " ", (g.get("prep") or "").lower())
    which = (g.get("which") or "").lower()
    begins_at = (prep == "before" and not g.get("done")) or "start" in prep or "beginning" in prep
    first_month, last_month = SEASONS[name]

    def bounds(y: int) -> tuple[date, date]:
        end_year = y + 1 if last_month < first_month else y
        return cal.season_edge(y, first_month), cal.season_edge(end_year, last_month)

    year = _year(g.get("year"))
    if year is None:
        year = p.year - 1 if last_month < first_month and p.month <= 3 else p.year
        while bounds(year)[1] < p or (which == "next" and bounds(year)[0] <= p):
            year += 1
    start, end = bounds(year)
    if begins_at:
        return Window(p, start - timedelta(days=1))
    from_now = prep not in ("", "in", "during", "over", "for") or which == "this"
    return Window(p if from_now and prep else start, end)


def _opex(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    """Monthly options expiration: the third Friday of the month named, else of this month
    (the next month's once this one's has passed)."""
    g = found.groups
    month = _month_number(g.get("month")) if g.get("month") else p.month
    year = p.year
    end = cal.nth_weekday(year, month, cal.FRI, 3)
    while end < p:
        if g.get("month"):
            year += 1
        else:
            month, year = (1, year + 1) if month == 12 else (month + 1, year)
        end = cal.nth_weekday(year, month, cal.FRI, 3)
    return Window(p, end)


def _named_day(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    name = re.sub(r"\s+", " ", (found.groups.get("name") or "").lower())
    name = name.replace("new years", "new year's")
    spec = load_rules().days.get(name) or load_rules().days.get(name.removeprefix("the "))
    if spec is None:
        raise Undatable("unknown day")

    def on(y: int) -> date:
        if spec == "easter":
            return cal.easter(y)
        if ":" in spec:
            month, nth, weekday = (int(x) for x in spec.split(":"))
            return cal.nth_weekday(y, month, weekday, nth)
        return date(y, int(spec[:2]), int(spec[3:]))

    end = on(p.year)
    return Window(p, end if end >= p else on(p.year + 1))


def _day(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    today = cal.trading_day_on_or_after(p)
    if found.rule.offset:
        today = cal.add_trading_days(p, found.rule.offset)
    return Window(p, today, roll_forward=True)


def _weekday(found: HorizonMatch, p: date, _: Mapping[str, date]) -> Window:
    g = found.groups
    weekday = WEEKDAYS[(g.get("weekday") or "friday").lower()]
    end = p + timedelta(days=(weekday - p.weekday()) % 7)
    if (g.get("which") or "").lower() == "next":
        monday = p - timedelta(days=p.weekday()) + timedelta(weeks=2 if p.weekday() >= 5 else 1)
        end = monday + timedelta(days=weekday)
    return Window(p, end, roll_forward=True)


def _event(found: HorizonMatch, p: date, events: Mapping[str, date]) -> Window:
    name = found.rule.event or ""
    if name in events:
        return Window(p, events[name])
    return _EVENTS[name](found, p)


def _election(found: HorizonMatch, p: date) -> Window:
    text = found.text.lower()
    year = _year(found.groups.get("year"))
    for day in load_rules().events["election"]:
        if day < p or (year and day.year != year):
            continue
        if "presidential" in text and day.year % 4:
            continue
        if "midterm" in text and not day.year % 4:
            continue
        return Window(p, day)
    raise Undatable("election date unknown")


def _fomc(found: HorizonMatch, p: date) -> Window:
    data = load_rules()
    month = _month_number(found.groups["month"]) if found.groups.get("month") else None
    for day in data.events["fomc"]:
        if day >= p and (month is None or day.month == month):
            return Window(p, day)
    weeks = data.fomc_fallback_weeks
    end = p + timedelta(weeks=weeks)
    return Window(p, end, note=f"FOMC date unknown: {weeks}-week default")


def _earnings(found: HorizonMatch, p: date) -> Window:
    which = (found.groups.get("which") or "").lower()
    if which:
        offset = 0 if which == "this" else 1
        return Window(p, _period_bounds(p, "week", offset)[1])
    for year in (p.year, p.year + 1):
        for month, day in load_rules().earnings_estimates:
            if date(year, month, day) > p:
                end = date(year, month, day)
                return Window(p, end, note="date unknown: next reporting-season estimate")
    raise Undatable("date unknown")


def _jobs(found: HorizonMatch, p: date) -> Window:
    day = p + timedelta(days=1)
    while not (day.weekday() == cal.FRI and day.day <= 7):
        day += timedelta(days=1)
    return Window(p, day)


def _year(value: str | None) -> int | None:
    if not value:
        return None
    digits = value.strip("'")
    year = int(digits)
    return year + 2000 if year < 100 else year


def _month_number(value: str | None) -> int:
    return MONTHS[(value or "")[:3].lower()]


_WINDOWS: dict[str, Callable[[HorizonMatch, date, Mapping[str, date]], Window]] = {
    "span": _span, "few": _few, "vague": _vague, "period": _period,
    "calendar_year": _calendar_year, "new_year": _new_year, "half": _half,
    "quarter": _quarter, "month": _month, "opex": _opex, "date": _date, "season": _season,
    "named_day": _named_day, "day": _day, "weekday": _weekday, "event": _event,
}  # fmt: skip
_EVENTS: dict[str, Callable[[HorizonMatch, date], Window]] = {
    "election": _election, "fomc": _fomc, "earnings": _earnings, "jobs": _jobs,
}  # fmt: skip
