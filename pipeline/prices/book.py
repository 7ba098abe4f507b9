"""Prices: daily bars for the symbols claims are about, from a provider into the store's cache.

Input: symbols and a provider (a CSV folder here; Stooq and yfinance in their own modules).
Output: a `PriceBook` of closes, split events and the reason any symbol has no prices.
Side effects: bars and splits are cached in the `prices` and `splits` tables; a cached
symbol is fetched again only from its last cached date on, and a remote provider is asked
at most once a day per symbol.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Protocol

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

    def __post_init__(self) -> None:
        if not self.folder.is_dir():
            raise PriceDataError(
                "no such prices folder; pass --prices DIR with <SYMBOL>.csv files", str(self.folder)
            )

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        path = self.folder / file_name(symbol)
        if not path.is_file():
            raise PriceDataError(f"no {path.name} in {self.folder}", symbol)
        try:
            frame = pd.read_csv(path, parse_dates=["date"])
        except (ValueError, pd.errors.ParserError) as exc:
            raise PriceDataError(
                f"{path} is not a prices CSV ({exc}); expected header {','.join(COLUMNS)}", symbol
            ) from exc
        missing = [c for c in ("date", "close") if c not in frame.columns]
        if missing or frame.empty:
            raise PriceDataError(
                f"{path} has no rows or lacks columns {missing}; expected {','.join(COLUMNS)}",
                symbol,
            )
        bars = frame.set_index("date").sort_index().reindex(columns=COLUMNS[1:])
        return bars if start is None else bars[bars.index >= pd.Timestamp(start)]

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
    equivalents = equivalents or load_equivalents()
    wanted: set[str] = {default_benchmark}
    for claim in claims:
        wanted.add(claim.subject)
        if claim.benchmark:
            wanted.add(claim.benchmark)
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
    for symbol in wanted:
        if provider is None or not _due(store, provider, symbol, today):
            continue
        try:
            _refresh(store, provider, symbol, today)
        except PriceDataError as exc:
            problems[symbol] = f"{provider.name}: {exc.message}"
    book = _load_book(store, wanted, problems, provider)
    book.equivalents = equivalents or book.equivalents
    failures = [
        Failure(symbol, "prices", _failure_reason(symbol, reason, book))
        for symbol, reason in problems.items()
        if book.has(symbol) or not _has_equivalent(symbol, book)
    ]
    return book, failures


def _due(store: Store, provider: PriceProvider, symbol: str, today: date) -> bool:
    return not provider.remote or store.price_checked_on(symbol, provider.name) != today


def _refresh(store: Store, provider: PriceProvider, symbol: str, today: date) -> None:
    cached = store.prices(symbol)
    last = cached.index.max() if not cached.empty else None
    if last is None:
        fresh = provider.fetch(symbol)
        if fresh.empty:
            raise PriceDataError(f"no prices for {symbol}", symbol)
        store.replace_prices(symbol, fresh, provider.name)
    else:
        fresh = provider.fetch(symbol, last.date())
        if _continues(cached["close"], last, fresh):
            store.save_prices(symbol, fresh[fresh.index > last], provider.name)
        else:  # another basis: the cached history no longer matches, so replace it whole
            store.replace_prices(symbol, provider.fetch(symbol), provider.name)
    store.save_splits(symbol, provider.splits(symbol), provider.name)
    end = store.prices(symbol).index.max()
    store.mark_price_check(symbol, provider.name, today, end.date() if pd.notna(end) else None)


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
