"""Track: grade each claim against what prices did next.

Input: Claims, a PriceBook, the as-of date and Settings. Output: one Outcome per claim (hit,
miss, pending, no_data, no_date or excluded) with the numbers it was decided on and the price
data behind them (provider, digest of the closes). Pure; the caller stores outcomes.
Vectorised: the claims become columns and each price series answers the window queries of
all its claims at once. The phases and the record each returns are in pipeline.track.state;
`_grade` runs them in order. The rules, and the reason for each, are in README.md ("How
claims are resolved").
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from pipeline.kinds import KINDS, VALUE_FIELDS, GradedRow
from pipeline.models import FINAL_STATUSES, Claim, Disagreement, Outcome
from pipeline.prices.book import PriceBook
from pipeline.settings import Settings
from pipeline.track.judge import judge_claims
from pipeline.track.measure import measure_benchmarks, measure_windows, stated_levels
from pipeline.track.reasons import REASON_KEYS, reason
from pipeline.track.series import choose_series
from pipeline.track.state import Basis, ClaimColumns, Graded
from pipeline.track.windows import EPOCH

TEXT_COLUMNS = ("claim_id", "subject", "kind")
DATE_COLUMNS = ("published", "horizon_start", "horizon_end")


def resolve_claims(
    claims: Iterable[Claim], book: PriceBook, as_of: date, settings: Settings | None = None
) -> list[Outcome]:
    """Grade every claim as of `as_of`, using only prices dated on or before it."""
    claims = list(claims)
    if not claims:
        return []
    settings = settings or Settings()
    graded = _grade(
        claim_columns(claims, settings.grading.default_benchmark), book, as_of, settings
    )
    return _outcomes(graded, book, as_of)


def resolve_claim(
    claim: Claim, book: PriceBook, as_of: date, settings: Settings | None = None
) -> Outcome:
    """Grade one claim (the same vectorised path as `resolve_claims`)."""
    return resolve_claims([claim], book, as_of, settings)[0]


def claims_frame(claims: list[Claim], default_benchmark: str) -> pd.DataFrame:
    """One row per claim with the fields grading reads; dates as int64 day numbers."""
    cols = claim_columns(claims, default_benchmark)
    named = {f.name: getattr(cols, f.name) for f in fields(cols) if f.name != "values"}
    return pd.DataFrame(named | dict(cols.values))


def claim_columns(claims: list[Claim], default_benchmark: str) -> ClaimColumns:
    """The fields grading reads, one array per field (see `claims_frame`)."""

    def column(name: str) -> np.ndarray:
        return np.array(list(map(attrgetter(name), claims)), dtype=object)

    text = {name: column(name) for name in TEXT_COLUMNS}
    benchmark = column("benchmark")
    dated = np.ones(len(claims), dtype=bool)
    days, known = {}, {}
    for name in DATE_COLUMNS:
        ordinals = np.array([d.toordinal() if d else 0 for d in map(attrgetter(name), claims)])
        known[name] = ordinals > 0
        dated &= known[name]
        days[name] = np.where(ordinals > 0, ordinals - EPOCH.toordinal(), 0)
    return ClaimColumns(
        **text,
        up=column("direction") == "up",
        negated=column("negated").astype(bool),
        conditional=column("conditional").astype(bool),
        benchmark=np.where(pd.isna(benchmark), default_benchmark, benchmark),
        **days,
        dated=dated,
        undatable=known["published"] & ~known["horizon_end"],
        values={name: column(name).astype(float) for name in VALUE_FIELDS},  # None -> NaN
    )


def grade_frame(
    frame: pd.DataFrame, book: PriceBook, as_of: date, settings: Settings
) -> pd.DataFrame:
    """A claims frame with the series, window numbers, benchmark and status columns added."""
    names = [f.name for f in fields(ClaimColumns) if f.name != "values"]
    claims = ClaimColumns(
        **{name: frame[name].to_numpy() for name in names},
        values={name: frame[name].to_numpy() for name in VALUE_FIELDS},
    )
    return pd.DataFrame(_grade(claims, book, as_of, settings).columns(), index=frame.index)


def _grade(claims: ClaimColumns, book: PriceBook, as_of: date, settings: Settings) -> Graded:
    """The phases, in order: basis, windows, benchmarks, judgement."""
    basis = _basis(claims, book, as_of)
    windows = measure_windows(claims, basis, book)
    benchmarks = measure_benchmarks(claims, windows, book)
    judgement = judge_claims(
        claims, basis, windows, benchmarks, settings.grading.drift_pct_per_year
    )
    return Graded(claims, basis, windows, benchmarks, judgement)


def _basis(claims: ClaimColumns, book: PriceBook, as_of: date) -> Basis:
    """The as-of day, stated levels, exclusions and the series each claim is graded on."""
    stated = stated_levels(claims, claims.up, slice(None))
    series, no_series = choose_series(claims.subject, stated, claims.published, book)
    return Basis(
        as_of=np.full(len(claims), (as_of - EPOCH).days, dtype=np.int64),
        stated=stated,
        excluded=(claims.dated & (claims.conditional | _vague(claims))) | claims.undatable,
        series=series,
        no_series=no_series,
    )


def _vague(claims: ClaimColumns) -> np.ndarray:
    """Claims of a kind that needs a value (a level, a percentage) but states none."""
    vague = np.zeros(len(claims), dtype=bool)
    for name, spec in KINDS.items():
        if spec.required_value:
            stated = [~np.isnan(claims.values[field]) for field in spec.value_fields]
            vague |= (claims.kind == name) & ~np.logical_or.reduce(stated)
    return vague


# -- outcomes -----------------------------------------------------------------------


def _outcomes(g: Graded, book: PriceBook, as_of: date) -> list[Outcome]:
    """One Outcome per claim, with its numbers and the sentence that explains it.

    Every field is converted as a whole column (dates, rounding, None where a number does
    not apply); only the reason is written claim by claim.
    """
    values = _outcome_fields(g, book, as_of)
    values["reason"] = [reason(row) for row in _reason_rows(g)]
    names = [f.name for f in fields(Outcome)]
    return [Outcome(*record) for record in zip(*(values[n] for n in names), strict=True)]


def _reason_rows(g: Graded) -> Iterable[GradedRow]:
    """The graded claims one by one, as the rows reason sentences read."""
    c, b, w, j = g.claims, g.basis, g.windows, g.judgement
    cells = {
        "status": j.status, "series": b.series, "no_series": b.no_series, "kind": c.kind,
        "up": w.up, "negated": c.negated, "conditional": c.conditional, "undatable": c.undatable,
        "as_of": b.as_of,
        "published": c.published, "window_start": w.window_start,
        "horizon_end": c.horizon_end, "series_end": w.series_end, "start_day": w.start_day,
        "end_day": w.end_day, "hit_day": w.hit_day, "level": w.level, "factor": w.factor,
        "high": w.high, "low": w.low, "return_pct": j.return_pct, "drift": j.drift,
        "net_status": j.net_status, "benchmark": c.benchmark,
        "benchmark_return": g.benchmarks.return_pct, "benchmark_series": g.benchmarks.series,
    }  # fmt: skip
    kind_values = [
        dict(zip(c.values, row, strict=True))
        for row in zip(*(v.tolist() for v in c.values.values()), strict=True)
    ]
    rows = zip(*(cells[k].tolist() for k in REASON_KEYS), kind_values, strict=True)
    return map(GradedRow._make, rows)


def _outcome_fields(g: Graded, book: PriceBook, as_of: date) -> dict[str, list[Any]]:
    c, b, w, j, bm = g.claims, g.basis, g.windows, g.judgement, g.benchmarks
    shown = w.has_prices  # the window has prices: its numbers mean something
    hit = (w.hit_day >= 0) & ~b.excluded  # no hit date beside "excluded"
    up = w.up ^ c.negated  # higher prices favour the forecaster
    ret = np.round(j.return_pct, 4)
    keys = [f"{s}|{x}" for s, x in zip(b.series.tolist(), bm.series.tolist(), strict=True)]
    providers = {k: _provider(book, *k.split("|")) for k in set(keys)}
    return {
        "claim_id": c.claim_id.tolist(),
        "status": j.status.tolist(),
        "as_of": [as_of] * len(c),
        "series": _only(b.series, c.dated),
        "start_date": _days_as_dates(w.start_day, shown),
        "start_price": _only(w.start_price, shown),
        "end_date": _days_as_dates(w.end_day, shown),
        "end_price": _only(w.end_price, shown),
        "return_pct": _only(ret, shown),
        "benchmark_return_pct": _only(np.round(bm.return_pct, 4), shown),
        "excess_return_pct": _only(np.round(ret - bm.return_pct, 4), shown),
        "best_price": _only(np.where(up, w.high, w.low), shown),
        "worst_price": _only(np.where(up, w.low, w.high), shown),
        "hit_date": _days_as_dates(w.hit_day, shown & hit),
        "days_to_hit": _only(w.hit_day - w.start_day, shown & hit),
        "level": _only(w.level, shown),
        "benchmark_series": _only(bm.series, shown),
        "drift_pct": _only(np.round(j.drift, 4), shown),
        "net_return_pct": _only(np.round(j.return_pct - j.drift, 4), shown),
        "net_status": _only(j.net_status, shown),
        "provider": _only(np.array([providers[k] for k in keys], dtype=object), shown),
        "prices_digest": _only(np.array([f"{d:016x}" for d in g.digest.tolist()]), shown),
    }


def _only(values: np.ndarray, mask: np.ndarray) -> list[Any]:
    """The column as Python values, None where `mask` is off or the value is missing."""
    out = values.astype(object)
    missing = ~mask
    if values.dtype.kind == "f":
        missing |= np.isnan(values)
    out[missing | pd.isna(out)] = None
    return out.tolist()


def _days_as_dates(days: np.ndarray, mask: np.ndarray) -> list[Any]:
    return _only(days.astype("datetime64[D]").astype(object), mask)


def _provider(book: PriceBook, series: str, benchmark: str | None) -> str:
    """The providers behind the closes a decision used, e.g. `csv` or `csv+stooq`."""
    names: set[str] = set()
    for symbol in (series, benchmark):
        if symbol:
            names.update(book.providers.get(symbol, "unknown").split("+"))
    return "+".join(sorted(names))


# -- history ------------------------------------------------------------------------


def reconcile_outcomes(
    stored: dict[str, Outcome],
    fresh: Iterable[Outcome],
    repaired: Collection[str] = (),
    regrade: bool = False,
) -> tuple[list[Outcome], list[Disagreement]]:
    """Split fresh grades into those to store and those that contradict a stored decision.

    A stored decision (hit, miss, excluded) is not rewritten, unless it was made on a
    price series that has since been repaired (`repaired`: its cached history was
    replaced with different prices) or a re-grade was asked for (`regrade`). A fresh
    decision that differs from a stored one (another status, or another hit date) becomes
    a Disagreement either way, so the old and the new verdict are both on record. A fresh
    grade that is not a decision (pending, no_data) says nothing against a stored one.
    """
    to_save: list[Outcome] = []
    disagreements: list[Disagreement] = []
    for outcome in fresh:
        old = stored.get(outcome.claim_id)
        if old is None or old.status not in FINAL_STATUSES:
            to_save.append(outcome)
            continue
        redo = regrade or bool({old.series, old.benchmark_series} & set(repaired))
        if redo and outcome.status in FINAL_STATUSES:
            to_save.append(outcome)
        if outcome.status in FINAL_STATUSES and _decision(outcome) != _decision(old):
            disagreements.append(
                Disagreement(
                    claim_id=outcome.claim_id,
                    stored_status=old.status,
                    stored_as_of=old.as_of,
                    stored_digest=old.prices_digest,
                    regrade_status=outcome.status,
                    regrade_as_of=outcome.as_of,
                    regrade_digest=outcome.prices_digest,
                    regrade_provider=outcome.provider,
                    regrade_reason=outcome.reason,
                )
            )
    return to_save, disagreements


def _decision(outcome: Outcome) -> tuple[str, date | None]:
    """What a decision says: its status, and for a hit or miss the day the level was hit."""
    graded = outcome.status in ("hit", "miss")
    return outcome.status, outcome.hit_date if graded else None
