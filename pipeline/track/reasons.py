"""Reasons: the sentence that says why a graded claim has its status.

Input: one graded row (a `GradedRow`). Output: a sentence that names the series, the level
or returns, the dates and, for missing data, what to do. No side effects. What is said
about a window with prices belongs to the claim's kind (pipeline.kinds); the rest is here.
"""

from __future__ import annotations

from pipeline.kinds import KINDS, GradedRow
from pipeline.kinds.spec import day
from pipeline.prices.book import how_to_supply

#: The graded cells a reason sentence may read (GradedRow's fields but `values`).
REASON_KEYS = GradedRow._fields[:-1]


def reason(row: GradedRow) -> str:
    """The sentence that says why a graded row has its status."""
    status, series = row.status, text(row.series)
    if status == "no_date":
        return (
            "The article has no published date, so the claim cannot be anchored; add "
            "`published:` front matter or re-ingest the file with --published YYYY-MM-DD "
            "(or, if the text names a date, run with --use-inferred-dates to grade from it)."
        )
    if status == "excluded":
        return _excluded_reason(row)
    if row.as_of < row.published:
        return f"As of {day(row.as_of)} the article was not yet published."
    if series is None:
        return str(row.no_series)
    if row.start_day < 0:
        return _empty_window_reason(row)
    return KINDS[row.kind].reason(row)


def _excluded_reason(row: GradedRow) -> str:
    if row.undatable:
        return (
            "The stated horizon runs over 30 years or past 2100 (or cannot be dated at all), "
            "so no window can be graded: excluded from grading."
        )
    if row.conditional:
        return (
            "Conditional claim (if/would): it forecasts only once its condition holds, so it is "
            "excluded from grading, as CXO's Guru Grades exclude conditional calls."
        )
    return (
        f"Vague claim: a {row.kind} with no {KINDS[row.kind].required_value} to check, so it is "
        "excluded from grading, as CXO's Guru Grades exclude vague calls."
    )


def _empty_window_reason(row: GradedRow) -> str:
    opens = day(row.window_start)
    if row.status == "pending":
        return f"The window opens on {opens}; as of {day(row.as_of)} there are no prices inside it yet."
    ends = day(row.series_end) if row.series_end >= 0 else "before they start"
    return (
        f"No {row.series} close between {opens} and {day(row.horizon_end)}: its prices "
        f"end on {ends}; {how_to_supply([str(row.series)])}."
    )


def text(value: object) -> str | None:
    """Text cells as str; pandas may turn an empty object cell into NaN."""
    return value if isinstance(value, str) else None
