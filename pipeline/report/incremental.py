"""What the report already in a folder was drawn from, so that the next run draws only
what changed, and reads from the store only the claims of the pages it draws.

Input: the report folder (its manifest, MANIFEST, and the page files in it), the state
every page depends on (report code, price series and their flags) and the
claims' change numbers (`report_changes` in the store: a claim's number grows whenever
anything a report shows of it changes). Output: keys. A key is a digest of everything a
page or a batch of pages shows, computed without reading the claims themselves; a page
whose key equals the one in the manifest is left as it is. Side effects: none here (the
renderer writes the manifest).

The manifest holds the keys of the pages outside listing batches (the forecasters'), and
by listing batch (LISTING_ROWS claims in the listing's order: one listing page, its
claims' pages and its part of claims.md) the batch's key, its number of pages and what
the index needs from it (the flagged claims). The keys of a batch's pages, and each of
its claims' own key (what its page, its listing row and its line of claims.md show), are
in a file beside its part, read only when the batch is drawn again: a run holds the keys
of what it draws, and neither reads nor lists the folders of a million pages. When a
batch's key moved (one pending claim was graded on a new close), only the claims whose
own key moved are read and drawn; the others' pages stay, and their rows are taken from
the listing page and the part in place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.prices.quality import SeriesFlag
from pipeline.provenance import input_digest
from pipeline.report.flags import Flags
from pipeline.report.scorecard import Rate, Scorecard

#: The keys of what each page and batch was drawn from, in the report folder.
MANIFEST = ".pages.json"
#: claims.md in parts, one per listing batch (reused when the batch has not changed).
PARTS = ".parts"
#: The folders of pages and parts; a file there the new report no longer has is removed.
PAGE_FOLDERS = ("claims", "forecasters", "listing", PARTS)
#: A change number a source does not keep (ReportInput): its pages are checked one by one.
UNKNOWN = -1


@dataclass(frozen=True)
class BatchRecord:
    """One listing batch as drawn: its key, how many pages its keys file lists, and how
    many of its claims rest on flagged price data, by symbol (the index counts them
    without reading the batch again)."""

    key: str
    pages: int = 0
    flagged: int = 0
    symbols: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, pages: int, flagged: Iterable[Sequence[str]]) -> BatchRecord:
        """From the flagged symbols of each of the batch's claims (`flagged_of`)."""
        found = [symbols for symbols in flagged if symbols]
        counts: dict[str, int] = {}
        for symbols in found:
            for symbol in symbols:
                counts[symbol] = counts.get(symbol, 0) + 1
        return cls(key, pages, len(found), dict(sorted(counts.items())))


def flagged_of(flags: Iterable[SeriesFlag]) -> tuple[str, ...]:
    """The symbols whose flagged stretches a claim's verdict rests on, each once."""
    return tuple(sorted({f.symbol for f in flags}))


@dataclass(frozen=True)
class KeptClaim:
    """A claim of a batch as drawn: its own key (None: it has none, see `claims_key`)
    and the symbols whose flags it shows."""

    claim_id: str
    key: str | None
    flagged: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchKeys:
    """A batch's keys file: the keys of its pages, and its claims in the listing's order."""

    pages: dict[str, str] = field(default_factory=dict)
    claims: tuple[KeptClaim, ...] = ()

    def text(self) -> str:
        claims = [[c.claim_id, c.key, list(c.flagged)] for c in self.claims]
        return json.dumps({"pages": dict(sorted(self.pages.items())), "claims": claims})

    @classmethod
    def parse(cls, text: str) -> BatchKeys:
        """The keys file's content; a file from before claims were kept is its pages alone
        (then no claim is known, and the batch's claims are all read again). Raises
        ValueError on a damaged file."""
        found = json.loads(text)
        if not isinstance(found, dict):
            raise ValueError("not a keys file")
        if set(found) != {"pages", "claims"}:  # the pages alone
            return cls({str(k): str(v) for k, v in found.items() if isinstance(v, str)})
        pages = {str(k): str(v) for k, v in dict(found["pages"]).items() if isinstance(v, str)}
        claims = tuple(
            KeptClaim(str(claim_id), None if key is None else str(key), tuple(map(str, flagged)))
            for claim_id, key, flagged in found["claims"]
        )
        return cls(pages, claims)


def batch_keys(number: int) -> str:
    """Where the keys of batch `number`'s pages are kept (beside its part of claims.md):
    read only when the batch is drawn again, so a run holds the keys of the batches it
    draws, not those of every page."""
    return f"{PARTS}/claims-{number + 1}.keys.json"


def batch_part(number: int) -> str:
    """Batch `number`'s part of claims.md."""
    return f"{PARTS}/claims-{number + 1}.md"


@dataclass
class Previous:
    """The report in the folder: the keys of the pages outside listing batches (the
    forecasters' pages; from a manifest before batches, every page) and the batch records.
    The keys of a batch's pages are read from its keys file when asked for (`batch_pages`);
    at most the three batches around the one being drawn are held, as a claim that moves
    between batches (an earlier claim came in) moves to the next or the one before."""

    folder: Path | None = None
    pages: dict[str, str] = field(default_factory=dict)
    batches: dict[int, BatchRecord] = field(default_factory=dict)
    _held: dict[int, BatchKeys] = field(default_factory=dict, repr=False)

    def exists(self, rel: str) -> bool:
        return self.folder is not None and (self.folder / rel).is_file()

    def has(self, rel: str, key: str | None) -> bool:
        """Whether the page at `rel` is in the folder, drawn from `key`."""
        if key is None or self.folder is None:
            return False
        return self.key_of(rel) == key and self.exists(rel)

    def key_of(self, rel: str) -> str | None:
        """The key the page at `rel` was drawn from (outside batches, or in a held one)."""
        held = (keys.pages.get(rel) for keys in self._held.values())
        return self.pages.get(rel) or next((k for k in held if k), None)

    def batch_pages(self, number: int) -> dict[str, str]:
        """The page keys batch `number` was drawn with ({} if it has none or they are
        unreadable: then its pages are drawn)."""
        return self.batch_keys_of(number).pages

    def batch_keys_of(self, number: int) -> BatchKeys:
        """Batch `number`'s keys file (empty if there is none or it is unreadable: then
        its pages are drawn)."""
        if number in self._held:
            return self._held[number]
        if number not in self.batches or self.folder is None:
            return BatchKeys()
        try:
            return BatchKeys.parse((self.folder / batch_keys(number)).read_text("utf-8"))
        except (OSError, ValueError, TypeError, AttributeError):
            return BatchKeys()

    def hold_around(self, number: int) -> None:
        """Hold the keys of batches number-1..number+1, and no others."""
        near = range(number - 1, number + 2)
        self._held = {n: self._held.get(n) or self.batch_keys_of(n) for n in near}

    def claims_near(self) -> dict[str, tuple[int, KeptClaim]]:
        """The claims of the held batches, by id, with the batch each was in."""
        return {c.claim_id: (n, c) for n, keys in self._held.items() for c in keys.claims}

    def rows_of(self, number: int, page: str | None, md_part: bool) -> BatchRows:
        """What batch `number` drew of each claim: its listing row (from the listing page
        `page`, when there is one) and its line of claims.md (when `md_part`); a claim
        whose row or line cannot be told is missing from them (then it is drawn again)."""
        rows = listing_rows(self._text(page)) if page is not None else {}
        lines: dict[str, str] = {}
        if md_part:
            order = [c.claim_id for c in self.batch_keys_of(number).claims]
            found = self._text(batch_part(number)).splitlines(keepends=True)
            if len(found) == len(order):  # one line a claim, as `_claim_row.md.j2` draws it
                lines = dict(zip(order, found, strict=True))
        return BatchRows(rows, lines)

    def keyed_rows_of(self, rel: str) -> dict[str, tuple[str, str]]:
        """The rows of the page at `rel` that carry the key they were drawn from (see
        `keyed_rows`); none if the page is not there or cannot be read."""
        return keyed_rows(self._text(rel))

    def _text(self, rel: str) -> str:
        """The file at `rel` in the report in place; "" if there is none or it cannot be
        read (then what it held is drawn again)."""
        if self.folder is None:
            return ""
        try:
            return (self.folder / rel).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return ""


@dataclass(frozen=True)
class BatchRows:
    """What a batch in place drew of each claim, by id (`Previous.rows_of`)."""

    html: dict[str, str]
    md: dict[str, str]


def read_previous(out_dir: Path) -> Previous:
    """What the report in `out_dir` was drawn from (nothing, if there is none or its
    manifest is unreadable: then every page is drawn)."""
    try:
        found = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = {}
    if not isinstance(found, dict):
        found = {}
    pages = found.get("pages", found)  # a manifest before batches was the pages alone
    batches: dict[int, BatchRecord] = {}
    for number, record in dict(found.get("batches") or {}).items():
        try:
            batches[int(number)] = BatchRecord(
                str(record["key"]),
                int(record["pages"]),
                int(record["flagged"]),
                {str(k): int(v) for k, v in record["symbols"].items()},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # a damaged record: that batch is drawn again
    return Previous(
        out_dir, {str(k): str(v) for k, v in pages.items() if isinstance(v, str)}, batches
    )


def manifest_text(pages: Mapping[str, str], batches: Mapping[int, BatchRecord]) -> str:
    records = {
        str(n): {"key": b.key, "pages": b.pages, "flagged": b.flagged, "symbols": b.symbols}
        for n, b in sorted(batches.items())
    }
    return json.dumps({"pages": dict(pages), "batches": records}, sort_keys=True)


#: How each claim's row starts in a listing page (`_claim_row.html.j2`): the rows of the
#: claims that did not change are taken from the page in place.
ROW_START = '<tr data-claim="'
ROW_END = "</tr>"
_ROW = re.compile(re.escape(ROW_START) + r'([^"]*)".*?' + re.escape(ROW_END), re.DOTALL)
#: What follows the claim id in a keyed row's start: the key it was drawn from.
_ROW_KEY = re.compile(r'[^>]*? data-key="([^"]*)"')


def listing_rows(html: str) -> dict[str, str]:
    """The claim rows of a listing page by claim id, each as drawn (everything from an
    article in it is escaped, so no row holds a ROW_END of its own)."""
    return {m.group(1): m.group(0) for m in _ROW.finditer(html)}


def keyed_rows(html: str) -> dict[str, tuple[str, str]]:
    """The claim rows of a page that carry the key they were drawn from (a forecaster's
    page: `_forecaster_row.html.j2`), by claim id: (key, row as drawn)."""
    found = {}
    for m in _ROW.finditer(html):
        if key := _ROW_KEY.match(html, m.end(1) + 1):
            found[m.group(1)] = (key.group(1), m.group(0))
    return found


class PriceKeys:
    """The digest of what a page shows of each price series: the closes up to the end of
    its claims' charts, the series' flags and its provider. A page's key holds those of
    its claims' symbols only, so a series added for a new claim, or one corrected, changes
    the keys of the pages that show it and no other; and the next day's close changes
    only the pages whose charts reach it (pending claims), not every page of a symbol."""

    def __init__(
        self, closes: Mapping[str, pd.Series], flags: Flags, sources: Mapping[str, str]
    ) -> None:
        self.closes, self.flags, self.sources = closes, flags, sources
        self._series: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}

    def _prefixes(self, symbol: str) -> tuple[str, np.ndarray, np.ndarray]:
        """The symbol's flags and provider as a digest, its days (ns), and the running
        sum of its rows' hashes (day and close): a prefix's digest in one lookup."""
        if symbol not in self._series:
            named = repr((symbol, self.flags.get(symbol), self.sources.get(symbol)))
            days = sums = np.array([], dtype=np.int64)
            if (series := self.closes.get(symbol)) is not None and len(series):
                days = pd.DatetimeIndex(series.index).as_unit("ns").asi8
                rows = pd.util.hash_pandas_object(series, index=True).to_numpy()
                sums = np.cumsum(rows, dtype=np.uint64)  # wraps around: a hash, not a count
            self._series[symbol] = (input_digest(named), days, sums)
        return self._series[symbol]

    def flags_of(self, symbols: Iterable[str]) -> str:
        """The digest of the series' flags and providers, not their closes (what a page
        that draws no chart shows of them)."""
        return input_digest("flags", *(self._prefixes(s)[0] for s in sorted(symbols)))

    def of(self, symbol: str, end: int) -> str:
        """The digest of the symbol's series up to `end` (ns; closes after it ignored)."""
        named, days, sums = self._prefixes(symbol)
        cut = int(np.searchsorted(days, end, side="right"))
        return f"{named}:{cut}:{int(sums[cut - 1]) if cut else 0}"

    def key(
        self, codes: np.ndarray, names: Sequence[str], ends: np.ndarray, charts: bool = True
    ) -> str:
        """The digest of the series the claims show: `codes` has a row per way a claim
        shows a series and a column per claim (an index into `names`; -1 for none), and
        each series counts up to the latest end (`ends`, ns) of the claims that show it.
        Without `charts` (a page that draws no chart) only the series' flags and provider
        count, not its closes."""
        if not charts:
            return self.flags_of({names[code] for code in np.unique(codes) if code >= 0})
        flat = codes.ravel()
        shown = flat >= 0
        series = flat[shown]
        last = np.broadcast_to(ends, codes.shape).ravel()[shown]
        order = np.lexsort((last, series))  # by series, then end: each series' latest last
        series, last = series[order], last[order]
        latest = np.r_[series[1:] != series[:-1], True] if len(series) else shown[:0]
        ends_of = zip(series[latest].tolist(), last[latest].tolist(), strict=True)
        pairs = sorted((names[code], end) for code, end in ends_of)
        return input_digest("prices", *(f"{s}={self.of(s, end)}" for s, end in pairs))


def state_key(code: str) -> str:
    """The digest of what every page of claims shows besides its claims and their price
    series: the drawing code. Not the grading date: a page shows the dates its claims'
    outcomes were graded on, which their change numbers cover, so a new grading date
    redraws only the pages of the claims graded again."""
    return input_digest(code)


def claims_key(state: str, seqs: np.ndarray, *shown: object) -> str | None:
    """The key of a page (or batch) of claims: the state, what it shows besides the
    claims (`shown`: their ids, the links it draws...), and the highest change number of
    its claims. None when a claim has no change number: then the page is checked by
    reading its claims."""
    if len(seqs) and (seqs == UNKNOWN).any():
        return None
    top = int(seqs.max()) if len(seqs) else 0
    return input_digest(state, str(top), repr(shown))


def change_numbers(summary: pd.DataFrame) -> np.ndarray:
    """The summary's change numbers as int64 (UNKNOWN where the source keeps none)."""
    seqs: np.ndarray = summary["seq"].astype("Int64").to_numpy(dtype="int64", na_value=UNKNOWN)
    return seqs


#: How the forecaster page prints each number of a Scorecard (the rest are shares).
PRINTED_AS = {
    "p_vs_half": "pval",
    "p_vs_baseline": "pval",
    "mean_return": "pct",
    "mean_excess": "pct",
}


def card_as_printed(card: Scorecard, formats: Mapping[str, object]) -> str:
    """A scorecard as its page prints it, each number in the page's format: a pooled
    rate that moves in a decimal the page does not print redraws no page. `formats` are
    the Jinja filters by name (share, pct, pval); keep PRINTED_AS in step with
    forecaster.html.j2."""

    def printed(value: object, how: str = "share") -> object:
        if isinstance(value, float):
            return formats[how](value)  # type: ignore[operator]
        if isinstance(value, Rate):
            low_high = value.interval or ()
            return (value.hits, value.resolved, printed(value.rate), *map(printed, low_high))
        if isinstance(value, dict):
            return [(k, printed(v)) for k, v in value.items()]
        return value

    return repr(
        [printed(getattr(card, f.name), PRINTED_AS.get(f.name, "share")) for f in fields(card)]
    )
