"""Where a report reads its claims: all in memory (`ReportInput`), or a batch at a time
from the store (`StoreSource`), so a report of a million claims never holds them all.

A source gives a summary frame (one small row per claim: what the overview, the
scorecards and the page order need), claims with their outcomes by id, and article texts
by id. The report reads the summary once and then loads LISTING_ROWS claims at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import feather

from pipeline.models import Claim, Outcome
from pipeline.store.database import Store

#: The summary frame's columns: the claim's, then its outcome's (missing when untracked).
CLAIM_COLUMNS = (
    "claim_id",
    "published",
    "forecaster",
    "forecaster_org",
    "kind",
    "direction",
    "horizon_assumed",
    "hedge",
    "benchmark",
    "horizon_end",
)
OUTCOME_COLUMNS = (
    "status",
    "return_pct",
    "excess_return_pct",
    "series",
    "benchmark_series",
    "start_date",
    "end_date",
    "as_of",
)
#: Last, the claim's change number (grows whenever anything shown of the claim changes;
#: missing where the source keeps none, and then every page is checked claim by claim).
SUMMARY_COLUMNS = CLAIM_COLUMNS + OUTCOME_COLUMNS + ("seq",)
#: Rows read from SQLite at a time while the summary frame is built.
SUMMARY_CHUNK = 50_000
#: The order of the summary's rows (the store's `CLAIM_ORDER`): the columns the store's
#: summary keeps besides SUMMARY_COLUMNS, with whether the claim is on the record.
ORDER_COLUMNS = ("published", "article_id", "evidence_start", "claim_id")
KEPT_COLUMNS = (*SUMMARY_COLUMNS, "article_id", "evidence_start", "on_record")
#: The store's summary as the last report read it, beside the database: the next report
#: reads only the claims whose change number is above the highest it holds. A cache:
#: deleting it costs one full read.
SUMMARY_CACHE = "-report-summary.arrow"


class ClaimSource(Protocol):
    """What a report reads (see the module docstring)."""

    @property
    def closes(self) -> dict[str, pd.Series]: ...
    @property
    def as_of(self) -> date | None: ...
    @property
    def sources(self) -> dict[str, str]: ...

    def summary(self) -> pd.DataFrame:
        """SUMMARY_COLUMNS, one row per claim, in the source's order; `published` as an
        ISO date string or missing, `status` missing for a claim never graded."""
        ...

    def load(self, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        """The claims with these ids and their outcomes, in the order of `ids`."""
        ...

    def texts_of(self, article_ids: Collection[str]) -> dict[str, str]:
        """The analysed text of each of these articles."""
        ...


@dataclass(frozen=True)
class ReportInput:
    """Everything a report shows, in memory. `texts` maps article_id to the analysed text;
    `closes` maps a symbol to its daily closes (for the charts)."""

    claims: Sequence[Claim]
    outcomes: dict[str, Outcome]
    texts: dict[str, str] = field(default_factory=dict)
    closes: dict[str, pd.Series] = field(default_factory=dict)
    as_of: date | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        rows = []
        for c in self.claims:
            o = self.outcomes.get(c.claim_id)
            rows.append(
                (
                    *(getattr(c, name) for name in CLAIM_COLUMNS),
                    *(getattr(o, name) if o else None for name in OUTCOME_COLUMNS),
                    None,
                )
            )
        frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
        for name in ("published", "as_of"):  # ISO days, as the store keeps them
            frame[name] = [d.isoformat() if d else None for d in frame[name]]
        frame["seq"] = frame["seq"].astype("Int64")
        return frame

    def load(self, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        return [(self._by_id[i], self.outcomes.get(i)) for i in ids if i in self._by_id]

    @cached_property
    def _by_id(self) -> dict[str, Claim]:
        return {c.claim_id: c for c in self.claims}

    def texts_of(self, article_ids: Collection[str]) -> dict[str, str]:
        return {a: self.texts[a] for a in article_ids if a in self.texts}


@dataclass(frozen=True)
class StoreSource:
    """The claims on the store's record and their stored outcomes, read in batches.
    `prices` reads the closes of the series named (the store's price cache); the source
    asks it for those its claims show (graded series, benchmark series, benchmarks as
    written), which the summary names: no second pass over the store to find them."""

    store: Store
    prices: Callable[[set[str]], dict[str, pd.Series]] | None = None
    as_of: date | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @cached_property
    def closes(self) -> dict[str, pd.Series]:
        if self.prices is None:
            return {}
        summary = self.summary()
        wanted: set[str] = set()
        for name in ("series", "benchmark_series", "benchmark"):
            wanted.update(str(v) for v in summary[name].dropna().unique())
        return self.prices(wanted)

    def summary(self) -> pd.DataFrame:
        """The claims on the record (see ClaimSource), from the summary the last report
        kept (SUMMARY_CACHE) and the claims changed since; read whole when there is none,
        or when claims were deleted since (their numbers are gone with them). Read once
        per source."""
        return self._summary

    @cached_property
    def _summary(self) -> pd.DataFrame:
        top, count = self.store.report_change_state()
        cache, identity = Path(f"{self.store.path}{SUMMARY_CACHE}"), self.store.identity()
        kept = _read_cache(cache, identity, count)
        if kept is None:
            every = self._rows(since=0)
        else:  # each frame let go as soon as the next is made: a million rows each
            frame, since = kept
            del kept
            changed = self._rows(since=since)
            if len(changed):
                frame = frame[~frame["claim_id"].isin(changed["claim_id"])]
                frame = pd.concat([frame, changed], ignore_index=True)
            del changed
            every = frame if len(frame) == count else self._rows(since=0)  # deleted claims
            del frame
        every = _in_record_order(every)
        _write_cache(cache, every, identity, top)
        if not every["on_record"].all():
            every = every[every["on_record"]].reset_index(drop=True)
        return _one_chunk(every[list(SUMMARY_COLUMNS)])

    def _rows(self, since: int) -> pd.DataFrame:
        """Every stored claim whose change number is above `since`, KEPT_COLUMNS."""
        claim_columns = (*CLAIM_COLUMNS, "article_id", "evidence_start")
        cursor = self.store.claim_summaries(claim_columns, OUTCOME_COLUMNS, since=since)
        columns = [*claim_columns, *OUTCOME_COLUMNS, "seq", "on_record"]
        parts = [pd.DataFrame(chunk, columns=columns) for chunk in _chunks(cursor)]
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
        return _typed(frame[list(KEPT_COLUMNS)])

    def load(self, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        by_id = {c.claim_id: c for c in self.store.claims(ids)}
        outcomes = self.store.outcomes(ids)
        return [(by_id[i], outcomes.get(i)) for i in ids if i in by_id]

    def texts_of(self, article_ids: Collection[str]) -> dict[str, str]:
        return self.store.article_texts(sorted(article_ids))


def _in_record_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame in ORDER_COLUMNS order, a missing value before any other (the store's
    CLAIM_ORDER), sorted by Arrow: text keys of a million rows sort in C++ in a tenth of
    the time pandas takes to factorize them first."""
    keys = pa.Table.from_pandas(frame[list(ORDER_COLUMNS)], preserve_index=False)
    columns: dict[str, pa.ChunkedArray] = {}
    for name in ORDER_COLUMNS:  # each key after whether it is there: missing ones first
        columns[f"{name}?"] = pc.is_valid(keys[name])
        columns[name] = keys[name]
    order = pc.sort_indices(pa.table(columns), sort_keys=[(n, "ascending") for n in columns])
    return frame.take(order.to_numpy()).reset_index(drop=True)


def _chunks(cursor: sqlite3.Cursor) -> Iterator[list[tuple[object, ...]]]:
    while chunk := cursor.fetchmany(SUMMARY_CHUNK):
        yield chunk


#: The store's summary columns that are not text.
NOT_TEXT = ("horizon_assumed", "return_pct", "excess_return_pct", "seq", "evidence_start")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The store's summary columns in one set of types, however read: text as Arrow
    strings (a few bytes a value, not a Python object each), flags as bools, the change
    number as Int64, numbers as floats."""
    for name in frame.columns:
        if name in ("horizon_assumed", "on_record"):
            frame[name] = frame[name].fillna(False).astype(bool)
        elif name == "seq":
            frame[name] = frame[name].astype("Int64")
        elif name in NOT_TEXT:
            frame[name] = pd.to_numeric(frame[name]).astype(float)
        else:
            frame[name] = frame[name].astype("string[pyarrow]")
    return frame


def _one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each Arrow text column in one piece: Arrow's `take` on a column in
    several pieces joins them first, every time (the report takes rows per page)."""
    for name in frame.columns:
        if isinstance(frame[name].array, pd.arrays.ArrowStringArray):
            data = pa.array(frame[name].array)
            if isinstance(data, pa.ChunkedArray):
                frame[name] = pd.arrays.ArrowStringArray(data.combine_chunks())
    return frame


_ARROW_TEXT = {pa.string(): pd.StringDtype("pyarrow"), pa.large_string(): pd.StringDtype("pyarrow")}


def _read_cache(path: Path, identity: str, count: int) -> tuple[pd.DataFrame, int] | None:
    """The kept summary and the highest change number it holds; None when there is none,
    it is unreadable, another store's, of other columns, or holds more claims than the
    store has."""
    try:
        table = feather.read_table(path, memory_map=True)  # uncompressed: read in place
        facts = table.schema.metadata or {}
        if facts.get(b"store") != identity.encode():
            return None
        since = int(facts[b"top"])
        # Arrow text stays Arrow text: no Python object per value on the way
        frame = _typed(table.to_pandas(types_mapper=_ARROW_TEXT.get))
        del table
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None
    if list(frame.columns) != list(KEPT_COLUMNS) or len(frame) > count:
        return None
    return frame, since


def _write_cache(path: Path, frame: pd.DataFrame, identity: str, top: int) -> None:
    """Keep the summary for the next report (written whole, then moved into place); a
    cache that cannot be written is skipped: the next report reads the store again."""
    partial = path.with_name(f"{path.name}.partial")
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({"store": identity, "top": str(top)})
        feather.write_feather(table, partial, compression="uncompressed")
        partial.replace(path)
    except (OSError, pa.ArrowException):
        partial.unlink(missing_ok=True)
