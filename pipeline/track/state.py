"""State: what grading knows about all claims, one frozen record per phase.

Grading runs in four phases, each reading the records before it and returning its own:
`ClaimColumns` (the claims as arrays) -> `Basis` (as-of day, stated level, exclusion, the
series to grade on) -> `Windows` (the closes inside each window, the level and its first
crossing) and `Benchmarks` (the benchmark's return over the same closes) -> `Judgement`
(returns, drift, status). Every field is one numpy array with one element per claim; days
are int64 day numbers (since 1970-01-01), -1 where there is none. No side effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class ClaimColumns:
    """The claim fields grading reads. `up` is the stated direction, `dated` whether the
    publication and horizon dates are all known (0 where not); `values` holds every kind's
    value fields (pipeline.kinds.VALUE_FIELDS), NaN where a claim has none."""

    claim_id: np.ndarray
    subject: np.ndarray
    kind: np.ndarray
    up: np.ndarray
    negated: np.ndarray
    conditional: np.ndarray
    benchmark: np.ndarray
    published: np.ndarray
    horizon_start: np.ndarray
    horizon_end: np.ndarray
    dated: np.ndarray
    undatable: np.ndarray  # published, but the stated horizon has no end that can be graded
    values: Mapping[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.claim_id)


@dataclass(frozen=True)
class Basis:
    """What each claim is graded on, before any window is read: the as-of day, the level
    its kind states (NaN if none), whether it is excluded (conditional or vague), the
    series it is graded on (None where none fits) and, if none, why."""

    as_of: np.ndarray
    stated: np.ndarray
    excluded: np.ndarray
    series: np.ndarray
    no_series: np.ndarray


@dataclass(frozen=True)
class Windows:
    """The closes inside each claim's window on its series. `up` and `stated` are the
    claim's direction and stated level once a stated level has set the side of the entry;
    `level` is the price to reach (split-adjusted by `factor`), `hit_day` the first close
    reaching it. Built empty by `allocate`, filled by one series at a time."""

    up: np.ndarray
    stated: np.ndarray
    window_start: np.ndarray
    start_price: np.ndarray
    end_price: np.ndarray
    high: np.ndarray
    low: np.ndarray
    level: np.ndarray
    factor: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    hit_day: np.ndarray
    series_end: np.ndarray
    after_end: np.ndarray
    digest: np.ndarray

    @classmethod
    def allocate(cls, up: np.ndarray, stated: np.ndarray, window_start: np.ndarray) -> Windows:
        """Windows with no closes yet (NaN prices, -1 days) for len(up) claims."""
        n = len(up)

        def prices() -> np.ndarray:
            return np.full(n, np.nan)

        def days() -> np.ndarray:
            return np.full(n, -1, dtype=np.int64)

        return cls(
            up.copy(), stated.copy(), window_start,
            prices(), prices(), prices(), prices(), prices(), prices(),
            days(), days(), days(), days(), days(),
            np.zeros(n, dtype=np.uint64),
        )  # fmt: skip

    @property
    def has_prices(self) -> np.ndarray:
        """The window holds at least one close."""
        return self.start_day >= 0


@dataclass(frozen=True)
class Benchmarks:
    """The benchmark's return over each window's closes (NaN without its prices), the
    series it came from, and its share of the prices digest."""

    return_pct: np.ndarray
    series: np.ndarray
    digest: np.ndarray


@dataclass(frozen=True)
class Judgement:
    """The decision: the window's return and the market's drift over it (percent), whether
    the window is closed, the status and, for kinds graded net of drift, `net_status`."""

    return_pct: np.ndarray
    drift: np.ndarray
    closed: np.ndarray
    status: np.ndarray
    net_status: np.ndarray


@dataclass(frozen=True)
class Graded:
    """Every phase's record for the same claims."""

    claims: ClaimColumns
    basis: Basis
    windows: Windows
    benchmarks: Benchmarks
    judgement: Judgement

    @property
    def digest(self) -> np.ndarray:
        """A digest of every close a decision read (the series' and the benchmark's)."""
        return self.windows.digest + self.benchmarks.digest

    def columns(self) -> dict[str, np.ndarray]:
        """All phases as one flat mapping of named columns (for `grade_frame`)."""
        c, b, w = self.claims, self.basis, self.windows
        out = {f.name: getattr(c, f.name) for f in fields(c) if f.name != "values"}
        out |= c.values
        out |= {"as_of": b.as_of, "raw_level": w.stated, "excluded": b.excluded}
        out |= {"series": b.series, "no_series": b.no_series}
        out |= {f.name: getattr(w, f.name) for f in fields(w) if f.name != "stated"}
        out["digest"] = self.digest
        out["benchmark_return"] = self.benchmarks.return_pct
        out["benchmark_series"] = self.benchmarks.series
        out |= {f.name: getattr(self.judgement, f.name) for f in fields(self.judgement)}
        return out
