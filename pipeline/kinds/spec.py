"""What a claim kind declares, and the phrases its rules share.

A `ClaimKindSpec` holds everything that sets one kind apart: its value fields on `Claim`,
the function that finds its triggers, its level or return test (vectorised over numpy
arrays), its reason sentence, how the report describes it and how it matches gold. The
tracker, report and evaluator read these and never branch on a kind's name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np

from pipeline.extract.instruments import canonical
from pipeline.models import Claim, Outcome
from pipeline.prices.book import file_name

#: Day numbers count days from here (as pipeline.track.windows.EPOCH).
EPOCH = date(1970, 1, 1)
#: Gold values agree within this share of the gold value (levels, moves, ratios).
VALUE_TOLERANCE = 0.02

#: Gold claims are JSON objects: field name to value.
Gold = Mapping[str, Any]


@dataclass(frozen=True)
class LevelInputs:
    """What a level rule reads for a batch of claims on one series (arrays, one per claim).

    `stated` is the kind's stated level (NaN where it states none), `factor` the split
    factor since publication, `values` the claims' value fields (NaN where absent)."""

    start_price: np.ndarray
    up: np.ndarray
    stated: np.ndarray
    factor: np.ndarray
    values: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class ReturnInputs:
    """What a return test reads: the window's return and the benchmark's, in percent."""

    return_pct: np.ndarray
    benchmark_return: np.ndarray
    up: np.ndarray
    values: Mapping[str, np.ndarray]


class GradedRow(NamedTuple):
    """One graded claim as Python values, for its reason sentence. Days are day numbers
    (-1 where none); `values` maps the kind's value fields to floats (NaN where absent)."""

    status: str
    series: str | None
    no_series: str | None
    kind: str
    up: bool
    negated: bool
    conditional: bool
    undatable: bool
    as_of: int
    published: int
    window_start: int
    horizon_end: int
    series_end: int
    start_day: int
    end_day: int
    hit_day: int
    level: float
    factor: float
    high: float
    low: float
    return_pct: float
    drift: float
    net_status: str | None
    benchmark: str
    benchmark_return: float
    benchmark_series: str | None
    values: Mapping[str, float]


# -- shared by the kinds' gold rules --------------------------------------------------


def same_subject(p: Claim, g: Gold) -> bool:
    """The subjects are one instrument, up to index/ETF equivalents."""
    return canonical(p.subject) == canonical(g["subject"])


def close(a: float | None, b: float | None, points: float = 0.0) -> bool:
    """`a` is within VALUE_TOLERANCE of `b` (or `points`, whichever is larger); two
    missing values agree."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(abs(b) * VALUE_TOLERANCE, points)


StatedLevel = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ClaimKindSpec:
    """One kind of claim. Exactly one of `level` (a price the claim must reach inside the
    window: a hit on the first close that reaches it) and `beats` (a test of the window's
    return once it has closed) is set.

    Attributes:
        name: the `ClaimKind` literal.
        value_fields: the float fields on `Claim` that carry the kind's values.
        find_triggers: the function in pipeline.extract.triggers that finds its cues.
        describe: what was predicted, in plain words, without the horizon.
        reason: why a claim whose window has prices has its status.
        value_agrees: whether a predicted claim's values match a gold claim's.
        subjects_agree: whether the subjects match (a kind may accept another reading).
        required_value: the words for the value a claim must state to be graded
            ("price level"); None when a claim without values is still checkable.
        stated_level: the price level the claim states, before split adjustment; a kind
            with one is graded on the series whose scale it fits, and its direction is the
            side of the entry the level lies on.
        benchmark: graded against the benchmark's return (no benchmark prices: no data).
        net_of_drift: also graded net of the market's normal drift (`net_status`).
        chart_band: the level or band the report's chart draws, or None.
    """

    name: str
    value_fields: tuple[str, ...]
    find_triggers: Callable[..., list[Any]]
    describe: Callable[[Claim], str]
    reason: Callable[[GradedRow], str]
    value_agrees: Callable[[Claim, Gold], bool]
    subjects_agree: Callable[[Claim, Gold], bool] = same_subject
    level: Callable[[LevelInputs], np.ndarray] | None = None
    beats: Callable[[ReturnInputs], np.ndarray] | None = None
    required_value: str | None = None
    stated_level: StatedLevel | None = None
    benchmark: bool = False
    net_of_drift: bool = False
    chart_band: Callable[[Claim, Outcome], tuple[float | None, float | None]] | None = None

    def __post_init__(self) -> None:
        if (self.level is None) == (self.beats is None):
            raise ValueError(f"kind {self.name!r} needs exactly one of `level` and `beats`")


# -- shared by the kinds' reason sentences --------------------------------------------


def day(number: int) -> date:
    """A day number as a date."""
    return EPOCH + timedelta(days=int(number))


def still_open(row: GradedRow) -> str:
    """Why an undecided window is still open: it runs on, or the prices stop short."""
    if row.as_of < row.horizon_end:
        return f"the window runs to {day(row.horizon_end)}."
    return (
        f"the window ended on {day(row.horizon_end)}, but {row.series}'s prices end on "
        f"{day(row.series_end)}; fetch newer prices ({file_name(str(row.series))}) to decide."
    )


def level_reason(row: GradedRow, what: str) -> str:
    """The sentence for a level claim: whether and when the series made `what`."""
    series, negated = row.series, row.negated
    if row.hit_day >= 0:
        tail = ", so the negated call failed." if negated else ", inside the window."
        return f"{series} reached {what} on {day(row.hit_day)}{tail}"
    if row.status == "pending":
        return f"{series} has not yet made {what}; " + still_open(row)
    best = row.high if row.up else row.low
    tail = "; the negated call held." if negated else "."
    return f"{series} did not make {what} by {day(row.horizon_end)} (best close {best:,.2f}){tail}"


def return_so_far(row: GradedRow) -> str:
    """The sentence for a return claim whose window is still open."""
    return f"{row.series} is {row.return_pct:+.2f}% so far; " + still_open(row)


def window_span(row: GradedRow) -> str:
    """The window's first and last close, in words."""
    return f"from {day(row.start_day)} to {day(row.end_day)}"
