"""Horizons: find the time window a claim speaks about and normalise it to dates.

Input: a sentence and the publication date. Output: `Horizon` (start, end, the text
as written, whether a default was assumed). Phrases live in data/horizons.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from dateutil.relativedelta import relativedelta

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8,
    "nine": 9, "twelve": 12, "eighteen": 18, "twenty-four": 24,
}  # fmt: skip


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
    n: int | None


@dataclass(frozen=True)
class HorizonMatch:
    start: int
    end: int
    text: str
    rule: HorizonRule
    groups: dict[str, str | None]


@cache
def load_rules() -> tuple[tuple[HorizonRule, ...], dict[str, int]]:
    raw = tomllib.loads(
        resources.files("pipeline.extract").joinpath("data", "horizons.toml").read_text("utf-8")
    )
    rules = tuple(
        HorizonRule(re.compile(r["pattern"], re.IGNORECASE), r["window"], r.get("n"))
        for r in raw["rule"]
    )
    return rules, dict(raw["default_months"])


def find_horizons(sentence: str) -> list[HorizonMatch]:
    """Every horizon phrase in a sentence, earliest rule first where two overlap."""
    rules, _ = load_rules()
    found: list[HorizonMatch] = []
    taken: list[tuple[int, int]] = []
    for rule in rules:
        for match in rule.pattern.finditer(sentence):
            start, end = match.start(), match.end()
            text = match.group(0).strip()
            start += len(match.group(0)) - len(match.group(0).lstrip())
            if not text or any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append(HorizonMatch(start, end, text, rule, match.groupdict()))
    return sorted(found, key=lambda m: m.start)


def resolve_horizon(found: HorizonMatch | None, published: date | None, kind: str) -> Horizon:
    """Dates for a horizon phrase (or the default for `kind` when there is none).

    Without a publication date nothing can be anchored: start and end stay None.
    """
    _, defaults = load_rules()
    if published is None:
        return Horizon(None, None, found.text if found else None, found is None)
    if found is None:
        return Horizon(
            published, published + relativedelta(months=defaults.get(kind, 12)), None, True
        )
    start, end = _window(found, published)
    return Horizon(start, end, found.text, False)


def _window(found: HorizonMatch, p: date) -> tuple[date, date]:
    rule, groups, text = found.rule, found.groups, found.text.lower()
    year = _first_int(groups, "year", "year2", "year3")
    if year is not None and year < 100:
        year += 2000
    if rule.window == "months":
        n = rule.n or _count(groups.get("n"))
        return p, p + relativedelta(months=n)
    if rule.window == "weeks":
        n = rule.n or _count(groups.get("n"))
        return p, p + timedelta(weeks=n)
    if rule.window == "half":
        return _half(groups, text, year, p)
    if rule.window == "year_end":
        return p, date(year or p.year, 12, 31)
    if rule.window == "new_year":
        return p, date(year or p.year + 1, 1, 31)
    if rule.window == "calendar_year":
        if "this year" in text:
            return p, date(p.year, 12, 31)
        target = p.year + 1 if "next year" in text else (year or p.year)
        return max(p, date(target, 1, 1)), date(target, 12, 31)
    raise ValueError(f"unknown horizon window {rule.window!r}")


def _half(groups: dict[str, Any], text: str, year: int | None, p: date) -> tuple[date, date]:
    marker = groups.get("half") or groups.get("half2") or groups.get("half3") or ""
    first = marker in ("first", "1")
    if year is None:
        year = p.year if (first or p.month <= 6) else p.year + 1
        if first and p.month > 6:
            year = p.year + 1
    start, end = (
        (date(year, 1, 1), date(year, 6, 30)) if first else (date(year, 7, 1), date(year, 12, 31))
    )
    return max(start, p), end


def _count(value: str | None) -> int:
    if value is None:
        return 1
    return int(value) if value.isdigit() else NUMBER_WORDS.get(value.lower(), 1)


def _first_int(groups: dict[str, Any], *names: str) -> int | None:
    for name in names:
        if groups.get(name):
            return int(groups[name])
    return None
