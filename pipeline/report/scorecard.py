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

import math
import re
import unicodedata
from collections import Counter
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
    graded = joined[joined["status"].isin(["hit", "miss"])]
    pooled = (graded["status"] == "hit").mean() if len(graded) else 0.5
    cards = [
        _scorecard(name, rows, float(pooled))
        for name, rows in joined.groupby("forecaster", sort=True)
    ]
    return sorted(
        cards, key=lambda c: (not c.ranked, -(c.shrunk_rate or 0.0), -c.resolved, c.forecaster)
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


def _scorecard(name: str, rows: pd.DataFrame, pooled: float) -> Scorecard:
    status = rows["status"].fillna("untracked")
    graded = rows[status.isin(["hit", "miss"])]
    hits = int((graded["status"] == "hit").sum())
    n = len(graded)
    interval = wilson_interval(hits, n)
    went_up = pd.to_numeric(graded["return_pct"]).dropna() > 0
    baseline = float(went_up.mean()) if len(went_up) else None
    signed = _call_returns(graded)
    return Scorecard(
        forecaster=str(name),
        org=next((str(o) for o in rows["forecaster_org"].dropna()), None),
        made=len(rows),
        resolved=n,
        hits=hits,
        pending=int((status == "pending").sum()),
        excluded=int((status == "excluded").sum()),
        ungraded=int(status.isin(["no_data", "no_date"]).sum()),
        hit_rate=hits / n if n else None,
        wilson_low=interval[0] if interval else None,
        wilson_high=interval[1] if interval else None,
        p_vs_half=_p_value(hits, n, 0.5),
        baseline_rate=baseline,
        p_vs_baseline=_p_value(hits, n, baseline) if baseline is not None else None,
        mean_return=_mean(signed["call_return"]),
        mean_excess=_mean(signed["call_excess"]),
        shrunk_rate=(hits + PRIOR_WEIGHT * pooled) / (n + PRIOR_WEIGHT) if n else None,
        ranked=n >= MIN_RESOLVED,
        by_kind=_rates(graded, graded["kind"]),
        by_horizon=_rates(
            graded,
            pd.Series(
                np.where(graded["horizon_assumed"].astype(bool), "assumed", "explicit"),
                index=graded.index,
            ),
        ),
        by_hedge=_rates(graded, graded["hedge"].fillna("unstated")),
    )


def _call_returns(graded: pd.DataFrame) -> pd.DataFrame:
    sign = np.where(graded["direction"].astype(str) == "down", -1.0, 1.0)
    return pd.DataFrame(
        {
            "call_return": pd.to_numeric(graded["return_pct"]) * sign,
            "call_excess": pd.to_numeric(graded["excess_return_pct"]) * sign,
        }
    )


def _rates(graded: pd.DataFrame, keys: pd.Series) -> dict[str, Rate]:
    """Hits and resolved calls by key (a missing key counts nowhere). Counted in a loop:
    a forecaster has tens of calls, where a pandas groupby costs more than the counting."""
    made: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for key, status in zip(keys.tolist(), graded["status"].tolist(), strict=True):
        if not pd.isna(key):
            made[str(key)] += 1
            hits[str(key)] += status == "hit"
    return {key: Rate(hits[key], made[key]) for key in sorted(made)}


def _p_value(hits: int, n: int, p: float | None) -> float | None:
    if n == 0 or p is None or not 0 < p < 1:
        return None
    return float(binomtest(hits, n, p, alternative="two-sided").pvalue)


def _mean(values: pd.Series) -> float | None:
    clean = values.dropna()
    return round(float(clean.mean()), 4) if len(clean) else None
