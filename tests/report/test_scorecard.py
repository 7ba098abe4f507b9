"""Scorecard statistics checked against numbers worked out by hand (z = 1.959964)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from pipeline.report.scorecard import (
    MIN_RESOLVED,
    PRIOR_WEIGHT,
    Rate,
    build_scorecards,
    scorecards_frame,
    unique_slugs,
    wilson_interval,
)


def joined(*claims: dict[str, Any]) -> pd.DataFrame:
    """A claims-with-outcomes frame with only the columns the scorecard reads."""
    defaults = {
        "forecaster_org": None,
        "kind": "move",
        "direction": "up",
        "horizon_assumed": False,
        "hedge": None,
        "return_pct": None,
        "excess_return_pct": None,
    }
    return pd.DataFrame([defaults | c for c in claims])


def calls(forecaster: str, hits: int, misses: int, **values: Any) -> list[dict[str, Any]]:
    status = ["hit"] * hits + ["miss"] * misses
    return [{"forecaster": forecaster, "status": s, **values} for s in status]


# -- Wilson interval ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hits", "n", "low", "high"),
    [
        # 7/10: p = 0.7, z²/n = 0.384146; centre = (0.7 + 0.192073) / 1.384146 = 0.644494;
        # half = 1.959964 · √(0.021 + 0.009604) / 1.384146 = 0.247718 -> (0.3968, 0.8922)
        (7, 10, 0.3968, 0.8922),
        # 0/10: low is 0; high = z² / (n + z²) = 3.841459 / 13.841459 = 0.2775
        (0, 10, 0.0, 0.2775),
        # 10/10 mirrors 0/10: (1 - 0.2775, 1)
        (10, 10, 0.7225, 1.0),
        # 1/2: centre = 0.5; half = 1.959964 · √(0.125 + 0.240091) / 2.920730 = 0.405480
        (1, 2, 0.0945, 0.9055),
        # 50/100: centre 0.5; half = 1.959964 · √(0.0025 + 0.00009604) / 1.038415 = 0.096170
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_scorecard_wilson_interval_matches_hand_computation(
    hits: int, n: int, low: float, high: float
) -> None:
    interval = wilson_interval(hits, n)
    assert interval is not None
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_scorecard_wilson_interval_is_none_without_trials() -> None:
    assert wilson_interval(0, 0) is None
    assert Rate(0, 0).rate is None
    assert Rate(0, 0).interval is None


def test_scorecard_rate_carries_its_interval() -> None:
    rate = Rate(7, 10)
    assert rate.rate == 0.7
    assert rate.interval == wilson_interval(7, 10)


# -- binomial tests -----------------------------------------------------------------

# Two-sided exact test, as scipy's binomtest: the sum of every P(X = j) <= P(X = k).
BINOMIAL_CASES = [
    # 7/10 vs 1/2: P(X >= 7) = (120 + 45 + 10 + 1) / 1024 = 0.171875, doubled by symmetry
    (7, 10, 0.5, 0.34375),
    # 9/10 vs 1/2: P(X >= 9) = (10 + 1) / 1024, doubled = 22 / 1024
    (9, 10, 0.5, 0.021484375),
    # 5/10 vs 1/2: the most likely count, so every outcome is as or less likely
    (5, 10, 0.5, 1.0),
    # 5/5 vs 0.8: P(5) = 0.32768; as or less likely: P(0) = 0.00032, P(1) = 0.0064,
    # P(2) = 0.0512, P(3) = 0.2048 (not P(4) = 0.4096); sum = 0.5904
    (5, 5, 0.8, 0.5904),
]


@pytest.mark.parametrize(("hits", "n", "p", "expected"), BINOMIAL_CASES)
def test_scorecard_p_value_against_half_and_baseline(
    hits: int, n: int, p: float, expected: float
) -> None:
    # Up calls whose subject rose with probability `p` over their windows: return_pct > 0
    # on round(p·n) of them makes the always-up baseline exactly p.
    rises = round(p * n)
    rows = calls("A", hits, n - hits)
    for i, row in enumerate(rows):
        row["return_pct"] = 1.0 if i < rises else -1.0
    (card,) = build_scorecards(joined(*rows))
    assert card.baseline_rate == pytest.approx(p)
    assert card.p_vs_baseline == pytest.approx(expected, rel=1e-9)
    if p == 0.5:
        assert card.p_vs_half == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("hits", "n", "p", "expected"), BINOMIAL_CASES)
def test_scorecard_hand_p_values_agree_with_scipy_pmf(
    hits: int, n: int, p: float, expected: float
) -> None:
    """The hand figures above, recomputed from scipy's binomial pmf (not binomtest)."""
    stats = pytest.importorskip("scipy.stats")
    pmf = stats.binom.pmf(range(n + 1), n, p)
    observed = pmf[hits]
    assert sum(x for x in pmf if x <= observed * (1 + 1e-7)) == pytest.approx(expected)


def test_scorecard_p_values_are_none_when_untestable() -> None:
    rows = calls("A", 3, 0, return_pct=2.0)  # the subject always rose: baseline 1
    (card,) = build_scorecards(joined(*rows))
    assert card.baseline_rate == 1.0
    assert card.p_vs_baseline is None
    no_returns = build_scorecards(joined(*calls("B", 2, 1)))[0]
    assert no_returns.baseline_rate is None
    assert no_returns.p_vs_baseline is None


# -- shrinkage and ranking ---------------------------------------------------------


def test_scorecard_shrinks_toward_the_pooled_rate_and_ranks_only_enough_claims() -> None:
    # Pooled: (3 + 20) hits of (3 + 40) resolved = 0.534884.
    # Lucky: (3 + 10 · 0.534884) / (3 + 10) = 8.348837 / 13 = 0.642218, but 3 < 5 resolved.
    # Steady: (20 + 5.348837) / (40 + 10) = 0.506977, ranked first all the same.
    assert (PRIOR_WEIGHT, MIN_RESOLVED) == (10, 5)
    frame = joined(*calls("Lucky", 3, 0), *calls("Steady", 20, 20))
    steady, lucky = build_scorecards(frame)
    assert (steady.forecaster, lucky.forecaster) == ("Steady", "Lucky")
    assert steady.shrunk_rate == pytest.approx(0.506977, abs=1e-6)
    assert lucky.shrunk_rate == pytest.approx(0.642218, abs=1e-6)
    assert (steady.ranked, lucky.ranked) == (True, False)
    assert (lucky.hit_rate, steady.hit_rate) == (1.0, 0.5)
    board = scorecards_frame([steady, lucky])
    assert board["rank"].tolist()[0] == 1
    assert pd.isna(board["rank"].tolist()[1])


def test_scorecard_ranked_forecasters_order_by_shrunken_rate() -> None:
    # Pooled: (8 + 6) / (10 + 10) = 0.7. A: (8 + 7) / 20 = 0.75; B: (6 + 7) / 20 = 0.65.
    frame = joined(*calls("B", 6, 4), *calls("A", 8, 2))
    first, second = build_scorecards(frame)
    assert (first.forecaster, first.shrunk_rate) == ("A", pytest.approx(0.75))
    assert (second.forecaster, second.shrunk_rate) == ("B", pytest.approx(0.65))


def test_scorecard_wilson_bounds_on_the_card() -> None:
    (card,) = build_scorecards(joined(*calls("A", 7, 3)))
    assert (card.wilson_low, card.wilson_high) == pytest.approx((0.3968, 0.8922), abs=5e-5)


# -- counts, returns and breakdowns --------------------------------------------------


def test_scorecard_counts_what_is_not_graded() -> None:
    rows = [
        *calls("A", 1, 1),
        {"forecaster": "A", "status": "pending"},
        {"forecaster": "A", "status": "excluded"},
        {"forecaster": "A", "status": "no_data"},
        {"forecaster": "A", "status": "no_date"},
        {"forecaster": "A", "status": None},  # not tracked yet
    ]
    (card,) = build_scorecards(joined(*rows))
    assert (card.made, card.resolved, card.hits) == (7, 2, 1)
    assert (card.pending, card.excluded, card.ungraded) == (1, 1, 2)


def test_scorecard_call_returns_are_signed_by_direction() -> None:
    # An up call on +4% earns +4; a down call on -6% earns +6; on +2% it loses 2.
    # Mean call return (4 + 6 - 2) / 3 = 2.6667; excess (1 + 3 - 1) / 3 = 1.0.
    rows = [
        {"forecaster": "A", "status": "hit", "return_pct": 4.0, "excess_return_pct": 1.0},
        {
            "forecaster": "A",
            "status": "hit",
            "direction": "down",
            "return_pct": -6.0,
            "excess_return_pct": -3.0,
        },
        {
            "forecaster": "A",
            "status": "miss",
            "direction": "down",
            "return_pct": 2.0,
            "excess_return_pct": 1.0,
        },
    ]
    (card,) = build_scorecards(joined(*rows))
    assert card.mean_return == pytest.approx(2.6667)
    assert card.mean_excess == pytest.approx(1.0)


def test_scorecard_breaks_down_by_kind_horizon_and_hedge() -> None:
    rows = [
        *calls("A", 2, 1, kind="target", hedge="will"),
        *calls("A", 1, 1, kind="move", horizon_assumed=True),
    ]
    (card,) = build_scorecards(joined(*rows))
    assert card.by_kind == {"move": Rate(1, 2), "target": Rate(2, 3)}
    assert card.by_horizon == {"assumed": Rate(1, 2), "explicit": Rate(2, 3)}
    assert card.by_hedge == {"unstated": Rate(1, 2), "will": Rate(2, 3)}
    board = scorecards_frame([card])
    assert board.loc[0, "kind_target_hit_rate"] == pytest.approx(2 / 3)


def test_scorecard_empty_frame_gives_no_cards() -> None:
    assert build_scorecards(pd.DataFrame(columns=["claim_id", "forecaster", "status"])) == []


def test_scorecard_slugs_are_distinct_and_safe() -> None:
    assert unique_slugs(["Tom Lee", "Tom  Lee!", "Zoë Ça"]) == {
        "Tom  Lee!": "tom-lee",
        "Tom Lee": "tom-lee-2",
        "Zoë Ça": "zoe-ca",
    }


def test_unique_slugs_never_repeat_even_against_numbered_names() -> None:
    names = ["Tom Lee", "Tom Lee 2", "Tom-Lee", "TOM LEE", "tom lee 3"]
    slugs = unique_slugs(names)
    assert len(set(slugs.values())) == len(names)
    assert slugs["Tom Lee 2"] == "tom-lee-2"
