"""Where a report reads its claims: all in memory (`ReportInput`), or a batch at a time
from the store (`StoreSource`), so a report of a million claims never holds them all.

A source gives a summary frame (one small row per claim: what the overview, the
scorecards and the page order need), claims with their outcomes by id, and article texts
by id. The report reads the summary once and then loads LISTING_ROWS claims at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Protocol

import pandas as pd

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
)
#: Last, the claim's change number (grows whenever anything shown of the claim changes;
#: missing where the source keeps none, and then every page is checked claim by claim).
SUMMARY_COLUMNS = CLAIM_COLUMNS + OUTCOME_COLUMNS + ("seq",)
#: Rows read from SQLite at a time while the summary frame is built.
SUMMARY_CHUNK = 50_000


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
        frame["published"] = [d.isoformat() if d else None for d in frame["published"]]
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
    """The claims on the store's record and their stored outcomes, read in batches."""

    store: Store
    closes: dict[str, pd.Series] = field(default_factory=dict)
    as_of: date | None = None
    sources: dict[str, str] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        cursor = self.store.claim_summaries(CLAIM_COLUMNS, OUTCOME_COLUMNS)
        parts = []
        while chunk := cursor.fetchmany(SUMMARY_CHUNK):
            parts.append(_compact(pd.DataFrame(chunk, columns=list(SUMMARY_COLUMNS))))
        if not parts:
            return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
        frame = pd.concat(parts, ignore_index=True)
        frame["horizon_assumed"] = frame["horizon_assumed"].astype(bool)
        frame["seq"] = frame["seq"].astype("Int64")
        return frame

    def load(self, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        by_id = {c.claim_id: c for c in self.store.claims(ids)}
        outcomes = self.store.outcomes(ids)
        return [(by_id[i], outcomes.get(i)) for i in ids if i in by_id]

    def texts_of(self, article_ids: Collection[str]) -> dict[str, str]:
        return self.store.article_texts(sorted(article_ids))


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as Arrow strings (a few bytes a value, not a Python object each)."""
    for name in SUMMARY_COLUMNS:
        if name not in ("horizon_assumed", "return_pct", "excess_return_pct", "seq"):
            frame[name] = frame[name].astype("string[pyarrow]")
    return frame
