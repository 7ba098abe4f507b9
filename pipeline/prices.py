"""Prices: daily bars for the symbols claims are about, from a provider into the store's cache.

Input: symbols and a provider. Output: a `PriceBook` of closing prices (and split events)
for tracking. Side effect: fetched bars are cached in the `prices` table, so only
missing symbols are fetched again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import pandas as pd

from .errors import PriceDataError
from .instruments import EQUIVALENTS, canonical
from .models import Claim, Failure
from .store import Store

COLUMNS = ["date", "open", "high", "low", "close", "adj_close", "volume"]


class PriceProvider(Protocol):
    """Anything that returns split-adjusted daily bars for a symbol."""

    name: str

    def fetch(self, symbol: str) -> pd.DataFrame:
        """Bars indexed by date with columns open, high, low, close, adj_close, volume.

        Raises:
            PriceDataError: the provider has no usable data for `symbol`.
        """
        ...

    def splits(self) -> dict[str, list[tuple[date, float]]]:
        """Known split events per symbol: (effective date, ratio)."""
        ...


def file_name(symbol: str) -> str:
    """`^RUT` -> `RUT.csv`: index symbols are stored without the caret."""
    return f"{symbol.lstrip('^').replace('/', '_')}.csv"


@dataclass
class CsvFolderProvider:
    """Reads `<SYMBOL>.csv` files (date,open,high,low,close,adj_close,volume) and `splits.csv`."""

    folder: Path
    name: str = "csv"

    def __post_init__(self) -> None:
        if not self.folder.is_dir():
            raise PriceDataError(
                "no such prices folder; pass --prices DIR with <SYMBOL>.csv files", str(self.folder)
            )

    def fetch(self, symbol: str) -> pd.DataFrame:
        path = self.folder / file_name(symbol)
        if not path.is_file():
            raise PriceDataError(
                f"no prices for {symbol}: add {path.name} (header {','.join(COLUMNS)}) to {self.folder}",
                symbol,
            )
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
        return frame.set_index("date").sort_index().reindex(columns=COLUMNS[1:])

    def splits(self) -> dict[str, list[tuple[date, float]]]:
        path = self.folder / "splits.csv"
        out: dict[str, list[tuple[date, float]]] = {}
        if path.is_file():
            with path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    out.setdefault(row["symbol"], []).append(
                        (date.fromisoformat(row["date"]), float(row["ratio"]))
                    )
        return out


@dataclass
class PriceBook:
    """Closing prices per symbol (date-indexed Series) and split events, ready for tracking."""

    closes: dict[str, pd.Series] = field(default_factory=dict)
    splits: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)

    def last_date(self) -> date | None:
        ends = [s.index.max().date() for s in self.closes.values() if not s.empty]
        return max(ends) if ends else None

    def split_factor(self, symbol: str, stated_on: date) -> float:
        """How many of today's shares one share of `stated_on` became (1.0 with no split since)."""
        factor = 1.0
        for when, ratio in self.splits.get(symbol, []):
            if when > stated_on:
                factor *= ratio
        return factor


def symbols_for(claims: Iterable[Claim], default_benchmark: str) -> list[str]:
    """Every symbol grading needs: subjects, benchmarks, and their index/ETF equivalents."""
    wanted: set[str] = {default_benchmark}
    for claim in claims:
        wanted.add(claim.subject)
        if claim.benchmark:
            wanted.add(claim.benchmark)
    expanded = set(wanted)
    for symbol in wanted:
        index = canonical(symbol)
        expanded.add(index)
        if index in EQUIVALENTS:
            expanded.add(EQUIVALENTS[index])
    return sorted(expanded)


def update_prices(
    store: Store, provider: PriceProvider | None, symbols: Iterable[str]
) -> tuple[PriceBook, list[Failure]]:
    """Load each symbol from the cache, fetching from `provider` the ones not cached yet.

    Returns the price book and one Failure per symbol no source could supply.
    """
    book = PriceBook(splits=provider.splits() if provider else {})
    failures: list[Failure] = []
    cached = store.price_symbols()
    for symbol in symbols:
        if symbol not in cached and provider is not None:
            try:
                store.save_prices(symbol, provider.fetch(symbol), provider.name)
            except PriceDataError as exc:
                failures.append(Failure(item=symbol, stage="prices", reason=exc.message))
                continue
        frame = store.prices(symbol)
        if frame.empty:
            if provider is None:
                failures.append(
                    Failure(
                        symbol,
                        "prices",
                        f"no prices for {symbol}; pass --prices DIR with {file_name(symbol)}",
                    )
                )
            continue
        book.closes[symbol] = frame["close"].dropna()
        book.providers[symbol] = cached.get(
            symbol, (None, None, provider.name if provider else "cache")
        )[2]
    # A missing index is no gap when its tracking ETF is there (and the other way round).
    return book, [f for f in failures if not _has_equivalent(f.item, book)]


def _has_equivalent(symbol: str, book: PriceBook) -> bool:
    index = canonical(symbol)
    return any(s in book.closes for s in (index, EQUIVALENTS.get(index)) if s and s != symbol)
