"""Prices: daily bars for the symbols claims are about, from a provider into the store's cache.

Input: symbols and a provider (a CSV folder here; Stooq and yfinance in their own modules).
Output: a `PriceBook` of closes, split events and the reason any symbol has no prices.
Side effects: bars and splits are cached in the `prices` and `splits` tables; a cached
symbol is fetched again only from its last cached date on, and a remote provider is asked
at most once a day per symbol.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from pipeline.errors import PriceDataError
from pipeline.models import Claim, Failure
from pipeline.store.database import Store
from pipeline.symbols import Equivalents, load_equivalents
from pipeline.track.windows import SeriesArrays

COLUMNS = ["date", "open", "high", "low", "close", "adj_close", "volume"]
#: A re-fetched close agrees with the cached one when they differ by less than this
#: fraction: more than rounding, less than any dividend or split adjustment.
OVERLAP_TOLERANCE = 0.001
#: No listed security closes at this price or above: a larger close is a corrupt row.
MAX_CLOSE = 1e7
#: A file with more than this share of unusable rows is refused whole.
MAX_BAD_SHARE = 0.1
MAX_NAMED_ROWS = 5  # bad rows named in a message; the rest are counted
ORIGIN_COLUMNS = ("_source", "_row", "_date", "_close")
#: The same split reported by two sources may carry dates a few days apart.
SAME_SPLIT_DAYS = 7

Splits = dict[str, list[tuple[date, float]]]


class PriceProvider(Protocol):
    """Anything that returns split-adjusted daily bars and the split events behind them."""

    name: str
    #: Remote providers are asked at most once a day per symbol; local ones every run.
    remote: bool

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        """Bars dated on or after `start` (all when None), indexed by date, with columns
        open, high, low, close, adj_close, volume. May be empty when `start` is given.

        Raises:
            PriceDataError: the provider has no usable data for `symbol`.
        """
        ...

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        """Split events the provider knows for `symbol`: (effective date, ratio)."""
        ...


def file_name(symbol: str) -> str:
    """`^RUT` -> `RUT.csv`: index symbols are stored without the caret."""
    return f"{symbol.lstrip('^').replace('/', '_')}.csv"


def how_to_supply(symbols: Iterable[str]) -> str:
    """The sentence that tells a user how to give Thesis Tracker prices it could not fetch."""
    names = " or ".join(file_name(s) for s in symbols)
    return (
        f"save daily prices as {names} (header {','.join(COLUMNS)}) in a folder "
        "and pass --prices DIR"
    )


def read_splits(text: str) -> Splits:
    """Parse `symbol,date,ratio` rows (ratio 10: one share became ten on `date`)."""
    out: Splits = {}
    for row in csv.DictReader(text.splitlines()):
        out.setdefault(row["symbol"].strip(), []).append(
            (date.fromisoformat(row["date"].strip()), float(row["ratio"]))
        )
    return out


def known_splits() -> Splits:
    """The split events shipped in data/splits.csv, for providers that report none."""
    text = resources.files("pipeline.prices").joinpath("data", "splits.csv").read_text("utf-8")
    return read_splits(text)


def merge_splits(*sources: Splits) -> Splits:
    """Union of split lists; one split reported by two sources (same ratio, dates within
    a week of each other) counts once."""
    out: Splits = {}
    for source in sources:
        for symbol, events in source.items():
            kept = out.setdefault(symbol, [])
            for when, ratio in events:
                if not any(r == ratio and abs((w - when).days) <= SAME_SPLIT_DAYS for w, r in kept):
                    kept.append((when, ratio))
            kept.sort()
    return out


@dataclass
class CsvFolderProvider:
    """Reads `<SYMBOL>.csv` files (date,open,high,low,close,adj_close,volume) and `splits.csv`."""

    folder: Path
    name: str = "csv"
    remote: bool = False
    rejected: dict[str, list[str]] = field(default_factory=dict)  # by the last fetch

    def __post_init__(self) -> None:
        if not self.folder.is_dir():
            raise PriceDataError(
                "no such prices folder; pass --prices DIR with <SYMBOL>.csv files", str(self.folder)
            )

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        """The file's bars from `start` on, validated: rows that are no usable price are
        left out and named in `rejected[symbol]` (see `validate_bars`).

        Raises:
            PriceDataError: no such file, not a prices CSV, or too many bad rows.
        """
        clean, problems = validate_bars(self._read(symbol, start), symbol, self.name)
        self.rejected[symbol] = problems
        return clean

    def _read(self, symbol: str, start: date | None) -> pd.DataFrame:
        path = self.folder / file_name(symbol)
        if not path.is_file():
            raise PriceDataError(f"no {path.name} in {self.folder}", symbol)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise PriceDataError(
                f"{path} is not a prices CSV ({exc}); expected header {','.join(COLUMNS)}", symbol
            ) from exc
        # "Adj Close" (Yahoo's download) and "Date" read as adj_close and date
        frame.columns = [str(c).strip().lower().replace(" ", "_") for c in frame.columns]
        missing = [c for c in ("date", "close") if c not in frame.columns]
        if missing or frame.empty:
            raise PriceDataError(
                f"{path} has no rows or lacks columns {missing}; expected {','.join(COLUMNS)}",
                symbol,
            )
        numbers = frame.reindex(columns=COLUMNS[1:]).apply(pd.to_numeric, errors="coerce")
        numbers.index = pd.to_datetime(frame["date"], errors="coerce", format="mixed")
        # Where each row came from, for validate_bars' messages (dropped there).
        numbers["_source"] = str(path)
        numbers["_row"] = range(2, len(frame) + 2)  # line numbers in the file
        numbers["_date"] = list(frame["date"])
        numbers["_close"] = list(frame["close"])
        return (
            numbers
            if start is None
            else numbers[numbers.index.isna() | (numbers.index >= pd.Timestamp(start))]
        )

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        path = self.folder / "splits.csv"
        if not path.is_file():
            return []
        return read_splits(path.read_text(encoding="utf-8")).get(symbol, [])


@dataclass
class PriceBook:
    """Closing prices per symbol (date-indexed Series), split events, where each series came
    from, why any wanted symbol has no prices, and which symbols stand in for each other
    (index <-> ETF, pipeline/symbols.py)."""

    closes: dict[str, pd.Series] = field(default_factory=dict)
    splits: Splits = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    equivalents: Equivalents = field(default_factory=load_equivalents)
    # Symbols whose cached history this run replaced with different prices (a corrected
    # file, another basis): decisions made on the old prices are re-decided.
    repaired: set[str] = field(default_factory=set)
    _arrays: dict[str, SeriesArrays] = field(default_factory=dict, repr=False, compare=False)

    def last_date(self) -> date | None:
        ends = [s.index.max().date() for s in self.closes.values() if not s.empty]
        return max(ends) if ends else None

    def has(self, symbol: str) -> bool:
        return symbol in self.closes and not self.closes[symbol].empty

    def arrays(self, symbol: str) -> SeriesArrays:
        """The series of `symbol` as arrays for window queries (built once, then reused)."""
        if symbol not in self._arrays:
            self._arrays[symbol] = SeriesArrays.from_series(symbol, self.closes[symbol])
        return self._arrays[symbol]

    def split_factor(self, symbol: str, stated_on: date) -> float:
        """How many shares of the series' basis one share of `stated_on` became: the product
        of the splits after `stated_on` that the series already reflects (those on or before
        its last close). 1.0 with no split since."""
        series = self.closes.get(symbol)
        through = series.index.max().date() if series is not None and not series.empty else None
        factor = 1.0
        for when, ratio in self.splits.get(symbol, []):
            if when > stated_on and (through is None or when <= through):
                factor *= ratio
        return factor


def symbols_for(
    claims: Iterable[Claim], default_benchmark: str, equivalents: Equivalents | None = None
) -> list[str]:
    """Every symbol grading needs: subjects, benchmarks, and their index/ETF equivalents
    (by default those of the shipped lexicon)."""
    pairs = ((claim.subject, claim.benchmark) for claim in claims)
    return symbols_needed(pairs, default_benchmark, equivalents)


def symbols_needed(
    pairs: Iterable[tuple[str, str | None]],
    default_benchmark: str,
    equivalents: Equivalents | None = None,
) -> list[str]:
    """`symbols_for` from (subject, benchmark) pairs, as the store lists them."""
    equivalents = equivalents or load_equivalents()
    wanted: set[str] = {default_benchmark}
    for subject, benchmark in pairs:
        wanted.add(subject)
        if benchmark:
            wanted.add(benchmark)
    expanded = set(wanted)
    for symbol in wanted:
        expanded.update(equivalents.family(symbol))
    return sorted(expanded)


def update_prices(
    store: Store,
    provider: PriceProvider | None,
    symbols: Iterable[str],
    today: date | None = None,
    equivalents: Equivalents | None = None,
) -> tuple[PriceBook, list[Failure]]:
    """Bring each symbol's cached series up to date from `provider`, then load the book.

    A symbol not cached is fetched whole; a cached one from its last cached date on. When
    that day's re-fetched close disagrees with the cached one (a split, a new dividend
    adjustment, another provider's basis) the whole series is fetched again and replaces
    the cache. With `provider` None only the cache is read.

    Returns the price book and one Failure per symbol that could not be fetched, unless
    its index/ETF equivalent (by `equivalents`, default the shipped lexicon's) has prices.
    """
    today = today or date.today()
    wanted = list(symbols)
    problems: dict[str, str] = {}
    warnings: list[Failure] = []
    repaired: set[str] = set()
    for symbol in wanted:
        if provider is None or not _due(store, provider, symbol, today):
            continue
        try:
            rejected = _refresh(store, provider, symbol, today, repaired)
        except PriceDataError as exc:
            problems[symbol] = f"{provider.name}: {exc.message}"
            continue
        warnings += [Failure(symbol, "prices", line) for line in rejected]
    book = _load_book(store, wanted, problems, provider)
    book.equivalents = equivalents or book.equivalents
    book.repaired = repaired
    failures = [
        Failure(symbol, "prices", _failure_reason(symbol, reason, book))
        for symbol, reason in problems.items()
        if book.has(symbol) or not _has_equivalent(symbol, book)
    ]
    return book, warnings + failures


def _due(store: Store, provider: PriceProvider, symbol: str, today: date) -> bool:
    return not provider.remote or store.price_checked_on(symbol, provider.name) != today


def _refresh(
    store: Store, provider: PriceProvider, symbol: str, today: date, repaired: set[str]
) -> list[str]:
    """Fetch, validate and cache (adding `symbol` to `repaired` when its cached history
    was replaced by different prices); returns what validation rejected, in words."""
    rejected: list[str] = []

    def fetch(start: date | None = None) -> pd.DataFrame:
        clean, problems = validate_bars(provider.fetch(symbol, start), symbol, provider.name)
        told = getattr(provider, "rejected", {}).get(symbol, [])  # a provider that validates
        rejected.extend(line for line in [*told, *problems] if line not in rejected)
        return clean

    cached = store.prices(symbol)
    last = cached.index.max() if not cached.empty else None
    if last is None:
        fresh = fetch()
        if fresh.empty:
            raise PriceDataError(f"no usable prices for {symbol}", symbol)
        store.replace_prices(symbol, fresh, provider.name)
    elif not provider.remote:
        # A local file is cheap to read whole: rows after the cached ones (the next day's)
        # are added; any other change (a corrected close, a row added among them or
        # removed) replaces the cached history, and the symbol is repaired.
        whole = fetch()
        if whole.empty:
            raise PriceDataError(f"no usable prices for {symbol}", symbol)
        later = whole.index > last
        if not _differs(cached["close"], whole["close"][~later]):
            store.save_prices(symbol, whole[later], provider.name)
        else:
            store.replace_prices(symbol, whole, provider.name)
            repaired.add(symbol)
    else:
        fresh = fetch(last.date())
        if _continues(cached["close"], last, fresh):
            store.save_prices(symbol, fresh[fresh.index > last], provider.name)
        else:  # another basis: the cached history no longer matches, so replace it whole
            whole = fetch()
            if whole.empty:
                raise PriceDataError(f"no usable prices for {symbol}", symbol)
            store.replace_prices(symbol, whole, provider.name)
            repaired.add(symbol)
    store.save_splits(symbol, provider.splits(symbol), provider.name)
    end = store.prices(symbol).index.max()
    store.mark_price_check(symbol, provider.name, today, end.date() if pd.notna(end) else None)
    return rejected


def validate_bars(bars: pd.DataFrame, symbol: str, provider: str) -> tuple[pd.DataFrame, list[str]]:
    """Daily bars fit to decide claims on: a valid date, unique and in order, and a close
    that is a finite price above zero and below MAX_CLOSE. Bad rows are dropped and named
    (file, row, value); when more than MAX_BAD_SHARE of the rows are bad the whole
    series is refused, since such a file is not a price history at all.

    Raises:
        PriceDataError: too many bad rows.
    """
    origin = [c for c in ORIGIN_COLUMNS if c in bars.columns]
    if bars.empty:
        return bars.drop(columns=origin), []
    source = str(bars["_source"].iloc[0]) if "_source" in bars else f"{provider} data"
    rows = list(bars["_row"]) if "_row" in bars else list(range(1, len(bars) + 1))
    raw_dates = list(bars["_date"]) if "_date" in bars else [str(d)[:10] for d in bars.index]
    raw_closes = list(bars["_close"]) if "_close" in bars else list(bars["close"])
    bars = bars.drop(columns=origin)
    close = pd.to_numeric(bars["close"], errors="coerce")
    dates = pd.Series(bars.index, index=range(len(bars)))
    values = close.to_numpy(dtype=float, na_value=float("nan"))
    bad: list[tuple[int, str]] = []
    keep = [True] * len(bars)
    seen: set[pd.Timestamp] = set()
    for i, (day, value) in enumerate(zip(dates, values, strict=True)):
        if pd.isna(day):
            bad.append((i, f"date {raw_dates[i]!r} is not a date"))
        elif day in seen:
            bad.append((i, f"date {raw_dates[i]} appears twice (the first row is kept)"))
        elif not math.isfinite(value) or not 0 < value < MAX_CLOSE:
            bad.append((i, f"close {raw_closes[i]!r} is not a price (finite, above 0)"))
        else:
            seen.add(day)
            continue
        keep[i] = False
    if not bad:
        return bars.sort_index(), []
    lines = [f"{source} row {rows[i]}: {why}" for i, why in bad[:MAX_NAMED_ROWS]]
    more = len(bad) - len(lines)
    summary = "; ".join(lines) + (f"; and {more} more" if more else "")
    if len(bad) > MAX_BAD_SHARE * len(bars):
        raise PriceDataError(
            f"{len(bad)} of {len(bars)} rows are not usable prices ({summary}); fix the file "
            "or fetch it again",
            symbol,
        )
    clean = bars[keep].sort_index()
    return clean, [f"{len(bad)} row(s) rejected and left out: {summary}"]


def _differs(cached: pd.Series, fresh: pd.Series) -> bool:
    """Whether a whole fresh series says something else than the cached one: other
    dates, or a close that differs by OVERLAP_TOLERANCE or more (NaN on both is equal)."""
    if not cached.index.equals(fresh.index):
        return True
    old, new = cached.to_numpy(dtype=float), fresh.to_numpy(dtype=float)
    both_missing = pd.isna(old) & pd.isna(new)
    with np.errstate(invalid="ignore", divide="ignore"):
        close = np.abs(new / old - 1) < OVERLAP_TOLERANCE
    return bool(not (close | both_missing).all())


def _continues(cached: pd.Series, last: pd.Timestamp, fresh: pd.DataFrame) -> bool:
    """Whether `fresh` extends the cached series on the same basis (or brings nothing new)."""
    if fresh.empty:
        return True
    if last not in fresh.index or pd.isna(fresh.at[last, "close"]):
        return False
    old, new = float(cached[last]), float(fresh.at[last, "close"])
    return abs(new / old - 1) < OVERLAP_TOLERANCE


def _load_book(
    store: Store, symbols: list[str], problems: dict[str, str], provider: PriceProvider | None
) -> PriceBook:
    book = PriceBook(splits=merge_splits(store.splits(), known_splits()))
    for symbol in symbols:
        closes = store.prices(symbol)["close"].dropna()
        if closes.empty:
            book.missing[symbol] = problems.get(symbol) or (
                f"no prices cached for {symbol} and no provider to fetch them"
                if provider is None
                else f"{provider.name} returned no prices for {symbol}"
            )
            continue
        book.closes[symbol] = closes
        book.providers[symbol] = "+".join(store.price_providers(symbol))
    return book


def _failure_reason(symbol: str, reason: str, book: PriceBook) -> str:
    if book.has(symbol):
        end = book.closes[symbol].index.max().date()
        return f"could not refresh ({reason}); using cached prices up to {end}"
    return f"{reason}; {how_to_supply([symbol])}"


def _has_equivalent(symbol: str, book: PriceBook) -> bool:
    return any(book.has(s) for s in book.equivalents.family(symbol) if s != symbol)
