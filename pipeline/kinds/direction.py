"""Direction: "we are bullish on gold" (up or down, no number).

No value fields. Graded when the window closes, on the sign of the return, and also net of
the market's normal drift (`net_status`).
"""

from __future__ import annotations

import numpy as np

from pipeline.extract.triggers import direction_triggers
from pipeline.kinds.spec import (
    ClaimKindSpec,
    Gold,
    GradedRow,
    ReturnInputs,
    return_so_far,
    window_span,
)
from pipeline.models import Claim


def beats(inputs: ReturnInputs) -> np.ndarray:
    """The price moved the stated way."""
    return np.where(inputs.up, inputs.return_pct > 0, inputs.return_pct < 0)


def describe(claim: Claim) -> str:
    return f"{claim.subject} {'up' if claim.direction == 'up' else 'down'}"


def reason(row: GradedRow) -> str:
    if row.status == "pending":
        return return_so_far(row)
    ret, drift = row.return_pct, row.drift
    return (
        f"{row.series} returned {ret:+.2f}% {window_span(row)}; net of the market's normal "
        f"drift ({drift:+.2f}% over the window) {ret - drift:+.2f}%, a {row.net_status} net "
        "of drift."
    )


def value_agrees(p: Claim, g: Gold) -> bool:
    return True  # nothing to compare beyond subject and direction


SPEC = ClaimKindSpec(
    name="direction",
    value_fields=(),
    find_triggers=direction_triggers,
    describe=describe,
    reason=reason,
    value_agrees=value_agrees,
    beats=beats,
    net_of_drift=True,
)
