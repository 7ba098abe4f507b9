"""Audit: one forecaster's scorecard as text for the terminal (`thesis audit NAME`).

Input: the store and a name (any case; a unique part of a name is enough). Output: text.
"""

from __future__ import annotations

from pipeline.errors import ThesisError
from pipeline.report.frames import claims_with_outcomes
from pipeline.report.scorecard import MIN_RESOLVED, Rate, Scorecard, build_scorecards
from pipeline.store.database import Store


def find_scorecard(store: Store, name: str) -> Scorecard:
    """The scorecard of the forecaster called `name` (exact, else a unique partial match).

    Raises:
        ThesisError: no forecaster, or more than one, matches.
    """
    cards = build_scorecards(claims_with_outcomes(store))
    wanted = name.casefold().strip()
    exact = [c for c in cards if c.forecaster.casefold() == wanted]
    partial = [
        c for c in cards if wanted in c.forecaster.casefold() or wanted in (c.org or "").casefold()
    ]
    matches = exact or partial
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(c.forecaster for c in cards) or "none yet (run `thesis run` first)"
    if not matches:
        raise ThesisError(f"no forecaster matches {name!r}; known forecasters: {known}")
    names = ", ".join(c.forecaster for c in matches)
    raise ThesisError(f"{name!r} matches several forecasters ({names}); give the full name")


def audit_text(card: Scorecard) -> str:
    """The scorecard laid out for a terminal."""
    lines = [
        f"{card.forecaster}"
        + (f" ({card.org})" if card.org and card.org != card.forecaster else "")
    ]
    lines.append(
        f"claims {card.made}: resolved {card.resolved}, pending {card.pending}, "
        f"excluded {card.excluded}, not gradable {card.ungraded}"
    )
    if card.hit_rate is None:
        lines.append("hit rate: no resolved claims yet")
    else:
        lines.append(
            f"hit rate {card.hits}/{card.resolved} = {card.hit_rate:.0%} "
            f"(Wilson 95% CI {card.wilson_low:.0%}-{card.wilson_high:.0%})"
        )
        lines.append(f"binomial test vs 50%: p = {card.p_vs_half:.3f}")
        if card.baseline_rate is not None:
            p = f", p = {card.p_vs_baseline:.3f}" if card.p_vs_baseline is not None else ""
            lines.append(f"always-up baseline on the same windows: {card.baseline_rate:.0%}{p}")
        lines.append(
            f"mean call return {_pct(card.mean_return)}, mean excess over benchmark {_pct(card.mean_excess)}"
        )
        rank = "ranked" if card.ranked else f"unranked (fewer than {MIN_RESOLVED} resolved claims)"
        lines.append(f"shrunk hit rate {card.shrunk_rate:.0%}, {rank}")
    for title, group in (
        ("by kind", card.by_kind),
        ("by horizon", card.by_horizon),
        ("by hedge", card.by_hedge),
    ):
        if group:
            lines.append(f"{title}: " + ", ".join(f"{k} {_rate(r)}" for k, r in group.items()))
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _rate(rate: Rate) -> str:
    return f"{rate.hits}/{rate.resolved}"
