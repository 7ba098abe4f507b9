"""Instruments: find tickers, index names and group phrases in text.

Input: text. Output: `Mention`s (character span, canonical symbol, text as written).
The lexicon ships as data/instruments.csv; users extend it with their own CSV of the
same columns. No side effects.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

# Symbol identity (index <-> ETF equivalents, read from the `proxy` column) lives in
# pipeline/symbols.py; `canonical` is re-exported here for the extractor.
from pipeline.symbols import canonical as canonical

MEMBER_INDICES = ("S&P 500", "NASDAQ 100")


@dataclass(frozen=True)
class Instrument:
    symbol: str
    kind: str
    proxy: str | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    symbol: str
    text: str


@dataclass(frozen=True)
class Lexicon:
    instruments: dict[str, Instrument]
    alias_pattern: re.Pattern[str]
    group_pattern: re.Pattern[str]
    alias_to_symbol: dict[str, str]

    def symbol_for(self, alias: str) -> str | None:
        return self.alias_to_symbol.get(alias) or self.alias_to_symbol.get(alias.lower())


CASHTAG = re.compile(
    r"\$(?P<name>[A-Za-z][^$\n()]{1,60})\((?P<sym>\^?[A-Z][A-Z.]{0,5})\)\$|\$(?P<tag>[A-Z]{1,5})\b"
)
EXCHANGE = re.compile(
    r"\b(?:NYSEARCA|NYSE|NASDAQ|NasdaqGS|NasdaqGM|AMEX|BATS|ARCA|CBOE):\s?(?P<sym>[A-Z]{1,5})\b"
)
PAREN = re.compile(r"\((?P<sym>\^?[A-Z]{1,5})\)")


def read_lexicon_rows(path: Path | None = None) -> list[dict[str, str]]:
    """Rows of an instruments CSV (symbol, kind, proxy, scale_hint, aliases)."""
    if path is None:
        text = (
            resources.files("pipeline.extract")
            .joinpath("data", "instruments.csv")
            .read_text("utf-8")
        )
    else:
        text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def index_member_rows() -> list[dict[str, str]]:
    """S&P 500 and Nasdaq-100 members from pytickersymbols, as lexicon rows.

    A member's name is an alias unless it is an everyday word (data/company_name_stopwords.txt),
    in which case only "<Name> Inc./Corp." and its symbol are tagged.
    """
    from pytickersymbols import PyTickerSymbols  # heavy: imported only when the lexicon is built

    # Everyday words, and firms whose strategists are quoted: "Goldman Sachs says..." names a speaker.
    common = _word_list("company_name_stopwords.txt") | {
        alias.strip() for line in _word_list("firms.txt") for alias in line.split("|")
    }
    source = PyTickerSymbols()
    rows: dict[str, dict[str, str]] = {}
    for index in MEMBER_INDICES:
        for stock in source.get_stocks_by_index(index):
            usd = sorted(
                (s["yahoo"] for s in stock.get("symbols", []) if s.get("currency") == "USD"),
                key=lambda sym: (not re.fullmatch(r"[A-Z]{1,5}", sym), sym),
            )
            name = str(stock.get("name", "")).strip()
            if not usd or not name or usd[0] in rows:
                continue
            aliases = [f"{name} Inc.", f"{name} Corp.", f"{name} Corporation", usd[0]]
            if name not in common:
                aliases.insert(0, name)
            rows[usd[0]] = {
                "symbol": usd[0],
                "kind": "stock",
                "proxy": "",
                "scale_hint": "price",
                "aliases": "|".join(aliases),
            }
    return list(rows.values())


@cache
def load_lexicon(extra: tuple[Path, ...] = ()) -> Lexicon:
    """Index members (pytickersymbols), then the shipped CSV, then user CSVs: later rows win."""
    rows = index_member_rows() + read_lexicon_rows()
    for path in extra:
        rows.extend(read_lexicon_rows(path))
    stop = _stopwords()
    instruments: dict[str, Instrument] = {}
    alias_to_symbol: dict[str, str] = {}
    proper: list[str] = []
    groups: list[str] = []
    for row in rows:
        aliases = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
        symbol = row["symbol"].strip()
        instruments[symbol] = Instrument(
            symbol, row["kind"].strip(), row["proxy"].strip() or None, aliases
        )
        for alias in aliases:
            if alias.isupper() and alias.lstrip("^").isalpha() and alias.lstrip("^") in stop:
                continue
            if alias[0].islower():
                groups.append(alias)
                alias_to_symbol[alias.lower()] = symbol
            else:
                proper.append(alias)
                alias_to_symbol[alias] = symbol
    return Lexicon(
        instruments=instruments,
        alias_pattern=_alternation(proper, re.NOFLAG),
        group_pattern=_alternation(groups, re.IGNORECASE),
        alias_to_symbol=alias_to_symbol,
    )


def find_mentions(text: str, lexicon: Lexicon | None = None) -> list[Mention]:
    """Every instrument mention in `text`, left to right, without overlaps.

    Explicit symbol forms ($IWM, NYSEARCA:IWM, (XLK)) win over names; a longer
    name wins over a shorter one at the same place.
    """
    lex = lexicon or load_lexicon()
    found: list[Mention] = []
    for match in CASHTAG.finditer(text):
        sym = match.group("sym") or match.group("tag")
        found.append(
            Mention(match.start(), match.end(), lex.symbol_for(sym) or sym, match.group(0))
        )
    for pattern in (EXCHANGE, PAREN):
        for match in pattern.finditer(text):
            sym = match.group("sym")
            symbol = lex.symbol_for(sym) or (sym if sym in lex.instruments else None)
            if symbol or pattern is EXCHANGE:
                found.append(Mention(match.start("sym"), match.end("sym"), symbol or sym, sym))
    for pattern in (lex.alias_pattern, lex.group_pattern):
        for match in pattern.finditer(text):
            symbol = lex.symbol_for(match.group(0))
            if symbol:
                found.append(Mention(match.start(), match.end(), symbol, match.group(0)))
    return _without_overlaps(found)


def _without_overlaps(mentions: Iterable[Mention]) -> list[Mention]:
    ordered = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for mention in ordered:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _alternation(aliases: list[str], flags: re.RegexFlag) -> re.Pattern[str]:
    if not aliases:
        return re.compile(r"(?!x)x")
    ordered = sorted(set(aliases), key=len, reverse=True)
    body = "|".join(re.escape(a) for a in ordered)
    return re.compile(rf"(?<![\w$^:-])(?:{body})(?![\w-]|\.\w)", flags)


def _stopwords() -> frozenset[str]:
    return _word_list("ticker_stopwords.txt")


@cache
def _word_list(name: str) -> frozenset[str]:
    text = resources.files("pipeline.extract").joinpath("data", name).read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )
