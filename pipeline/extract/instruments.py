"""Instruments: find tickers, company names, index names and sector words in text.

Input: text. Output: `Mention`s (character span, canonical symbol, text as written).
The lexicon is data: data/listings.csv (every US-listed stock and ETF, built by
scripts/build_instruments.py), data/instruments.csv (indices, ETFs, sector words, short
names), data/renames.csv (dated ticker changes), then the user's CSVs. No side effects.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

# Symbol identity (index <-> ETF equivalents, read from the `proxy` column) lives in
# pipeline/symbols.py; `canonical` is re-exported here for the extractor.
from pipeline.symbols import canonical as canonical


@dataclass(frozen=True)
class Instrument:
    symbol: str
    kind: str
    proxy: str | None
    aliases: tuple[str, ...]
    name: str | None = None
    exchange: str | None = None


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    symbol: str
    text: str

    def shifted(self, offset: int) -> Mention:
        """The same mention with offsets relative to a point `offset` characters in."""
        return Mention(self.start - offset, self.end - offset, self.symbol, self.text)


@dataclass(frozen=True)
class Rename:
    """`old` became `new` on `day`: mentions of `old` before then mean `new`'s series."""

    old: str
    new: str
    day: date


@dataclass(frozen=True)
class Lexicon:
    instruments: dict[str, Instrument]
    alias_to_symbol: dict[str, str]
    #: first token of a name as written -> names starting with it, longest first
    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: first token of a lower-case phrase ("small caps", "tech stocks") -> phrases
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: names tagged only in a stock context: everyday words ("Target") and quoted firms
    context_names: frozenset[str] = frozenset()
    #: names that are dictionary words ("Tenable"): in a stock context, or mid-sentence
    #: outside headlines in a text that also writes the ticker
    word_names: frozenset[str] = frozenset()
    #: tickers that are words or one letter ("ALL", "IT", "F"): never bare
    word_tickers: frozenset[str] = frozenset()
    renames: dict[str, Rename] = field(default_factory=dict)
    #: hashtag without "#" -> symbol: tickers upper-case as written ("NVDA"), names
    #: lower-cased and run together ("dowjones", "smallcaps")
    hashtags: dict[str, str] = field(default_factory=dict)

    def symbol_for(self, alias: str, on: date | None = None) -> str | None:
        """The symbol an alias or ticker stands for (on a day, for renamed tickers)."""
        key = _class_symbol(alias)
        rename = self.renames.get(key)
        if rename and (on is None or on < rename.day or key not in self.instruments):
            return rename.new
        return self.alias_to_symbol.get(key) or self.alias_to_symbol.get(alias.lower())


HASHTAG = re.compile(r"(?<![\w&])#(?P<tag>[A-Za-z][A-Za-z0-9]{1,40})\b")
CASHTAG = re.compile(
    r"\$(?P<name>[A-Za-z][^$\n()]{1,60})\((?P<sym>\^?[A-Z][A-Z.]{0,5})\)\$"
    r"|\$(?P<tag>[A-Za-z]{1,5}(?:[.\-/][A-Za-z])?)(?![\w.]\w)"
)
EXCHANGE = re.compile(
    r"\b(?:NYSEARCA|NYSEAMERICAN|NYSE American|NYSE|NASDAQ|Nasdaq|NasdaqGS|NasdaqGM|NasdaqCM|AMEX|BATS|ARCA|CBOE|Cboe)\s?:\s?(?P<sym>[A-Z]{1,5}(?:[.\-/][A-Z])?)\b"
)
PAREN = re.compile(r"\((?P<sym>\^?[A-Z]{1,5}(?:[.\-/][A-Z])?)\)")
TOKEN = re.compile(r"[\w^][\w&'’]*")
TICKERISH = re.compile(r"\^?[A-Z]{1,5}(?:[.\-/][A-Z])?")
#: A name is a stock, not a speaker, in "shares of X", "X shares", "X's stock", "X (TICK)".
STOCK_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:shares|stock|stocks|share price|price target|target|PT|price objective|"
    r"rating|outlook|earnings|results|guidance)\b|,?\s+(?:Inc\b|Corp\b|Corporation\b|Co\.)|\s*\((?:[A-Za-z ]+:\s?)?[A-Z]{1,5}(?:[.\-][A-Z])?\)"
    # a rating change: "cut Oracle to hold from buy", "started Alphabet at neutral"
    r"|\s+(?:to|at)\s+(?:an?\s+)?[\"“]?(?:hold|buy|sell|neutral|overweight|underweight|equal[- ]weight|"
    r"outperform|underperform|market perform|sector perform|peer perform|strong buy|reduce|"
    r"accumulate|in-line)\b"
)
STOCK_BEFORE = re.compile(
    r"\b(?:(?:shares|stock|stake|position)\s+(?:of|in)|(?:price target|target|price objective|"
    r"PT|rating|coverage|view|stance|call)\s+(?:on|of|for)|(?:upgraded?|downgraded?|upgrades|"
    r"downgrades|initiated|initiates|covering|reiterated|rates|rated|long|short|bought|sold|"
    r"buying|selling|owning|own|added to|trimmed)(?:\s+its)?)\s+$",
    re.IGNORECASE,
)
SENTENCE_START = re.compile(r"(?:^|[.!?:\n\"“•*#|>-])\s*$")
#: Words for the whole market that name it only as a sentence's subject before a forecast
#: verb ("Stocks could fall 8%"), never elsewhere ("which stocks to buy").
MARKET_WORDS = frozenset({"stocks", "equities"})
MARKET_VERB = re.compile(
    r"\s+(?:(?:are|look|looks|seem|appear)\s+(?:likely|poised|set|due|ready)\s+to|will|could|"
    r"should|may|might|can|would|are going to|are headed|head|remain|stay)\b",
    re.IGNORECASE,
)
#: A bare sector word ("energy", "tech", "utilities") is a sector only when it is not the
#: everyday noun: not after a verb or adjective that takes the word ("burn energy", "clean
#: energy", "AI technology") and not before a noun it modifies ("energy prices", "tech giant").
EVERYDAY_BEFORE = re.compile(
    r"\b(?:burn|burning|waste|wasting|save|saving|spend|spending|use|using|lot of|lots of|"
    r"full of|no|much|more|less|clean|renewable|green|nuclear|solar|artificial|new|AI|cloud|"
    r"your|my|our|their|his|her|its|public|water|electric)\s+$",
    re.IGNORECASE,
)
EVERYDAY_AFTER = re.compile(
    r"\s+(?:prices?|costs?|bills?|demand|supply|company|companies|firm|firms|giant|giants|"
    r"platform|platforms|solutions?|transition|crisis|policy|efficiency|consumption|usage|"
    r"spending|budget|stack|industry|executives?|workers|jobs|levels?|drinks?)\b",
    re.IGNORECASE,
)


def read_lexicon_rows(path: Path | None = None) -> list[dict[str, str]]:
    """Rows of an instruments CSV (symbol, kind, proxy, scale_hint, aliases)."""
    text = _data_text("instruments.csv") if path is None else path.read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))


def _listing_lines() -> list[str]:
    return [line for line in _data_text("listings.csv").splitlines() if not line.startswith("#")]


def listing_rows() -> list[dict[str, str]]:
    """data/listings.csv as lexicon rows: the everyday names and the symbol are aliases."""
    lines = _listing_lines()
    return [
        {
            "symbol": row["symbol"],
            "kind": row["kind"],
            "proxy": "",
            "aliases": "|".join([*filter(None, row["everyday"].split("|")), row["symbol"]]),
            "name": row["name"],
            "exchange": row["exchange"],
        }
        for row in csv.DictReader(lines)
    ]


def read_renames() -> dict[str, Rename]:
    """data/renames.csv: old,new,date."""
    rows = csv.DictReader(_data_text("renames.csv").splitlines())
    return {r["old"]: Rename(r["old"], r["new"], date.fromisoformat(r["date"])) for r in rows}


@cache
def load_lexicon(extra: tuple[Path, ...] = ()) -> Lexicon:
    """Listings, then the shipped CSV, then user CSVs: a later row's aliases win."""
    rows = listing_rows() + read_lexicon_rows()
    for path in extra:
        rows.extend(read_lexicon_rows(path))
    instruments: dict[str, Instrument] = {}
    alias_to_symbol: dict[str, str] = {}
    renames = read_renames()
    for rename in renames.values():
        alias_to_symbol[rename.old] = rename.new
    for row in rows:
        symbol = _class_symbol(row["symbol"].strip())
        aliases = tuple(a.strip() for a in row["aliases"].split("|") if a.strip())
        old = instruments.get(symbol)
        instruments[symbol] = Instrument(
            symbol,
            row["kind"].strip(),
            (row.get("proxy") or "").strip() or None,
            tuple(dict.fromkeys((*(old.aliases if old else ()), *aliases))),
            row.get("name") or (old.name if old else None),
            row.get("exchange") or (old.exchange if old else None),
        )
        for alias in aliases:
            for variant in {alias, alias.replace("'", "’")}:
                key = variant.lower() if variant[0].islower() else variant
                alias_to_symbol[_class_symbol(key) if TICKERISH.fullmatch(key) else key] = symbol
    return _indexed(instruments, alias_to_symbol, renames)


def find_mentions(
    text: str, lexicon: Lexicon | None = None, published: date | None = None
) -> list[Mention]:
    """Every instrument mention in `text`, left to right, without overlaps.

    Explicit symbol forms ($IWM, NYSEARCA:IWM, (XLK)) win over names; a longer name wins
    over a shorter one at the same place. Tickers that are words ("ALL", "IT") and one-letter
    tickers count only in those explicit forms; names that are everyday words ("Target")
    or quoted firms ("Goldman Sachs") only in a stock context ("shares of X", "X stock").
    """
    lex = lexicon or load_lexicon()
    found = _symbol_forms(text, lex, published)
    found.extend(_names(text, lex, published))
    return _without_overlaps(found)


def _symbol_forms(text: str, lex: Lexicon, on: date | None) -> list[Mention]:
    found: list[Mention] = []
    for match in CASHTAG.finditer(text):
        sym = match.group("sym") or match.group("tag")
        symbol = lex.symbol_for(sym, on)
        if symbol or sym.isupper():
            found.append(Mention(match.start(), match.end(), symbol or sym, match.group(0)))
    for match in HASHTAG.finditer(text):  # "#dowjones", "#NVDA", "#smallcaps"
        tag = match.group("tag")
        if symbol := lex.hashtags.get(tag if tag.isupper() else tag.lower()):
            found.append(Mention(match.start(), match.end(), symbol, match.group(0)))
    for match in EXCHANGE.finditer(text):
        sym = match.group("sym")
        symbol = lex.symbol_for(sym, on) or _class_symbol(sym)
        found.append(Mention(match.start("sym"), match.end("sym"), symbol, sym))
    for match in PAREN.finditer(text):
        sym = match.group("sym")
        symbol = lex.symbol_for(sym, on)
        if symbol and (
            _class_symbol(sym) not in lex.word_tickers or _after_name(text, match.start())
        ):
            found.append(Mention(match.start("sym"), match.end("sym"), symbol, sym))
    return found


def _names(text: str, lex: Lexicon, on: date | None) -> Iterable[Mention]:
    caps_lines: dict[int, bool] = {}
    for token in TOKEN.finditer(text):
        start = token.start()
        if start and text[start - 1] in "$^:-./\\@#":
            continue
        word = token.group(0)
        for alias in _candidates(lex, word):
            end = start + len(alias)
            written = text[start:end]
            if (written if alias[0].isupper() or alias[0] == "^" else written.lower()) != alias:
                continue
            if not _right_boundary(text, end):
                continue
            if not _accepted(text, lex, alias, start, end, caps_lines):
                continue
            symbol = lex.symbol_for(alias, on)
            if symbol:
                yield Mention(start, end, symbol, written)
                break


def _candidates(lex: Lexicon, word: str) -> tuple[str, ...]:
    stem = word[:-2] if word[-2:] in ("'s", "’s") else word
    return (
        lex.names.get(word, ())
        + (lex.names.get(stem, ()) if stem != word else ())
        + lex.groups.get(word.lower(), ())
        + (lex.groups.get(stem.lower(), ()) if stem != word else ())
    )


def _accepted(
    text: str, lex: Lexicon, alias: str, start: int, end: int, caps_lines: dict[int, bool]
) -> bool:
    if alias in MARKET_WORDS:  # "Stocks could fall 8%": the market, only as the subject
        return bool(
            SENTENCE_START.search(text, max(0, start - 3), start) and MARKET_VERB.match(text, end)
        )
    if alias[0].islower() and alias.isalpha():  # a one-word sector name ("energy")
        return not (
            EVERYDAY_BEFORE.search(text, max(0, start - 20), start)
            or EVERYDAY_AFTER.match(text, end)
        )
    if TICKERISH.fullmatch(alias):
        key = _class_symbol(alias)
        if key in lex.word_tickers or len(key.lstrip("^")) < 2:
            return _stock_context(text, start, end)
        return not _shouting(text, start, lex, caps_lines)
    if alias in lex.context_names:
        return _stock_context(text, start, end)
    if alias in lex.word_names:
        symbol = lex.alias_to_symbol.get(alias, "")
        return _stock_context(text, start, end) or (
            re.search(rf"(?<![\w.]){re.escape(symbol)}(?![\w])", text) is not None
            and not SENTENCE_START.search(text, max(0, start - 3), start)
            and not _title_line(text, start, caps_lines)
        )
    return True


def _stock_context(text: str, start: int, end: int) -> bool:
    return bool(
        STOCK_AFTER.match(text, end, min(len(text), end + 40))
        or STOCK_BEFORE.search(text, max(0, start - 20), start)
    )


def _after_name(text: str, paren: int) -> bool:
    """A one-letter or word ticker in parentheses counts right after a capitalised name."""
    before = text[max(0, paren - 40) : paren].rstrip()
    words = before.split()
    return bool(words) and words[-1][:1].isupper() and not SENTENCE_START.search(before)


def _shouting(text: str, pos: int, lex: Lexicon, cache_: dict[int, bool]) -> bool:
    """An all-caps line (a headline), where capitalised words are not tickers."""
    line_start = text.rfind("\n", 0, pos) + 1
    if line_start not in cache_:
        line_end = text.find("\n", pos)
        words = re.findall(r"[A-Za-z]{3,}", text[line_start : line_end if line_end >= 0 else None])
        caps = [w for w in words if w.isupper() and w not in lex.instruments]
        cache_[line_start] = len(caps) >= 3 and len(caps) * 2 >= len(words)
    return cache_[line_start]


def _title_line(text: str, pos: int, cache_: dict[int, bool]) -> bool:
    """A headline in title case, where every word is capitalised."""
    line_start = text.rfind("\n", 0, pos) + 1
    key = -1 - line_start
    if key not in cache_:
        line_end = text.find("\n", pos)
        words = re.findall(r"[A-Za-z]{4,}", text[line_start : line_end if line_end >= 0 else None])
        cache_[key] = len(words) >= 3 and all(w[0].isupper() for w in words)
    return cache_[key]


def _right_boundary(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    nxt = text[end]
    if nxt.isalnum() or nxt in "_-&":
        return False
    return not (nxt == "." and end + 1 < len(text) and text[end + 1].isalnum())


def _indexed(
    instruments: dict[str, Instrument], alias_to_symbol: dict[str, str], renames: dict[str, Rename]
) -> Lexicon:
    names: dict[str, list[str]] = defaultdict(list)
    groups: dict[str, list[str]] = defaultdict(list)
    for alias in alias_to_symbol:
        first = TOKEN.match(alias)
        if not first:
            continue
        if alias[0].islower():
            groups[first.group(0)].append(alias)
        else:
            names[first.group(0)].append(alias)
            if TICKERISH.fullmatch(alias) and "-" in alias:
                for sep in "./":  # BRK.B, BRK/B
                    names[first.group(0)].append(alias.replace("-", sep))
    firms = {a.strip() for line in _word_list("firms.txt") for a in line.split("|")}
    context_names = _word_list("company_name_stopwords.txt") | firms
    word_tickers = _word_list("ticker_stopwords.txt") | _spacy_stop_words()
    word_names = frozenset(
        name
        for row in csv.DictReader(_listing_lines())
        for name in row["word_names"].split("|")
        if name
    )
    return Lexicon(
        instruments=instruments,
        alias_to_symbol=alias_to_symbol,
        names={k: tuple(sorted(set(v), key=len, reverse=True)) for k, v in names.items()},
        groups={k: tuple(sorted(set(v), key=len, reverse=True)) for k, v in groups.items()},
        context_names=context_names,
        word_tickers=word_tickers,
        word_names=word_names,
        renames=renames,
        hashtags=_hashtags(
            alias_to_symbol, context_names | word_names | MARKET_WORDS, word_tickers
        ),
    )


def _hashtags(
    alias_to_symbol: dict[str, str], skip_names: frozenset[str], word_tickers: frozenset[str]
) -> dict[str, str]:
    """Hashtag spellings: a ticker as written in capitals ("#NVDA"), or a name lower-cased
    with its spaces and punctuation dropped ("Dow Jones" -> "#dowjones"). Word tickers,
    one-letter tickers, everyday-word or firm names and names under four letters are left
    out, so "#gold", "#bullish" and "#AI" tag nothing."""
    tags: dict[str, str] = {}
    for alias, symbol in alias_to_symbol.items():
        if alias in skip_names:
            continue
        if TICKERISH.fullmatch(alias):
            key = _class_symbol(alias)
            if key not in word_tickers and len(key) >= 2 and "^" not in key:
                tags[key.replace("-", "")] = symbol
            continue
        compact = re.sub(r"[^a-z0-9]", "", alias.lower())
        if len(compact) >= 4 and compact.upper() not in word_tickers:
            tags.setdefault(compact, symbol)
    return tags


def _class_symbol(symbol: str) -> str:
    """BRK.B, BRK/B and BRK-B are one share class: BRK-B."""
    if TICKERISH.fullmatch(symbol) and len(symbol) > 2 and symbol[-2] in "./":
        return f"{symbol[:-2]}-{symbol[-1]}"
    return symbol


def _without_overlaps(mentions: Iterable[Mention]) -> list[Mention]:
    ordered = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Mention] = []
    for mention in ordered:
        if kept and mention.start < kept[-1].end:
            continue
        kept.append(mention)
    return kept


def _spacy_stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.upper() for w in STOP_WORDS)


def _data_text(name: str) -> str:
    return resources.files("pipeline.extract").joinpath("data", name).read_text("utf-8")


@cache
def _word_list(name: str) -> frozenset[str]:
    return frozenset(
        line.strip()
        for line in _data_text(name).splitlines()
        if line.strip() and not line.startswith("#")
    )
