"""Track: grade each claim against what prices did next.

Input: Claims, a PriceBook, the as-of date and Settings. Output: one Outcome per claim (hit,
miss, pending, no_data, no_date or excluded) with the numbers it was decided on and the price
data behind them (provider, digest of the closes). Pure; the caller stores outcomes.
Vectorised: the claims become one frame and each price series answers the window queries of
all its claims at once (pipeline.windows). The rules, and the reason for each, are in
README.md ("How claims are resolved").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from .instruments import EQUIVALENTS, canonical
from .models import FINAL_STATUSES, Claim, Disagreement, Outcome
from .prices import PriceBook, file_name, how_to_supply
from .settings import Settings
from .windows import day_numbers

#: A level fits a series when it lies within this factor of the series' entry price.
SCALE_FIT = 4.0
DAYS_PER_YEAR = 365.25
EPOCH = date(1970, 1, 1)
LEVEL_KINDS = ("target", "move")
TEXT_COLUMNS = ("claim_id", "subject", "kind")
NUMBER_COLUMNS = ("target_low", "target_high", "move_pct", "ratio")
DATE_COLUMNS = ("published", "horizon_start", "horizon_end")
#: The cells a reason sentence may read.
REASON_KEYS = (
    "status", "series", "no_series", "kind", "up", "negated", "conditional", "as_of",
    "published", "window_start", "horizon_end", "series_end", "start_day", "end_day",
    "hit_day", "level", "factor", "move_pct", "high", "low", "return_pct", "drift",
    "net_status", "benchmark", "benchmark_return", "benchmark_series", "ratio", "needed",
)  # fmt: skip


#: The working set: one array per column, one element per claim. pandas builds it from the
#: claims and groups it; numpy does the arithmetic (pandas column inserts cost more than the
#: arithmetic for small batches).
Columns = dict[str, np.ndarray]


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
    for name in NUMBER_COLUMNS:
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
    _choose_series(cols, book)
    _measure_windows(cols, book)
    _measure_benchmarks(cols, book)
    _judge(cols, settings)
    return cols


def _keep(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`values` where `mask` holds, None elsewhere (so `_groups` leaves those rows out)."""
    kept = values.astype(object)
    kept[~mask] = None
    return kept


def _groups(values: np.ndarray) -> dict[Any, np.ndarray]:
    """Positions of each distinct value (None left out), in order of first appearance."""
    return pd.Series(values).groupby(values, sort=False).indices


# -- which series -------------------------------------------------------------------


def candidates(subject: str) -> list[str]:
    """The subject, then its index/ETF equivalents: the series a claim may be graded on."""
    index = canonical(subject)
    pair = [index, EQUIVALENTS[index]] if index in EQUIVALENTS else [index]
    return [subject, *[s for s in pair if s != subject]]


def _vague(cols: Columns) -> np.ndarray:
    no_level = np.isnan(cols["target_low"]) & np.isnan(cols["target_high"])
    kind = cols["kind"]
    return ((kind == "target") & no_level) | ((kind == "move") & np.isnan(cols["move_pct"]))


def _raw_level(cols: Columns) -> np.ndarray:
    """The stated level a target must reach: the nearer end of a range (low going up)."""
    low, high = cols["target_low"], cols["target_high"]
    near = np.where(cols["up"], low, high)
    return np.where(np.isnan(near), np.where(np.isnan(low), high, low), near)


def _choose_series(cols: Columns, book: PriceBook) -> None:
    """`series`: the subject's own prices, else its equivalent's; a level target goes to
    the series whose price scale its level fits (nearest in log terms, within SCALE_FIT)."""
    n = len(cols["subject"])
    series = np.full(n, None, dtype=object)
    why = np.full(n, None, dtype=object)
    raw = cols["raw_level"]
    is_level = (cols["kind"] == "target") & ~np.isnan(raw)
    for subject, rows in _groups(cols["subject"]).items():
        wanted = candidates(str(subject))
        usable = [s for s in wanted if book.has(s)]
        if not usable:
            why[rows] = _no_prices(wanted, book)
            continue
        series[rows] = usable[0]
        levels = rows[is_level[rows]]
        if len(levels):
            picked, note = _fit_scale(cols, book, levels, usable, wanted)
            series[levels] = picked
            why[levels] = note
    cols["series"], cols["no_series"] = series, why


def _fit_scale(
    cols: Columns, book: PriceBook, rows: np.ndarray, usable: list[str], wanted: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    published, raw = cols["published"][rows], cols["raw_level"][rows]
    picked = np.full(len(rows), None, dtype=object)
    best = np.full(len(rows), np.log(SCALE_FIT))
    entries: dict[str, np.ndarray] = {}
    for symbol in usable:
        arrays = book.arrays(symbol)
        after = arrays.first_on_or_after(published)
        entries[symbol] = arrays.closes[np.minimum(after, len(arrays) - 1)]
        level = raw / split_factors(book, symbol, published)
        distance = np.abs(np.log(level / entries[symbol]))
        better = distance <= best
        picked = np.where(better, symbol, picked)
        best = np.where(better, distance, best)
    note = np.full(len(rows), None, dtype=object)
    for i in np.flatnonzero(pd.isna(picked)):
        prices = ", ".join(f"{s} near {entries[s][i]:,.2f}" for s in usable)
        absent = [s for s in wanted if s not in usable]
        note[i] = (
            f"The level {raw[i]:,.2f} fits none of the series with prices ({prices}): a level "
            f"is checked only on a series within {SCALE_FIT:g}x of it"
            + (f"; {how_to_supply(absent)}" if absent else "")
            + "."
        )
    return picked, note


def split_factors(book: PriceBook, symbol: str, stated: np.ndarray) -> np.ndarray:
    """`PriceBook.split_factor` for many statement days (int64 day numbers) at once."""
    through = book.arrays(symbol).days[-1]
    factor = np.ones(len(stated))
    for when, ratio in book.splits.get(symbol, []):
        day = (when - EPOCH).days
        if day <= through:
            factor = np.where(stated < day, factor * ratio, factor)
    return factor


def _no_prices(wanted: list[str], book: PriceBook) -> str:
    known = [f"{s}: {book.missing[s]}" for s in wanted if s in book.missing]
    because = f" ({'; '.join(known)})" if known else ""
    return f"No prices for {' or '.join(wanted)}{because}; {how_to_supply(wanted)}."


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
    for symbol, rows in _groups(_keep(cols["series"], eligible)).items():
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
        cols["level"][rows], cols["factor"][rows] = level, factor
        # The first close that makes the stated move: a hit, or a negated call's failure.
        hit = arrays.first_reaching(lo, hi, level, cols["up"][rows])
        cols["hit_day"][rows] = np.where(hit >= 0, arrays.days[np.maximum(hit, 0)], -1)


def _levels(
    cols: Columns, book: PriceBook, symbol: str, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The price each level claim must reach on `symbol` (NaN for return claims), and the
    split factor a stated target was divided by."""
    kind, up = cols["kind"][rows], cols["up"][rows]
    move = cols["move_pct"][rows] / 100
    factor = split_factors(book, symbol, cols["published"][rows])
    moved = cols["start_price"][rows] * np.where(up, 1 + move, 1 - move)
    target = cols["raw_level"][rows] / factor
    level = np.where(kind == "move", moved, np.where(kind == "target", target, np.nan))
    return level, factor


def _measure_benchmarks(cols: Columns, book: PriceBook) -> None:
    """The benchmark's return from the claim's first close to its last close."""
    n = len(cols["subject"])
    cols["benchmark_return"] = np.full(n, np.nan)
    cols["benchmark_series"] = np.full(n, None, dtype=object)
    has_window = cols["start_day"] >= 0
    for symbol, rows in _groups(_keep(cols["benchmark"], has_window)).items():
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
    has_ratio = ~np.isnan(cols["ratio"])
    margin = (np.where(has_ratio, cols["ratio"], 1.0) - 1) * np.abs(bench)
    needed = np.where(up, bench + margin, bench - margin)
    beat = np.where(has_ratio, ret >= needed, ret > needed)
    lag = np.where(has_ratio, ret <= needed, ret < needed)
    relative_ok = np.where(up, beat, lag)
    direction_ok = np.where(up, ret > 0, ret < 0)
    net_ok = np.where(up, ret - drift > 0, ret - drift < 0)
    closed = _closed(cols)
    cols["return_pct"], cols["drift"], cols["needed"], cols["closed"] = ret, drift, needed, closed
    ok = np.where(kind == "relative", relative_ok, direction_ok) ^ negated
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
        np.isin(kind, LEVEL_KINDS),
        (kind == "relative") & np.isnan(bench) & closed,
    ]
    fixed = ["no_date", "excluded", "pending", "no_data", "no_data", "pending"]
    n = len(kind)
    choices = [np.full(n, name, dtype=object) for name in fixed]
    choices += [level_status.astype(object), np.full(n, "no_data", dtype=object)]
    cols["status"] = np.select(conditions, choices, default=return_status.astype(object))
    decided_direction = (kind == "direction") & np.isin(cols["status"], ("hit", "miss"))
    net_status = np.where(net_ok ^ negated, "hit", "miss").astype(object)
    net_status[~decided_direction] = None
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
    cells = zip(*(cols[k].tolist() for k in REASON_KEYS), strict=True)
    values["reason"] = [reason(dict(zip(REASON_KEYS, row, strict=True))) for row in cells]
    names = [f.name for f in fields(Outcome)]
    return [Outcome(*record) for record in zip(*(values[n] for n in names), strict=True)]


def _outcome_fields(cols: Columns, book: PriceBook, as_of: date) -> dict[str, list[Any]]:
    n = len(cols["claim_id"])
    shown = cols["start_day"] >= 0  # the window has prices: its numbers mean something
    hit = cols["hit_day"] >= 0
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


def reason(row: Mapping[str, Any]) -> str:
    """The sentence that says why a graded row has its status."""
    status, series = row["status"], _text(row["series"])
    if status == "no_date":
        return (
            "The article has no published date, so the claim cannot be anchored; add "
            "`published:` front matter or re-ingest the file with --published YYYY-MM-DD."
        )
    if status == "excluded":
        return _excluded_reason(row)
    if row["as_of"] < row["published"]:
        return f"As of {_date(row['as_of'])} the article was not yet published."
    if series is None:
        return str(row["no_series"])
    if row["start_day"] < 0:
        return _empty_window_reason(row)
    if row["kind"] in LEVEL_KINDS:
        return _level_reason(row)
    return _return_reason(row)


def _excluded_reason(row: Mapping[str, Any]) -> str:
    if row["conditional"]:
        return (
            "Conditional claim (if/would): it forecasts only once its condition holds, so it is "
            "excluded from grading, as CXO's Guru Grades exclude conditional calls."
        )
    missing = "price level" if row["kind"] == "target" else "percentage"
    return (
        f"Vague claim: a {row['kind']} with no {missing} to check, so it is excluded from "
        "grading, as CXO's Guru Grades exclude vague calls."
    )


def _empty_window_reason(row: Mapping[str, Any]) -> str:
    opens = _date(row["window_start"])
    if row["status"] == "pending":
        return f"The window opens on {opens}; as of {_date(row['as_of'])} there are no prices inside it yet."
    ends = _date(row["series_end"]) if row["series_end"] >= 0 else "before they start"
    return (
        f"No {row['series']} close between {opens} and {_date(row['horizon_end'])}: its prices "
        f"end on {ends}; {how_to_supply([row['series']])}."
    )


def _level_reason(row: Mapping[str, Any]) -> str:
    up, series, negated = bool(row["up"]), row["series"], row["negated"]
    level = row["level"]
    if row["kind"] == "move":
        what = f"a {'rise' if up else 'fall'} of {row['move_pct']:g}% to {level:,.2f}"
    else:
        what = f"a close {'at or above' if up else 'at or below'} {level:,.2f}"
        if row["factor"] != 1:
            stated = level * row["factor"]
            what += f" (stated as {stated:,.2f} before a {row['factor']:g}:1 split)"
    if row["hit_day"] >= 0:
        tail = ", so the negated call failed." if negated else ", inside the window."
        return f"{series} reached {what} on {_date(row['hit_day'])}{tail}"
    if row["status"] == "pending":
        return f"{series} has not yet made {what}; " + _still_open(row)
    best = row["high"] if up else row["low"]
    tail = "; the negated call held." if negated else "."
    return f"{series} did not make {what} by {_date(row['horizon_end'])} (best close {best:,.2f}){tail}"


def _return_reason(row: Mapping[str, Any]) -> str:
    series, ret = row["series"], row["return_pct"]
    if row["status"] == "pending":
        return f"{series} is {ret:+.2f}% so far; " + _still_open(row)
    span = f"from {_date(row['start_day'])} to {_date(row['end_day'])}"
    if row["kind"] == "direction":
        net = ret - row["drift"]
        return (
            f"{series} returned {ret:+.2f}% {span}; net of the market's normal drift "
            f"({row['drift']:+.2f}% over the window) {net:+.2f}%, a {row['net_status']} net of drift."
        )
    bench = row["benchmark_return"]
    if np.isnan(bench):
        return (
            f"No prices for the benchmark {row['benchmark']}; {how_to_supply([row['benchmark']])}."
        )
    label = f"the benchmark's {bench:+.2f}%"
    if not np.isnan(row["ratio"]):
        label = f"{row['ratio']:g}x the benchmark's {bench:+.2f}% (needed {row['needed']:+.2f}%)"
    return f"{series} returned {ret:+.2f}% {span} against {label} ({row['benchmark_series']})."


def _still_open(row: Mapping[str, Any]) -> str:
    if row["as_of"] < row["horizon_end"]:
        return f"the window runs to {_date(row['horizon_end'])}."
    return (
        f"the window ended on {_date(row['horizon_end'])}, but {row['series']}'s prices end on "
        f"{_date(row['series_end'])}; fetch newer prices ({file_name(row['series'])}) to decide."
    )


def _date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def _text(value: object) -> str | None:
    """Text cells as str; pandas may turn an empty object cell into NaN."""
    return value if isinstance(value, str) else None


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
        elif outcome.status in FINAL_STATUSES and (outcome.status, outcome.hit_date) != (
            old.status,
            old.hit_date,
        ):
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
