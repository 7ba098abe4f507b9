"""Sides: a target's direction from the price at publication, when prices are at hand.

Input: claims and a folder of `<SYMBOL>.csv` closes (`--prices DIR`). Output: the same
claims, each level target's `direction` set by the side of the last close on or before
publication its level lies on (split-adjusted: a pre-split $304 target is compared with
the pre-split price). A raised Hold target below the price is a call down; a cut target
still above it is a call up. Claims without a usable close keep the direction the text
gave. Reads price files; no other side effects.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd

from pipeline.errors import PriceDataError
from pipeline.models import Claim, Direction
from pipeline.prices.book import CsvFolderProvider, PriceBook, known_splits, merge_splits
from pipeline.symbols import load_equivalents
from pipeline.track.series import candidates

#: A level this far from the close is a different scale (an index level against its ETF,
#: an unadjusted split): not compared.
SCALE_LIMITS = (0.2, 5.0)


@cache
def book_from_folder(folder: Path, symbols: tuple[str, ...] | None = None) -> PriceBook:
    """Closes for `symbols` (and their index/ETF equivalents), or for every `<SYMBOL>.csv`
    in the folder, read once per process."""
    provider = CsvFolderProvider(folder)
    equivalents = load_equivalents()
    book = PriceBook(splits=merge_splits(known_splits()), equivalents=equivalents)
    if symbols is None:
        # GSPC.csv holds ^GSPC (file_name drops the caret): offer both readings
        files = sorted(p.stem for p in folder.glob("*.csv") if p.name != "splits.csv")
        symbols = tuple(s for stem in files for s in (stem, f"^{stem}"))
    wanted = {s for symbol in symbols for s in candidates(symbol, equivalents)}
    for symbol in sorted(wanted):
        try:
            closes = provider.fetch(symbol)["close"].dropna()
        except PriceDataError:
            continue
        if not closes.empty:
            book.closes[symbol] = closes
            book.splits.setdefault(symbol, provider.splits(symbol) or book.splits.get(symbol, []))
    return book


def close_at(book: PriceBook, symbol: str, day: date) -> float | None:
    """The last close of `symbol` (or its equivalent) on or before `day`, in the units a
    statement made on `day` used (before later splits)."""
    for series in candidates(symbol, book.equivalents):
        if not book.has(series):
            continue
        closes = book.closes[series]
        before = closes[closes.index <= pd.Timestamp(day)]
        if before.empty:
            continue
        return float(before.iloc[-1]) * book.split_factor(series, day)
    return None


def side_of(level: float, price: float | None) -> Direction | None:
    """Which side of `price` a target `level` lies on; None without a price or when the
    two are on different scales (an index level against its ETF, an unadjusted split)."""
    if price is None or price <= 0 or not SCALE_LIMITS[0] < level / price < SCALE_LIMITS[1]:
        return None
    return "up" if level >= price else "down"


def orient_targets(claims: list[Claim], book: PriceBook) -> list[Claim]:
    """Claims with each level target's direction set by the price at publication."""
    return [_oriented(claim, book) for claim in claims]


def _oriented(claim: Claim, book: PriceBook) -> Claim:
    if claim.kind != "target" or claim.published is None or claim.target_low is None:
        return claim
    high = claim.target_high if claim.target_high is not None else claim.target_low
    direction = side_of(
        (claim.target_low + high) / 2, close_at(book, claim.subject, claim.published)
    )
    if direction is None or claim.negated or direction == claim.direction:
        return claim
    return replace(claim, direction=direction)
