"""Relative: "small caps will outperform the S&P 500, by 2x" (a return against a benchmark).

Values: ratio (optional), with the claim's `benchmark`. Graded when the window closes: the
subject's return against the benchmark's over the same closes (times the ratio, if stated).
"""

from __future__ import annotations

import numpy as np

from pipeline.extract.instruments import canonical
from pipeline.extract.triggers import relative_triggers
from pipeline.kinds.spec import (
    ClaimKindSpec,
    Gold,
    GradedRow,
    ReturnInputs,
    close,
    return_so_far,
    same_subject,
    window_span,
)
from pipeline.models import Claim
from pipeline.prices.book import how_to_supply


def beats(inputs: ReturnInputs) -> np.ndarray:
    """The subject beat (or, going down, lagged) the benchmark: by `ratio` times its move
    when one is stated (a tie counts), else strictly."""
    ret, bench, up = inputs.return_pct, inputs.benchmark_return, inputs.up
    ratio = inputs.values["ratio"]
    has_ratio = ~np.isnan(ratio)
    margin = (np.where(has_ratio, ratio, 1.0) - 1) * np.abs(bench)
    needed = np.where(up, bench + margin, bench - margin)
    beat = np.where(has_ratio, ret >= needed, ret > needed)
    lag = np.where(has_ratio, ret <= needed, ret < needed)
    return np.where(up, beat, lag)


def describe(claim: Claim) -> str:
    verb = "outperforms" if claim.direction == "up" else "underperforms"
    ratio = f" by {claim.ratio:g}x" if claim.ratio else ""
    return f"{claim.subject} {verb} {claim.benchmark}{ratio}"


def reason(row: GradedRow) -> str:
    if row.status == "pending":
        return return_so_far(row)
    bench, ratio = row.benchmark_return, row.values["ratio"]
    if np.isnan(bench):
        return f"No prices for the benchmark {row.benchmark}; {how_to_supply([row.benchmark])}."
    label = f"the benchmark's {bench:+.2f}%"
    if not np.isnan(ratio):
        margin = (ratio - 1) * abs(bench)
        needed = bench + margin if row.up else bench - margin
        label = f"{ratio:g}x the benchmark's {bench:+.2f}% (needed {needed:+.2f}%)"
    return (
        f"{row.series} returned {row.return_pct:+.2f}% {window_span(row)} against {label} "
        f"({row.benchmark_series})."
    )


def value_agrees(p: Claim, g: Gold) -> bool:
    return close(p.ratio, g.get("ratio"))


def subjects_agree(p: Claim, g: Gold) -> bool:
    """Subject and benchmark agree, read straight or from the other side ("A underperforms
    B" is "B outperforms A")."""
    if g.get("kind") != "relative" or not p.benchmark or not g.get("benchmark"):
        return same_subject(p, g)
    straight = (
        same_subject(p, g)
        and canonical(p.benchmark) == canonical(g["benchmark"])
        and p.direction == g["direction"]
    )
    flipped = (
        canonical(p.subject) == canonical(g["benchmark"])
        and canonical(p.benchmark) == canonical(g["subject"])
        and p.direction != g["direction"]
    )
    return straight or flipped


SPEC = ClaimKindSpec(
    name="relative",
    value_fields=("ratio",),
    find_triggers=relative_triggers,
    describe=describe,
    reason=reason,
    value_agrees=value_agrees,
    subjects_agree=subjects_agree,
    beats=beats,
    benchmark=True,
)
