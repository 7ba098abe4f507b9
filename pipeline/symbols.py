"""Symbols: which symbols name the same market, read from the instrument lexicons.

Input: the `proxy` column of pipeline/extract/data/instruments.csv and of any user lexicon
CSV (`--lexicon`, `[thesis.extract] lexicon`). Output: `Equivalents`, the index <-> tracking
ETF pairs (`^RUT` <-> `IWM`). Claims on one are graded on the other when needed, and gold
matching treats them as the same subject. No side effects.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Equivalents:
    """Index -> its tracking ETF (`proxies`), and the reverse."""

    proxies: dict[str, str]
    indexes: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "indexes", {etf: i for i, etf in self.proxies.items()})

    def canonical(self, symbol: str) -> str:
        """The index a symbol tracks, so that IWM and ^RUT compare equal."""
        return self.indexes.get(symbol, symbol)

    def proxy(self, symbol: str) -> str | None:
        """The tracking ETF of the index `symbol` (or of the index an ETF tracks)."""
        return self.proxies.get(self.canonical(symbol))

    def family(self, symbol: str) -> list[str]:
        """The index, then its ETF: `IWM` -> `[^RUT, IWM]`; a symbol with none -> `[it]`."""
        index = self.canonical(symbol)
        proxy = self.proxies.get(index)
        return [index, proxy] if proxy else [index]


def read_proxies(rows: Iterable[dict[str, str]]) -> dict[str, str]:
    """symbol -> proxy for the rows of an instruments CSV that name a proxy."""
    return {
        row["symbol"].strip(): proxy
        for row in rows
        if (proxy := (row.get("proxy") or "").strip()) and row.get("symbol")
    }


@cache
def load_equivalents(lexicon: tuple[Path, ...] = ()) -> Equivalents:
    """The shipped lexicon's proxies, then each user lexicon's: a later row wins, a row
    with an empty proxy keeps the one before (a user row may only add aliases).

    Args:
        lexicon: user lexicon CSVs (symbol,kind,proxy,scale_hint,aliases), as in
            `settings.extract.lexicon`.
    """
    shipped = (
        resources.files("pipeline.extract").joinpath("data", "instruments.csv").read_text("utf-8")
    )
    proxies = read_proxies(
        csv.DictReader(line for line in shipped.splitlines() if not line.startswith("#"))
    )
    for path in lexicon:
        with path.open(encoding="utf-8", newline="") as handle:
            proxies |= read_proxies(
                csv.DictReader(line for line in handle if not line.startswith("#"))
            )
    return Equivalents(proxies)


def canonical(symbol: str) -> str:
    """The index a symbol tracks, by the shipped lexicon (`IWM` -> `^RUT`)."""
    return load_equivalents().canonical(symbol)
