"""Target: "the S&P 500 will reach 6,000 by year end" (a level, or a band of levels).

Values: target_low, target_high. Graded on the first close that reaches the level (the near
end of a band) inside the window; the level is split-adjusted, and the claim goes to the
series whose price scale the level fits.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from pipeline.extract.triggers import target_triggers
from pipeline.kinds.spec import ClaimKindSpec, Gold, GradedRow, LevelInputs, close, level_reason
from pipeline.models import Claim, Outcome

#: A stated level is drawn on the chart only within this factor of the entry price.
CHART_SCALE = 4.0


def stated_level(values: Mapping[str, np.ndarray], up: np.ndarray) -> np.ndarray:
    """The stated level a target must reach: the nearer end of a band (low going up)."""
    low, high = values["target_low"], values["target_high"]
    near = np.where(up, low, high)
    return np.where(np.isnan(near), np.where(np.isnan(low), high, low), near)


def level(inputs: LevelInputs) -> np.ndarray:
    """The stated level in today's prices (divided by the splits since publication)."""
    return inputs.stated / inputs.factor


def describe(claim: Claim) -> str:
    low, high = claim.target_low or 0, claim.target_high or 0
    shown = f"{low:,.0f}" if low == high else f"{low:,.0f}-{high:,.0f}"
    return f"{claim.subject} {'to' if claim.direction == 'up' else 'down to'} {shown}"


def reason(row: GradedRow) -> str:
    what = f"a close {'at or above' if row.up else 'at or below'} {row.level:,.2f}"
    if row.factor != 1:
        stated = row.level * row.factor
        what += f" (stated as {stated:,.2f} before a {row.factor:g}:1 split)"
    return level_reason(row, what)


def value_agrees(p: Claim, g: Gold) -> bool:
    return close(p.target_low, g.get("target_low")) and close(p.target_high, g.get("target_high"))


def chart_band(claim: Claim, outcome: Outcome) -> tuple[float | None, float | None]:
    """The band, unless it sits on another scale (an index level, a pre-split price)."""
    low, high, entry = claim.target_low, claim.target_high, outcome.start_price
    if low and entry and not 1 / CHART_SCALE <= low / entry <= CHART_SCALE:
        return None, None
    return low, high


SPEC = ClaimKindSpec(
    name="target",
    value_fields=("target_low", "target_high"),
    find_triggers=target_triggers,
    describe=describe,
    reason=reason,
    value_agrees=value_agrees,
    level=level,
    required_value="price level",
    stated_level=stated_level,
    chart_band=chart_band,
)
