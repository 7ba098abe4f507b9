"""Judge: the status of every claim from its measured window.

Input: `ClaimColumns`, `Basis`, `Windows`, `Benchmarks` and the drift setting. Output: a
`Judgement` (returns, drift, whether the window is closed, status, net-of-drift status).
No side effects. The hit test belongs to the claim's kind (pipeline.kinds): the first close
reaching its level, or a test of the window's return once the window has closed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.kinds import KINDS, ReturnInputs
from pipeline.track.state import Basis, Benchmarks, ClaimColumns, Judgement, Windows
from pipeline.track.windows import day_numbers

DAYS_PER_YEAR = 365.25
#: Kinds graded on the first close reaching a level, rather than on the window's return.
LEVEL = tuple(name for name, spec in KINDS.items() if spec.level)
#: Kinds graded against the benchmark's return: without its prices, no data.
AGAINST_BENCHMARK = tuple(name for name, spec in KINDS.items() if spec.benchmark)
#: Kinds also graded net of the market's normal drift.
NET_OF_DRIFT = tuple(name for name, spec in KINDS.items() if spec.net_of_drift)


def judge_claims(
    c: ClaimColumns, b: Basis, w: Windows, bench: Benchmarks, drift_pct_per_year: float
) -> Judgement:
    """Returns, drift, whether the window is closed, and the status of every claim."""
    ret = (w.end_price / w.start_price - 1) * 100
    years = (w.end_day - w.start_day) / DAYS_PER_YEAR
    drift = ((1 + drift_pct_per_year / 100) ** years - 1) * 100
    closed = _closed(c, b, w)
    ok = _return_ok(c, w, ReturnInputs(ret, bench.return_pct, w.up, c.values)) ^ c.negated
    level_status = np.where(
        w.hit_day >= 0,
        np.where(c.negated, "miss", "hit"),
        np.where(closed, np.where(c.negated, "hit", "miss"), "pending"),
    )
    return_status = np.where(closed, np.where(ok, "hit", "miss"), "pending")
    conditions = [
        b.excluded,  # before no_date: a horizon that cannot be graded is excluded
        ~c.dated,
        b.as_of < c.published,
        pd.isna(b.series),
        ~w.has_prices & (b.as_of >= c.horizon_end),
        ~w.has_prices,
        np.isin(c.kind, LEVEL),
        np.isin(c.kind, AGAINST_BENCHMARK) & np.isnan(bench.return_pct) & closed,
    ]
    fixed = ["excluded", "no_date", "pending", "no_data", "no_data", "pending"]
    n = len(c)
    choices = [np.full(n, name, dtype=object) for name in fixed]
    choices += [level_status.astype(object), np.full(n, "no_data", dtype=object)]
    status = np.select(conditions, choices, default=return_status.astype(object))
    net_ok = np.where(w.up, ret - drift > 0, ret - drift < 0)
    decided = np.isin(c.kind, NET_OF_DRIFT) & np.isin(status, ("hit", "miss"))
    net_status = np.where(net_ok ^ c.negated, "hit", "miss").astype(object)
    net_status[~decided] = None
    return Judgement(ret, drift, closed, status, net_status)


def _return_ok(c: ClaimColumns, w: Windows, returns: ReturnInputs) -> np.ndarray:
    """Each return kind's test of the window's return (False for level kinds)."""
    ok = np.zeros(len(c), dtype=bool)
    for name, spec in KINDS.items():
        if spec.beats:
            ok = np.where(c.kind == name, spec.beats(returns), ok)
    return ok


def _closed(c: ClaimColumns, b: Basis, w: Windows) -> np.ndarray:
    """The window is over: as_of is on or after its end, and the prices show it (the last
    close is on the end's last weekday, or a later close exists by as_of)."""
    end = c.horizon_end
    last_weekday = np.busday_offset(end.astype("datetime64[D]"), 0, roll="backward")
    on_last = w.end_day >= day_numbers(last_weekday)
    later = (w.after_end >= 0) & (w.after_end <= b.as_of)
    return (b.as_of >= end) & (on_last | later)
