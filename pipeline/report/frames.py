"""Frames: claims, outcomes and scorecards as pandas DataFrames, for analysts and the report.

Input: the store. Output: DataFrames in the export field names. No side effects.

    from pipeline import Store
    from pipeline.report import frames
    store = Store("thesis.db")
    frames.claims(store); frames.outcomes(store); frames.scorecards(store)
"""

from __future__ import annotations

import pandas as pd

from pipeline.models import Claim, Outcome
from pipeline.report.scorecard import build_scorecards, scorecards_frame
from pipeline.store.database import Store


def claims(store: Store) -> pd.DataFrame:
    """One row per claim (catalysts and risks as lists of {label, text})."""
    return _claims_frame(store.claims())


def outcomes(store: Store) -> pd.DataFrame:
    """One row per outcome."""
    return _outcomes_frame(list(store.outcomes().values()))


def claims_with_outcomes(store: Store) -> pd.DataFrame:
    """Claims left-joined to their outcomes (status NaN for a claim not yet tracked)."""
    return join(store.claims(), store.outcomes())


def scorecards(store: Store) -> pd.DataFrame:
    """The forecaster leaderboard (see `pipeline.scorecard`)."""
    return scorecards_frame(build_scorecards(claims_with_outcomes(store)))


def join(claim_list: list[Claim], outcome_map: dict[str, Outcome]) -> pd.DataFrame:
    """Claims joined to outcomes, from records already in memory."""
    left = _claims_frame(claim_list)
    right = _outcomes_frame(list(outcome_map.values()))
    if left.empty:
        return left
    return left.merge(right, on="claim_id", how="left", suffixes=("", "_outcome"))


def _claims_frame(items: list[Claim]) -> pd.DataFrame:
    frame = pd.DataFrame([c.to_record() for c in items])
    return frame if not frame.empty else pd.DataFrame(columns=["claim_id", "forecaster", "status"])


def _outcomes_frame(items: list[Outcome]) -> pd.DataFrame:
    frame = pd.DataFrame([o.to_record() for o in items])
    return (
        frame
        if not frame.empty
        else pd.DataFrame(columns=["claim_id", "status", "return_pct", "excess_return_pct"])
    )
