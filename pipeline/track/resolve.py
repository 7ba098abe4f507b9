"""Track: grade each claim against what prices did next.

Input: Claims, a PriceBook, the as-of date and Settings. Output: one Outcome per claim (hit,
miss, pending, no_data, no_date or excluded) with the numbers it was decided on and the price
data behind them (provider, digest of the closes). Pure; the caller stores outcomes.
Vectorised: the claims become one frame and each price series answers the window queries of
all its claims at once (pipeline.windows). The rules, and the reason for each, are in
README.md ("How claims are resolved").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from pipeline.kinds import KINDS, VALUE_FIELDS, GradedRow, LevelInputs, ReturnInputs
from pipeline.models import FINAL_STATUSES, Claim, Disagreement, Outcome
from pipeline.prices.book import PriceBook
from pipeline.settings import Settings
from pipeline.track.reasons import REASON_KEYS, reason
from pipeline.track.series import Columns, candidates, choose_series, groups, keep, split_factors
from pipeline.track.windows import EPOCH, day_numbers

DAYS_PER_YEAR = 365.25
TEXT_COLUMNS = ("claim_id", "subject", "kind")
#: Kinds that state a price level: graded on the side of the entry the level lies on.
STATED = tuple(name for name, spec in KINDS.items() if spec.stated_level)
#: Kinds graded on the first close reaching a level, rather than on the window's return.
LEVEL = tuple(name for name, spec in KINDS.items() if spec.level)
#: Kinds graded against the benchmark's return: without its prices, no data.
AGAINST_BENCHMARK = tuple(name for name, spec in KINDS.items() if spec.benchmark)
#: Kinds also graded net of the market's normal drift.
NET_OF_DRIFT = tuple(name for name, spec in KINDS.items() if spec.net_of_drift)
DATE_COLUMNS = ("published", "horizon_start", "horizon_end")


def resolve_claims(
    claims: Iterable[Claim], book: PriceBook, as_of: date, settings: Settings | None = None
) -> list[Outcome]:
    """Grade every claim as of `as_of`, using only prices dated on or before it."""
    claims = list(claims)
    if not claims:
        return []
    settings = settings or Settings()
    cols = _grade(claim_columns(claims, settings.default_benchmark), book, as_of, settings)
    return _outcomes(cols, book, as_of)


def resolve_claim(
    claim: Claim, book: PriceBook, as_of: date, settings: Settings | None = None
) -> Outcome:
    """Grade one claim (the same vectorised path as `resolve_claims`)."""
    return resolve_claims([claim], book, as_of, settings)[0]


def claims_frame(claims: list[Claim], default_benchmark: str) -> pd.DataFrame:
    """One row per claim with the fields grading reads; dates as int64 day numbers."""
    return pd.DataFrame(claim_columns(claims, default_benchmark))


def claim_columns(claims: list[Claim], default_benchmark: str) -> Columns:
    """The fields grading reads, one array per field (see `claims_frame`)."""

    def column(name: str) -> np.ndarray:
        return np.array(list(map(attrgetter(name), claims)), dtype=object)

    cols: Columns = {name: column(name) for name in TEXT_COLUMNS}
    cols["up"] = column("direction") == "up"
    for name in ("negated", "conditional"):
        cols[name] = column(name).astype(bool)
    for name in VALUE_FIELDS:
        cols[name] = column(name).astype(float)  # None -> NaN
    benchmark = column("benchmark")
    cols["benchmark"] = np.where(pd.isna(benchmark), default_benchmark, benchmark)
    dated = np.ones(len(claims), dtype=bool)
    for name in DATE_COLUMNS:
        ordinals = np.array([d.toordinal() if d else 0 for d in map(attrgetter(name), claims)])
        dated &= ordinals > 0
        cols[name] = np.where(ordinals > 0, ordinals - EPOCH.toordinal(), 0)
    cols["dated"] = dated
    return cols


def grade_frame(
    frame: pd.DataFrame, book: PriceBook, as_of: date, settings: Settings
) -> pd.DataFrame:
    """A claims frame with the series, window numbers, benchmark and status columns added."""
    cols = _grade({name: frame[name].to_numpy() for name in frame.columns}, book, as_of, settings)
    return pd.DataFrame(cols, index=frame.index)


def _grade(cols: Columns, book: PriceBook, as_of: date, settings: Settings) -> Columns:
    n = len(cols["claim_id"])
    cols["as_of"] = np.full(n, (as_of - EPOCH).days, dtype=np.int64)
    cols["raw_level"] = _raw_level(cols)
    cols["excluded"] = cols["dated"] & (cols["conditional"] | _vague(cols))
    choose_series(cols, book)
    _measure_windows(cols, book)
    _measure_benchmarks(cols, book)
    _judge(cols, settings)
    return cols


# -- claims ------------------------------------------------------------------------


def _vague(cols: Columns) -> np.ndarray:
    """Claims of a kind that needs a value (a level, a percentage) but states none."""
    vague = np.zeros(len(cols["kind"]), dtype=bool)
    for name, spec in KINDS.items():
        if spec.required_value:
            stated = [~np.isnan(cols[field]) for field in spec.value_fields]
            vague |= (cols["kind"] == name) & ~np.logical_or.reduce(stated)
    return vague


def _raw_level(cols: Columns, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """The level each claim states, before split adjustment (NaN for kinds without one)."""
    kind, up = cols["kind"][rows], cols["up"][rows]
    raw = np.full(len(kind), np.nan)
    for name, spec in KINDS.items():
        if spec.stated_level:
            values = {field: cols[field][rows] for field in spec.value_fields}
            raw = np.where(kind == name, spec.stated_level(values, up), raw)
    return raw


# -- window numbers -----------------------------------------------------------------


def _measure_windows(cols: Columns, book: PriceBook) -> None:
    """Start/end closes, extremes, the level and its first crossing, per claim."""
    n = len(cols["subject"])
    for name in ("start_price", "end_price", "high", "low", "level", "factor"):
        cols[name] = np.full(n, np.nan)
    for name in ("start_day", "end_day", "hit_day", "series_end", "after_end"):
        cols[name] = np.full(n, -1, dtype=np.int64)
    cols["digest"] = np.zeros(n, dtype=np.uint64)
    cols["window_start"] = np.maximum(cols["horizon_start"], cols["published"])
    window_last = np.minimum(cols["horizon_end"], cols["as_of"])
    eligible = cols["dated"] & ~pd.isna(cols["series"])
    for symbol, rows in groups(keep(cols["series"], eligible)).items():
        arrays = book.arrays(str(symbol))
        known = arrays.last_on_or_before(cols["as_of"][rows])
        cols["series_end"][rows] = np.where(known >= 0, arrays.days[known], -1)
        after = arrays.first_on_or_after(cols["horizon_end"][rows] + 1)
        later = arrays.days[np.minimum(after, len(arrays) - 1)]
        cols["after_end"][rows] = np.where(after < len(arrays), later, -1)
        lo = arrays.first_on_or_after(cols["window_start"][rows])
        hi = arrays.last_on_or_before(window_last[rows])
        inside = (lo <= hi) & (lo < len(arrays))
        rows, lo, hi = rows[inside], lo[inside], hi[inside]
        cols["start_price"][rows] = arrays.closes[lo]
        cols["end_price"][rows] = arrays.closes[hi]
        cols["high"][rows] = arrays.range_max(lo, hi)
        cols["low"][rows] = arrays.range_min(lo, hi)
        cols["start_day"][rows] = arrays.days[lo]
        cols["end_day"][rows] = arrays.days[hi]
        cols["digest"][rows] = arrays.digest(lo, hi)
        level, factor = _levels(cols, book, str(symbol), rows)
        if _side_of_entry(cols, rows, level):
            level, factor = _levels(cols, book, str(symbol), rows)
        cols["level"][rows], cols["factor"][rows] = level, factor
        # The first close that makes the stated move: a hit, or a negated call's failure.
        hit = arrays.first_reaching(lo, hi, level, cols["up"][rows])
        cols["hit_day"][rows] = np.where(hit >= 0, arrays.days[np.maximum(hit, 0)], -1)


def _side_of_entry(cols: Columns, rows: np.ndarray, level: np.ndarray) -> bool:
    """A target's direction is the side of the entry its level lies on: "the S&P 500 will
    finish around 4,500", said at 4,740, is a call down whatever verb carried it. Flips
    `up` (and a range's near end) where the stated direction disagrees; True if any did."""
    start, up = cols["start_price"][rows], cols["up"][rows]
    stated = np.isin(cols["kind"][rows], STATED) & ~np.isnan(level)
    flip = stated & np.where(up, level < start, level > start)
    if not flip.any():
        return False
    flipped = rows[flip]
    cols["up"], cols["raw_level"] = cols["up"].copy(), cols["raw_level"].copy()  # may be views
    cols["up"][flipped] = ~cols["up"][flipped]
    cols["raw_level"][flipped] = _raw_level(cols, flipped)
    return True


def _levels(
    cols: Columns, book: PriceBook, symbol: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The price each level claim must reach on `symbol` (NaN for return claims), and the
    split factor a stated level was divided by."""
    kind = cols["kind"][rows]
    factor = split_factors(book, symbol, cols["published"][rows])
    inputs = LevelInputs(
        start_price=cols["start_price"][rows],
        up=cols["up"][rows],
        stated=cols["raw_level"][rows],
        factor=factor,
        values={name: cols[name][rows] for name in VALUE_FIELDS},
    )
    level = np.full(len(rows), np.nan)
    for name, spec in KINDS.items():
        if spec.level:
            level = np.where(kind == name, spec.level(inputs), level)
    return level, factor


def _measure_benchmarks(cols: Columns, book: PriceBook) -> None:
    """The benchmark's return from the claim's first close to its last close."""
    n = len(cols["subject"])
    cols["benchmark_return"] = np.full(n, np.nan)
    cols["benchmark_series"] = np.full(n, None, dtype=object)
    has_window = cols["start_day"] >= 0
    for symbol, rows in groups(keep(cols["benchmark"], has_window)).items():
        usable = [s for s in candidates(str(symbol)) if book.has(s)]
        if not usable:
            continue
        arrays = book.arrays(usable[0])
        lo = arrays.first_on_or_after(cols["start_day"][rows])
        hi = arrays.last_on_or_before(cols["end_day"][rows])
        inside = (lo <= hi) & (lo < len(arrays))
        rows, lo, hi = rows[inside], lo[inside], hi[inside]
        cols["benchmark_return"][rows] = (arrays.closes[hi] / arrays.closes[lo] - 1) * 100
        cols["benchmark_series"][rows] = usable[0]
        cols["digest"][rows] += arrays.digest(lo, hi) * np.uint64(3)


# -- decisions ----------------------------------------------------------------------


def _judge(cols: Columns, settings: Settings) -> None:
    """Returns, drift, whether the window is closed, and the status of every claim."""
    ret = (cols["end_price"] / cols["start_price"] - 1) * 100
    years = (cols["end_day"] - cols["start_day"]) / DAYS_PER_YEAR
    drift = ((1 + settings.drift_pct_per_year / 100) ** years - 1) * 100
    bench, up, negated, kind = cols["benchmark_return"], cols["up"], cols["negated"], cols["kind"]
    net_ok = np.where(up, ret - drift > 0, ret - drift < 0)
    closed = _closed(cols)
    cols["return_pct"], cols["drift"], cols["closed"] = ret, drift, closed
    returns = ReturnInputs(ret, bench, up, {name: cols[name] for name in VALUE_FIELDS})
    ok = np.zeros(len(kind), dtype=bool)
    for name, spec in KINDS.items():
        if spec.beats:
            ok = np.where(kind == name, spec.beats(returns), ok)
    ok ^= negated
    level_status = np.where(
        cols["hit_day"] >= 0,
        np.where(negated, "miss", "hit"),
        np.where(closed, np.where(negated, "hit", "miss"), "pending"),
    )
    return_status = np.where(closed, np.where(ok, "hit", "miss"), "pending")
    has_window = cols["start_day"] >= 0
    conditions = [
        ~cols["dated"],
        cols["excluded"],
        cols["as_of"] < cols["published"],
        pd.isna(cols["series"]),
        ~has_window & (cols["as_of"] >= cols["horizon_end"]),
        ~has_window,
        np.isin(kind, LEVEL),
        np.isin(kind, AGAINST_BENCHMARK) & np.isnan(bench) & closed,
    ]
    fixed = ["no_date", "excluded", "pending", "no_data", "no_data", "pending"]
    n = len(kind)
    choices = [np.full(n, name, dtype=object) for name in fixed]
    choices += [level_status.astype(object), np.full(n, "no_data", dtype=object)]
    cols["status"] = np.select(conditions, choices, default=return_status.astype(object))
    decided = np.isin(kind, NET_OF_DRIFT) & np.isin(cols["status"], ("hit", "miss"))
    net_status = np.where(net_ok ^ negated, "hit", "miss").astype(object)
    net_status[~decided] = None
    cols["net_status"] = net_status


def _closed(cols: Columns) -> np.ndarray:
    """The window is over: as_of is on or after its end, and the prices show it (the last
    close is on the end's last weekday, or a later close exists by as_of)."""
    end = cols["horizon_end"]
    last_weekday = np.busday_offset(end.astype("datetime64[D]"), 0, roll="backward")
    on_last = cols["end_day"] >= day_numbers(last_weekday)
    later = (cols["after_end"] >= 0) & (cols["after_end"] <= cols["as_of"])
    return (cols["as_of"] >= end) & (on_last | later)


# -- outcomes -----------------------------------------------------------------------


def _outcomes(cols: Columns, book: PriceBook, as_of: date) -> list[Outcome]:
    """One Outcome per claim, with its numbers and the sentence that explains it.

    Every field is converted as a whole column (dates, rounding, None where a number does
    not apply); only the reason is written claim by claim.
    """
    values = _outcome_fields(cols, book, as_of)
    kind_values = [
        dict(zip(VALUE_FIELDS, cells, strict=True))
        for cells in zip(*(cols[k].tolist() for k in VALUE_FIELDS), strict=True)
    ]
    cells = zip(*(cols[k].tolist() for k in REASON_KEYS), kind_values, strict=True)
    values["reason"] = [reason(GradedRow._make(row)) for row in cells]
    names = [f.name for f in fields(Outcome)]
    return [Outcome(*record) for record in zip(*(values[n] for n in names), strict=True)]


def _outcome_fields(cols: Columns, book: PriceBook, as_of: date) -> dict[str, list[Any]]:
    n = len(cols["claim_id"])
    shown = cols["start_day"] >= 0  # the window has prices: its numbers mean something
    hit = (cols["hit_day"] >= 0) & ~cols["excluded"]  # no hit date beside "excluded"
    up = cols["up"] ^ cols["negated"]  # higher prices favour the forecaster
    ret = np.round(cols["return_pct"], 4)
    bench = cols["benchmark_return"]
    keys = [
        f"{s}|{b}"
        for s, b in zip(cols["series"].tolist(), cols["benchmark_series"].tolist(), strict=True)
    ]
    providers = {k: _provider(book, *k.split("|")) for k in set(keys)}
    return {
        "claim_id": cols["claim_id"].tolist(),
        "status": cols["status"].tolist(),
        "as_of": [as_of] * n,
        "series": _only(cols["series"], cols["dated"]),
        "start_date": _days_as_dates(cols["start_day"], shown),
        "start_price": _only(cols["start_price"], shown),
        "end_date": _days_as_dates(cols["end_day"], shown),
        "end_price": _only(cols["end_price"], shown),
        "return_pct": _only(ret, shown),
        "benchmark_return_pct": _only(np.round(bench, 4), shown),
        "excess_return_pct": _only(np.round(ret - bench, 4), shown),
        "best_price": _only(np.where(up, cols["high"], cols["low"]), shown),
        "worst_price": _only(np.where(up, cols["low"], cols["high"]), shown),
        "hit_date": _days_as_dates(cols["hit_day"], shown & hit),
        "days_to_hit": _only(cols["hit_day"] - cols["start_day"], shown & hit),
        "level": _only(cols["level"], shown),
        "benchmark_series": _only(cols["benchmark_series"], shown),
        "drift_pct": _only(np.round(cols["drift"], 4), shown),
        "net_return_pct": _only(np.round(cols["return_pct"] - cols["drift"], 4), shown),
        "net_status": _only(cols["net_status"], shown),
        "provider": _only(np.array([providers[k] for k in keys], dtype=object), shown),
        "prices_digest": _only(np.array([f"{d:016x}" for d in cols["digest"].tolist()]), shown),
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
    stored: dict[str, Outcome], fresh: Iterable[Outcome]
) -> tuple[list[Outcome], list[Disagreement]]:
    """Split fresh grades into those to store and those that contradict a stored decision.

    A stored decision (hit, miss, excluded) is never rewritten. A fresh decision that
    differs from it (another status, or another hit date) becomes a Disagreement, so a
    change in the price data or the rules is visible instead of silent. A fresh grade that
    is not a decision (pending, no_data) says nothing against a stored one.
    """
    to_save: list[Outcome] = []
    disagreements: list[Disagreement] = []
    for outcome in fresh:
        old = stored.get(outcome.claim_id)
        if old is None or old.status not in FINAL_STATUSES:
            to_save.append(outcome)
        elif outcome.status in FINAL_STATUSES and _decision(outcome) != _decision(old):
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
