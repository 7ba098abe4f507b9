"""Move: "IWM could rally 20% from here" (a percentage move from the entry price).

Values: move_pct. Graded on the first close inside the window that makes the move from the
window's first close.
"""

from __future__ import annotations

import numpy as np

from pipeline.extract.triggers import move_triggers
from pipeline.kinds.spec import ClaimKindSpec, Gold, GradedRow, LevelInputs, close, level_reason
from pipeline.models import Claim, Outcome

#: A gold move agrees within this many percentage points (or VALUE_TOLERANCE, if larger).
MOVE_TOLERANCE_POINTS = 1.0


def level(inputs: LevelInputs) -> np.ndarray:
    """The entry price moved by the stated percentage, up or down."""
    move = inputs.values["move_pct"] / 100
    return inputs.start_price * np.where(inputs.up, 1 + move, 1 - move)


def describe(claim: Claim) -> str:
    sign = "+" if claim.direction == "up" else "-"
    return f"{claim.subject} {sign}{claim.move_pct:g}%"


def reason(row: GradedRow) -> str:
    move = row.values["move_pct"]
    return level_reason(row, f"a {'rise' if row.up else 'fall'} of {move:g}% to {row.level:,.2f}")


def value_agrees(p: Claim, g: Gold) -> bool:
    return close(p.move_pct, g.get("move_pct"), MOVE_TOLERANCE_POINTS)


def chart_band(claim: Claim, outcome: Outcome) -> tuple[float | None, float | None]:
    """The level the move reaches from the entry price."""
    if not outcome.start_price or claim.move_pct is None:
        return claim.target_low, claim.target_high
    up = claim.direction == "up"
    factor = 1 + claim.move_pct / 100 if up else 1 - claim.move_pct / 100
    return outcome.start_price * factor, outcome.start_price * factor


SPEC = ClaimKindSpec(
    name="move",
    value_fields=("move_pct",),
    find_triggers=move_triggers,
    describe=describe,
    reason=reason,
    value_agrees=value_agrees,
    level=level,
    required_value="percentage",
    chart_band=chart_band,
)
