"""Scorecards: how good is a forecaster, with the uncertainty a statistician would ask for.

Input: a frame of claims joined to their outcomes (`frames.claims_with_outcomes`).
Output: one `Scorecard` per forecaster and a leaderboard frame. Pure functions.

Rules (see README, "Forecaster scorecards"):
- resolved = hit + miss; excluded, pending, no_data and no_date are counted, not graded;
- hit rate with a Wilson 95% interval; an exact binomial test against 50% and against
  the naive always-up baseline on the same windows (how often the subject simply rose);
- call return: the subject's return signed by the call's direction; excess: the same
  against the benchmark's return over the window;
- the leaderboard ranks by a shrunken hit rate (a Beta prior worth PRIOR_WEIGHT claims,
  centred on the pooled hit rate) and lists forecasters with fewer than MIN_RESOLVED
  resolved claims below the ranked ones, so three lucky calls never outrank forty good ones.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binomtest

Z95 = 1.959963984540054
PRIOR_WEIGHT = 10
MIN_RESOLVED = 5


@dataclass(frozen=True)
class Rate:
    """Hits out of resolved claims, with a Wilson 95% interval."""

    hits: int
    resolved: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.resolved if self.resolved else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.hits, self.resolved)


@dataclass(frozen=True)
class Scorecard:
    forecaster: str
    org: str | None
    made: int
    resolved: int
    hits: int
    pending: int
    excluded: int
    ungraded: int  # no_data + no_date
    hit_rate: float | None
    wilson_low: float | None
    wilson_high: float | None
    p_vs_half: float | None
    baseline_rate: float | None  # always-up baseline on the same windows
    p_vs_baseline: float | None
    mean_return: float | None
    mean_excess: float | None
    shrunk_rate: float | None
    ranked: bool
    by_kind: dict[str, Rate] = field(default_factory=dict)
    by_horizon: dict[str, Rate] = field(default_factory=dict)
    by_hedge: dict[str, Rate] = field(default_factory=dict)


def wilson_interval(hits: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for a binomial proportion (None with no trials)."""
    if n == 0:
        return None
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def slug(name: str) -> str:
    """A safe file name for a forecaster: ASCII letters, digits and dashes only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return cleaned[:80] or "forecaster"


def unique_slugs(names: list[str]) -> dict[str, str]:
    """A distinct file-name slug per name ("tom-lee", "tom-lee-2", ...), stable in sorted order.

    Distinct by construction: names keep their own slug where they can, and a numbered
    slug is never one another name has ("Tom Lee 2" keeps `tom-lee-2`, so a second
    "Tom-Lee" becomes `tom-lee-3`)."""
    out: dict[str, str] = {}
    for name in sorted(set(names)):  # first, every name that can have its own slug
        if slug(name) not in out.values():
            out[name] = slug(name)
    used = set(out.values())
    for name in sorted(set(names) - set(out)):  # then the rest, numbered past any taken
        count = 2
        while f"{slug(name)}-{count}" in used:
            count += 1
        out[name] = f"{slug(name)}-{count}"
        used.add(out[name])
    return out


def build_scorecards(joined: pd.DataFrame) -> list[Scorecard]:
    """One scorecard per forecaster, best shrunken hit rate first among the ranked."""
    if joined.empty:
        return []
    columns = _Columns.of(joined)
    graded = (columns.status == "hit") | (columns.status == "miss")
    pooled = float((columns.status[graded] == "hit").mean()) if graded.any() else 0.5
    groups = joined.groupby("forecaster", sort=True).indices  # name: row positions
    group_of = np.full(len(joined), -1, dtype=np.intp)
    for number, rows in enumerate(groups.values()):
        group_of[rows] = number
    hit = columns.status == "hit"
    horizon = np.where(columns.assumed, "assumed", "explicit").astype(object)
    breakdowns = zip(
        *(
            _rates_by_group(group_of, len(groups), keys, graded, hit)
            for keys in (columns.kind, horizon, columns.hedge)
        ),
        strict=True,
    )
    cards = [
        _scorecard(str(name), columns.take(rows), pooled, *rates)
        for (name, rows), rates in zip(groups.items(), breakdowns, strict=True)
    ]
    return sorted(
        cards, key=lambda c: (not c.ranked, -(c.shrunk_rate or 0.0), -c.resolved, c.forecaster)
    )


@dataclass(frozen=True)
class _Columns:
    """The columns a scorecard reads, as arrays, converted once for every forecaster: a
    pandas selection per forecaster cost tens of milliseconds each, and a year of
    commentary has thousands of forecasters."""

    status: np.ndarray  # "hit", "miss", "pending", ...; "untracked" without an outcome
    return_pct: np.ndarray  # float, NaN when unknown
    excess_pct: np.ndarray
    sign: np.ndarray  # -1.0 for a call down, else 1.0
    org: np.ndarray  # object, None when unknown
    kind: np.ndarray
    assumed: np.ndarray  # bool
    hedge: np.ndarray  # "unstated" when none

    @classmethod
    def of(cls, joined: pd.DataFrame) -> _Columns:
        def numbers(name: str) -> np.ndarray:
            values: np.ndarray = pd.to_numeric(joined[name]).to_numpy(dtype=float, na_value=np.nan)
            return values

        return cls(
            status=shared_labels(joined["status"].fillna("untracked")),
            return_pct=numbers("return_pct"),
            excess_pct=numbers("excess_return_pct"),
            sign=np.where(joined["direction"].astype(str) == "down", -1.0, 1.0),
            org=shared_labels(joined["forecaster_org"]),
            kind=shared_labels(joined["kind"]),
            assumed=joined["horizon_assumed"].astype(bool).to_numpy(),
            hedge=shared_labels(joined["hedge"].fillna("unstated")),
        )

    def take(self, rows: np.ndarray) -> _Columns:
        return _Columns(**{name: getattr(self, name)[rows] for name in self.__dataclass_fields__})


def shared_labels(column: pd.Series) -> np.ndarray:
    """A text column as an object array in which each distinct value is one str, shared by
    its rows (None where missing): 8 bytes a row, not a new str object each."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    names = np.array([*(str(v) for v in distinct), None], dtype=object)
    shared: np.ndarray = names[codes]  # a missing value's code, -1, picks the None
    return shared


def _scorecard(
    name: str,
    rows: _Columns,
    pooled: float,
    by_kind: dict[str, Rate],
    by_horizon: dict[str, Rate],
    by_hedge: dict[str, Rate],
) -> Scorecard:
    status = rows.status
    graded = (status == "hit") | (status == "miss")
    hits = int((status == "hit").sum())
    n = int(graded.sum())
    interval = wilson_interval(hits, n)
    returns = rows.return_pct[graded]
    known = returns[~np.isnan(returns)]
    baseline = float((known > 0).mean()) if len(known) else None
    return Scorecard(
        forecaster=name,
        org=next((str(o) for o in rows.org if o is not None), None),
        made=len(status),
        resolved=n,
        hits=hits,
        pending=int((status == "pending").sum()),
        excluded=int((status == "excluded").sum()),
        ungraded=int(((status == "no_data") | (status == "no_date")).sum()),
        hit_rate=hits / n if n else None,
        wilson_low=interval[0] if interval else None,
        wilson_high=interval[1] if interval else None,
        p_vs_half=_p_value(hits, n, 0.5),
        baseline_rate=baseline,
        p_vs_baseline=_p_value(hits, n, baseline) if baseline is not None else None,
        mean_return=_mean(returns * rows.sign[graded]),
        mean_excess=_mean(rows.excess_pct[graded] * rows.sign[graded]),
        shrunk_rate=(hits + PRIOR_WEIGHT * pooled) / (n + PRIOR_WEIGHT) if n else None,
        ranked=n >= MIN_RESOLVED,
        by_kind=by_kind,
        by_horizon=by_horizon,
        by_hedge=by_hedge,
    )


def scorecards_frame(cards: list[Scorecard]) -> pd.DataFrame:
    """The leaderboard as a frame (the breakdowns flattened to hit rates)."""
    rows = []
    for rank, card in enumerate(cards, 1):
        row = {k: v for k, v in card.__dict__.items() if not k.startswith("by_")}
        row["rank"] = rank if card.ranked else None
        for group in ("by_kind", "by_horizon", "by_hedge"):
            for key, rate in getattr(card, group).items():
                row[f"{group[3:]}_{key}_hit_rate"] = rate.rate
        rows.append(row)
    return pd.DataFrame(rows)


def _rates_by_group(
    group_of: np.ndarray, groups: int, keys: np.ndarray, graded: np.ndarray, hit: np.ndarray
) -> list[dict[str, Rate]]:
    """For each group (`group_of`: each row's group, -1 for none), hits and resolved calls
    by key among its graded rows, keys in sorted order (a missing key counts nowhere):
    counted for every group at once, not a Python step per call."""
    rows = graded & (group_of >= 0)
    codes, names = pd.factorize(keys[rows], sort=True, use_na_sentinel=True)
    known = codes >= 0
    width = max(len(names), 1)
    cells = group_of[rows][known] * width + codes[known]
    made = np.bincount(cells, minlength=groups * width).reshape(groups, width)
    hits = np.bincount(cells, weights=hit[rows][known], minlength=groups * width)
    hits = hits.reshape(groups, width).astype(np.int64)
    labels = [str(name) for name in names]
    return [
        {labels[k]: Rate(int(hits[g, k]), int(made[g, k])) for k in np.flatnonzero(made[g])}
        for g in range(groups)
    ]


@functools.lru_cache(maxsize=65_536)
def _p_value(hits: int, n: int, p: float | None) -> float | None:
    if n == 0 or p is None or not 0 < p < 1:
        return None
    return float(binomtest(hits, n, p, alternative="two-sided").pvalue)


def _mean(values: np.ndarray) -> float | None:
    clean = values[~np.isnan(values)]
    return round(float(clean.mean()), 4) if len(clean) else None
