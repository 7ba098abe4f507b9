"""Reasons: the sentence that says why a graded claim has its status.

Input: one graded row (a mapping of the cells named in REASON_KEYS). Output: a sentence
that names the series, the level or returns, the dates and, for missing data, what to do.
No side effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import numpy as np

from pipeline.prices.book import file_name, how_to_supply
from pipeline.track.windows import EPOCH

LEVEL_KINDS = ("target", "move")
#: The cells a reason sentence may read.
REASON_KEYS = (
    "status", "series", "no_series", "kind", "up", "negated", "conditional", "as_of",
    "published", "window_start", "horizon_end", "series_end", "start_day", "end_day",
    "hit_day", "level", "factor", "move_pct", "high", "low", "return_pct", "drift",
    "net_status", "benchmark", "benchmark_return", "benchmark_series", "ratio", "needed",
)  # fmt: skip


def reason(row: Mapping[str, Any]) -> str:
    """The sentence that says why a graded row has its status."""
    status, series = row["status"], text(row["series"])
    if status == "no_date":
        return (
            "The article has no published date, so the claim cannot be anchored; add "
            "`published:` front matter or re-ingest the file with --published YYYY-MM-DD "
            "(or, if the text names a date, run with --use-inferred-dates to grade from it)."
        )
    if status == "excluded":
        return _excluded_reason(row)
    if row["as_of"] < row["published"]:
        return f"As of {_date(row['as_of'])} the article was not yet published."
    if series is None:
        return str(row["no_series"])
    if row["start_day"] < 0:
        return _empty_window_reason(row)
    if row["kind"] in LEVEL_KINDS:
        return _level_reason(row)
    return _return_reason(row)


def _excluded_reason(row: Mapping[str, Any]) -> str:
    if row["conditional"]:
        return (
            "Conditional claim (if/would): it forecasts only once its condition holds, so it is "
            "excluded from grading, as CXO's Guru Grades exclude conditional calls."
        )
    missing = "price level" if row["kind"] == "target" else "percentage"
    return (
        f"Vague claim: a {row['kind']} with no {missing} to check, so it is excluded from "
        "grading, as CXO's Guru Grades exclude vague calls."
    )


def _empty_window_reason(row: Mapping[str, Any]) -> str:
    opens = _date(row["window_start"])
    if row["status"] == "pending":
        return f"The window opens on {opens}; as of {_date(row['as_of'])} there are no prices inside it yet."
    ends = _date(row["series_end"]) if row["series_end"] >= 0 else "before they start"
    return (
        f"No {row['series']} close between {opens} and {_date(row['horizon_end'])}: its prices "
        f"end on {ends}; {how_to_supply([row['series']])}."
    )


def _level_reason(row: Mapping[str, Any]) -> str:
    up, series, negated = bool(row["up"]), row["series"], row["negated"]
    level = row["level"]
    if row["kind"] == "move":
        what = f"a {'rise' if up else 'fall'} of {row['move_pct']:g}% to {level:,.2f}"
    else:
        what = f"a close {'at or above' if up else 'at or below'} {level:,.2f}"
        if row["factor"] != 1:
            stated = level * row["factor"]
            what += f" (stated as {stated:,.2f} before a {row['factor']:g}:1 split)"
    if row["hit_day"] >= 0:
        tail = ", so the negated call failed." if negated else ", inside the window."
        return f"{series} reached {what} on {_date(row['hit_day'])}{tail}"
    if row["status"] == "pending":
        return f"{series} has not yet made {what}; " + _still_open(row)
    best = row["high"] if up else row["low"]
    tail = "; the negated call held." if negated else "."
    return f"{series} did not make {what} by {_date(row['horizon_end'])} (best close {best:,.2f}){tail}"


def _return_reason(row: Mapping[str, Any]) -> str:
    series, ret = row["series"], row["return_pct"]
    if row["status"] == "pending":
        return f"{series} is {ret:+.2f}% so far; " + _still_open(row)
    span = f"from {_date(row['start_day'])} to {_date(row['end_day'])}"
    if row["kind"] == "direction":
        net = ret - row["drift"]
        return (
            f"{series} returned {ret:+.2f}% {span}; net of the market's normal drift "
            f"({row['drift']:+.2f}% over the window) {net:+.2f}%, a {row['net_status']} net of drift."
        )
    bench = row["benchmark_return"]
    if np.isnan(bench):
        return (
            f"No prices for the benchmark {row['benchmark']}; {how_to_supply([row['benchmark']])}."
        )
    label = f"the benchmark's {bench:+.2f}%"
    if not np.isnan(row["ratio"]):
        label = f"{row['ratio']:g}x the benchmark's {bench:+.2f}% (needed {row['needed']:+.2f}%)"
    return f"{series} returned {ret:+.2f}% {span} against {label} ({row['benchmark_series']})."


def _still_open(row: Mapping[str, Any]) -> str:
    if row["as_of"] < row["horizon_end"]:
        return f"the window runs to {_date(row['horizon_end'])}."
    return (
        f"the window ended on {_date(row['horizon_end'])}, but {row['series']}'s prices end on "
        f"{_date(row['series_end'])}; fetch newer prices ({file_name(row['series'])}) to decide."
    )


def _date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def text(value: object) -> str | None:
    """Text cells as str; pandas may turn an empty object cell into NaN."""
    return value if isinstance(value, str) else None
