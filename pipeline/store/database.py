"""The SQLite store: the only module that speaks SQL or imports sqlite-utils.

Input: records from the stages. Output: records and rows back. Side effects: one
database file in WAL mode, its schema built by migrations. Every batch is written
in one transaction, so an interrupted run never leaves half an article behind.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

from pipeline.errors import StoreError
from pipeline.models import Article, Claim, Disagreement, Duplicate, Failure, Outcome, Page, Tag

migrations = Migrations("thesis")

TABLES = ("articles", "claims", "outcomes", "failures", "prices")
META_FIELDS = ("title", "author", "published", "published_source", "source", "url")
M001_OUTCOME_FIELDS = (
    "claim_id", "status", "as_of", "reason", "series", "start_date", "start_price",
    "end_date", "end_price", "return_pct", "benchmark_return_pct", "excess_return_pct",
    "best_price", "worst_price", "hit_date", "days_to_hit",
)  # fmt: skip


@migrations()
def m001_initial(db: Database) -> None:
    db["articles"].create(  # type: ignore[union-attr]
        {
            "article_id": str,
            "location": str,
            "title": str,
            "author": str,
            "published": str,
            "published_source": str,
            "source": str,
            "url": str,
            "text": str,
            "raw": str,
            "raw_format": str,
            "ingested_at": str,
            "extractor_version": str,
        },
        pk="article_id",
    )
    later = {"rating", "previous_rating", "previous_target", "action", "consensus"}  # m003
    claim_columns: dict[str, Any] = {f.name: str for f in fields(Claim) if f.name not in later}
    for name in ("target_low", "target_high", "move_pct", "ratio"):
        claim_columns[name] = float
    for name in ("horizon_assumed", "conditional", "negated", "evidence_start", "evidence_end"):
        claim_columns[name] = int
    db["claims"].create(claim_columns, pk="claim_id")  # type: ignore[union-attr]
    db["claims"].create_index(["article_id"])  # type: ignore[union-attr]
    # The Outcome fields as of this migration, spelled out: later fields arrive by later
    # migrations, with their own types (reading fields(Outcome) here gave them TEXT).
    outcome_columns: dict[str, Any] = dict.fromkeys(M001_OUTCOME_FIELDS, str)
    for name in (
        "start_price",
        "end_price",
        "return_pct",
        "benchmark_return_pct",
        "excess_return_pct",
        "best_price",
        "worst_price",
    ):
        outcome_columns[name] = float
    outcome_columns["days_to_hit"] = int
    outcome_columns["decided_at"] = str
    db["outcomes"].create(outcome_columns, pk="claim_id")  # type: ignore[union-attr]
    db["failures"].create(  # type: ignore[union-attr]
        {"failure_id": str, "item": str, "stage": str, "reason": str, "at": str},
        pk="failure_id",
    )
    db["prices"].create(  # type: ignore[union-attr]
        {
            "symbol": str,
            "date": str,
            "open": float,
            "high": float,
            "low": float,
            "close": float,
            "adj_close": float,
            "volume": float,
            "provider": str,
        },
        pk=("symbol", "date"),
    )


@migrations()
def m002_price_sources_and_outcome_history(db: Database) -> None:
    """Split events and fetch checks per symbol; provenance on outcomes; re-grade history."""
    outcomes = db["outcomes"]
    for name, kind in (
        ("level", float),
        ("benchmark_series", str),
        ("drift_pct", float),
        ("net_return_pct", float),
        ("net_status", str),
        ("provider", str),
        ("prices_digest", str),
    ):
        outcomes.add_column(name, kind)  # type: ignore[union-attr]
    db["splits"].create(  # type: ignore[union-attr]
        {"symbol": str, "date": str, "ratio": float, "provider": str}, pk=("symbol", "date")
    )
    db["price_checks"].create(  # type: ignore[union-attr]
        {"symbol": str, "provider": str, "checked_on": str, "last_date": str},
        pk=("symbol", "provider"),
    )
    history = (
        "disagreement_id", "claim_id", "stored_status", "stored_as_of", "stored_digest",
        "regrade_status", "regrade_as_of", "regrade_digest", "regrade_provider",
        "regrade_reason", "recorded_at",
    )  # fmt: skip
    db["outcome_history"].create(dict.fromkeys(history, str), pk="disagreement_id")  # type: ignore[union-attr]


@migrations()
def m002_ingest_pages_and_duplicates(db: Database) -> None:
    """Inferred dates, duplicate links and fingerprints on articles; the raw-page cache."""
    articles = db["articles"]
    assert isinstance(articles, Table)
    for name in (
        "published_inferred",
        "published_inferred_from",
        "duplicate_of",
        "duplicate_reason",
        "fingerprint",
    ):
        articles.add_column(name, str)
    articles.create_index(["duplicate_of"])
    db["pages"].create(  # type: ignore[union-attr]
        {
            "url": str,
            "final_url": str,
            "status": int,
            "content_type": str,
            "etag": str,
            "last_modified": str,
            "fetched_at": str,
            "body": bytes,
        },
        pk="url",
    )
    db["duplicates"].create(  # type: ignore[union-attr]
        {"item": str, "duplicate_of": str, "kind": str, "reason": str, "at": str}, pk="item"
    )


@migrations()
def m003_claim_analyst_fields(db: Database) -> None:
    """Ratings, previous targets, target actions and the consensus flag on claims."""
    claims = db["claims"]
    assert isinstance(claims, Table)
    have = set(claims.columns_dict)
    for name, kind in (
        ("rating", str),
        ("previous_rating", str),
        ("previous_target", float),
        ("action", str),
        ("consensus", int),
    ):
        if name not in have:
            claims.add_column(name, kind)


class Store:
    """A Thesis Tracker database. Open with `Store(path)`; the schema is migrated on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if self.path.parent != Path():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(self.path)
            self.db.enable_wal()
            migrations.apply(self.db)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(
                f"cannot open the database ({exc}); pass --db PATH to a writable SQLite file",
                str(self.path),
            ) from exc

    def close(self) -> None:
        self.db.close()

    def _table(self, name: str) -> Table:
        table = self.db[name]
        assert isinstance(table, Table)
        return table

    # -- articles ---------------------------------------------------------------

    def save_articles(self, articles: Sequence[Article], *, update_metadata: bool = False) -> int:
        """Store new articles in one transaction; returns how many were new.

        A known article is left alone, unless `update_metadata` (the user supplied
        --published/--author/--source): then its metadata is replaced and it is
        queued for re-extraction, since horizons depend on the date.
        """
        table = self._table("articles")
        known = self._existing_ids("articles", "article_id", [a.article_id for a in articles])
        now = _now()
        rows: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        for article in articles:
            row = _row(article)
            if article.article_id in known:
                if update_metadata:
                    updates.append(
                        (
                            article.article_id,
                            {k: row[k] for k in META_FIELDS} | {"extractor_version": None},
                        )
                    )
                continue
            known.add(article.article_id)
            row.update(ingested_at=now, extractor_version=None)
            rows.append(row)
        with self.db.atomic():
            table.insert_all(rows, pk="article_id", ignore=True)
            for article_id, update in updates:
                table.update(article_id, update)
        return len(rows)

    def article_texts(self) -> dict[str, str]:
        """The analysed text of every article, without loading the raw pages."""
        return dict(self.db.execute("select article_id, text from articles").fetchall())

    def articles(self, *, needing_extraction: str | None = None) -> list[Article]:
        """All articles, or those not yet extracted by extractor version `needing_extraction`.

        Duplicates (`duplicate_of` set) are never queued for extraction.
        """
        if needing_extraction is None:
            rows = self._table("articles").rows_where(order_by="published, article_id")
        else:
            rows = self._table("articles").rows_where(
                "(extractor_version is null or extractor_version != ?) and duplicate_of is null",
                [needing_extraction],
                order_by="published, article_id",
            )
        names = {f.name for f in fields(Article)}
        dates = ("published", "published_inferred")
        values: list[dict[str, Any]] = [
            {k: _to_date(v) if k in dates else v for k, v in row.items() if k in names}
            for row in rows
        ]
        return [Article(**v) for v in values]

    # -- claims -----------------------------------------------------------------

    def save_extraction(self, batch: Sequence[tuple[str, Sequence[Claim]]], version: str) -> int:
        """Replace the claims of each article in `batch` and mark it extracted, atomically."""
        claims_table = self._table("claims")
        articles = self._table("articles")
        added = 0
        with self.db.atomic():
            for article_id, claims in batch:
                old = {
                    r["claim_id"] for r in claims_table.rows_where("article_id = ?", [article_id])
                }
                claims_table.delete_where("article_id = ?", [article_id])
                claims_table.insert_all((_row(c) for c in claims), pk="claim_id", replace=True)
                added += len({c.claim_id for c in claims} - old)
                articles.update(article_id, {"extractor_version": version})
        return added

    def claims(self) -> list[Claim]:
        """Every claim, except any left on an article later recorded as a duplicate."""
        rows = self._table("claims").rows_where(
            "article_id not in (select article_id from articles where duplicate_of is not null)",
            order_by="published, article_id, evidence_start",
        )
        return [_claim_from_row(row) for row in rows]

    # -- outcomes ---------------------------------------------------------------

    def save_outcomes(self, outcomes: Iterable[Outcome]) -> int:
        """Upsert outcomes in one transaction; returns how many rows were written."""
        now = _now()
        rows = [{**_row(o), "decided_at": now} for o in outcomes]
        with self.db.atomic():
            self._table("outcomes").upsert_all(rows, pk="claim_id")
        return len(rows)

    def outcomes(self) -> dict[str, Outcome]:
        names = {f.name for f in fields(Outcome)}
        out = {}
        for row in self._table("outcomes").rows:
            values = {k: v for k, v in row.items() if k in names}
            for key in ("as_of", "start_date", "end_date", "hit_date"):
                values[key] = _to_date(values[key])
            out[row["claim_id"]] = Outcome(**values)
        return out

    # -- failures ---------------------------------------------------------------

    def save_failures(self, failures: Sequence[Failure]) -> int:
        now = _now()
        known = self._existing_ids("failures", "failure_id", [f.failure_id for f in failures])
        rows = [{**f.to_record(), "at": now} for f in failures if f.failure_id not in known]
        with self.db.atomic():
            self._table("failures").insert_all(rows, pk="failure_id", ignore=True)
        return len(rows)

    def failures(self) -> list[Failure]:
        return [
            Failure(item=r["item"], stage=r["stage"], reason=r["reason"])
            for r in self._table("failures").rows_where(order_by="at")
        ]

    # -- duplicates and the raw-page cache (ingest) --------------------------------

    def article_keys(self) -> list[tuple[str, str, str | None, str | None]]:
        """(article_id, location, url, fingerprint) of every article that is not a duplicate."""
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.db.execute(
                "select article_id, location, url, fingerprint from articles "
                "where duplicate_of is null order by ingested_at, rowid"
            )
        ]

    def texts_without_fingerprint(self) -> list[tuple[str, str]]:
        """(article_id, text) of articles stored before fingerprints existed."""
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "select article_id, text from articles where fingerprint is null"
            )
        ]

    def save_fingerprints(self, fingerprints: dict[str, str]) -> None:
        with self.db.atomic():
            for article_id, value in fingerprints.items():
                self._table("articles").update(article_id, {"fingerprint": value})

    def save_duplicates(self, duplicates: Sequence[Duplicate]) -> int:
        """Record items recognised as copies of stored articles; returns how many were new."""
        now = _now()
        known = self._existing_ids("duplicates", "item", [d.item for d in duplicates])
        rows = [{**asdict(d), "at": now} for d in duplicates if d.item not in known]
        with self.db.atomic():
            self._table("duplicates").insert_all(rows, pk="item", ignore=True)
        return len(rows)

    def duplicates(self) -> list[Duplicate]:
        return [
            Duplicate(r["item"], r["duplicate_of"], r["kind"], r["reason"])
            for r in self._table("duplicates").rows_where(order_by="at, item")
        ]

    def cached_page(self, url: str) -> Page | None:
        """The page last fetched from `url`, or None."""
        rows = list(self._table("pages").rows_where("url = ?", [url]))
        if not rows:
            return None
        row = rows[0]
        return Page(
            url=row["url"],
            final_url=row["final_url"],
            status=row["status"],
            content_type=row["content_type"],
            body=row["body"] or b"",
            etag=row["etag"],
            last_modified=row["last_modified"],
            fetched_at=row["fetched_at"],
            from_cache=True,
        )

    def save_page(self, page: Page) -> None:
        """Keep a fetched page (replacing an older copy of the same URL)."""
        row = {k: v for k, v in asdict(page).items() if k != "from_cache"}
        row["fetched_at"] = page.fetched_at or _now()
        with self.db.atomic():
            self._table("pages").upsert(row, pk="url")

    # -- prices -----------------------------------------------------------------

    def save_prices(self, symbol: str, frame: pd.DataFrame, provider: str) -> int:
        """Upsert daily bars for `symbol` (a frame indexed by date); returns rows written."""
        rows = [
            {
                "symbol": symbol,
                "date": day.date().isoformat() if hasattr(day, "date") else str(day),
                **{
                    k: _float_or_none(bar.get(k))
                    for k in ("open", "high", "low", "close", "adj_close", "volume")
                },
                "provider": provider,
            }
            for day, bar in frame.iterrows()
        ]
        with self.db.atomic():
            self._table("prices").upsert_all(rows, pk=("symbol", "date"))
        return len(rows)

    def prices(self, symbol: str) -> pd.DataFrame:
        """Daily bars for `symbol`, indexed by date (empty frame when none)."""
        frame = pd.read_sql_query(
            "select date, open, high, low, close, adj_close, volume from prices "
            "where symbol = ? order by date",
            self.db.conn,
            params=[symbol],
        )
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.set_index("date")

    def price_symbols(self) -> dict[str, tuple[date, date, str]]:
        """For each stored symbol: first date, last date and provider."""
        rows = self.db.execute(
            "select symbol, min(date), max(date), max(provider) from prices group by symbol"
        ).fetchall()
        return {r[0]: (date.fromisoformat(r[1]), date.fromisoformat(r[2]), r[3]) for r in rows}

    def replace_prices(self, symbol: str, frame: pd.DataFrame, provider: str) -> int:
        """Drop every cached bar of `symbol` and store `frame` instead, in one transaction."""
        with self.db.atomic():
            self._table("prices").delete_where("symbol = ?", [symbol])
            return self.save_prices(symbol, frame, provider)

    def price_providers(self, symbol: str) -> list[str]:
        """The providers whose bars make up the cached series of `symbol`."""
        rows = self.db.execute(
            "select distinct provider from prices where symbol = ? order by provider", [symbol]
        )
        return [r[0] for r in rows]

    def save_splits(self, symbol: str, events: Iterable[tuple[date, float]], provider: str) -> int:
        """Upsert split events (effective date, ratio) reported for `symbol`."""
        rows = [
            {"symbol": symbol, "date": day.isoformat(), "ratio": ratio, "provider": provider}
            for day, ratio in events
        ]
        with self.db.atomic():
            self._table("splits").upsert_all(rows, pk=("symbol", "date"))
        return len(rows)

    def splits(self) -> dict[str, list[tuple[date, float]]]:
        """Stored split events per symbol, oldest first."""
        out: dict[str, list[tuple[date, float]]] = {}
        for row in self._table("splits").rows_where(order_by="symbol, date"):
            out.setdefault(row["symbol"], []).append(
                (date.fromisoformat(row["date"]), row["ratio"])
            )
        return out

    def mark_price_check(self, symbol: str, provider: str, on: date, last: date | None) -> None:
        """Remember that `provider` was asked for `symbol` on `on` (its series then ended `last`)."""
        row = {
            "symbol": symbol,
            "provider": provider,
            "checked_on": on.isoformat(),
            "last_date": last.isoformat() if last else None,
        }
        with self.db.atomic():
            self._table("price_checks").upsert(row, pk=("symbol", "provider"))

    def price_checked_on(self, symbol: str, provider: str) -> date | None:
        """The day `provider` was last asked for `symbol`, if ever."""
        rows = list(
            self._table("price_checks").rows_where(
                "symbol = ? and provider = ?", [symbol, provider]
            )
        )
        return _to_date(rows[0]["checked_on"]) if rows else None

    # -- outcome history ---------------------------------------------------------

    def save_disagreements(self, disagreements: Sequence[Disagreement]) -> int:
        """Record re-grades that differ from stored decisions; one row per distinct re-grade."""
        now = _now()
        known = self._existing_ids(
            "outcome_history", "disagreement_id", [d.disagreement_id for d in disagreements]
        )
        rows = [
            {**_row(d), "disagreement_id": d.disagreement_id, "recorded_at": now}
            for d in disagreements
            if d.disagreement_id not in known
        ]
        with self.db.atomic():
            self._table("outcome_history").insert_all(rows, pk="disagreement_id", ignore=True)
        return len(rows)

    def disagreements(self) -> list[Disagreement]:
        """Every recorded disagreement, oldest first."""
        names = {f.name for f in fields(Disagreement)}
        out = []
        for row in self._table("outcome_history").rows_where(order_by="recorded_at, claim_id"):
            values = {k: v for k, v in row.items() if k in names}
            values["stored_as_of"] = _to_date(values["stored_as_of"])
            values["regrade_as_of"] = _to_date(values["regrade_as_of"])
            out.append(Disagreement(**values))
        return out

    # -- reading for exports and reports ---------------------------------------

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of one of the public tables, in a stable order."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        pk = self._table(table).pks
        yield from self._table(table).rows_where(order_by=", ".join(pk))

    def counts(self) -> dict[str, int]:
        return {name: self._table(name).count for name in TABLES}

    def _existing_ids(self, table: str, column: str, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found.update(
                r[0]
                for r in self.db.execute(
                    f"select {column} from {table} where {column} in ({marks})", chunk
                )
            )
        return found


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(record: Any) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        elif isinstance(value, tuple):
            value = json.dumps([{"label": t.label, "text": t.text} for t in value])
        row[f.name] = value
    return row


def _claim_from_row(row: dict[str, Any]) -> Claim:
    values = {f.name: row[f.name] for f in fields(Claim)}
    for key in ("published", "horizon_start", "horizon_end"):
        values[key] = _to_date(values[key])
    values["previous_target"] = _float_or_none(values["previous_target"])
    for key in ("horizon_assumed", "conditional", "negated", "consensus"):
        values[key] = bool(values[key])
    for key in ("catalysts", "risks"):
        values[key] = tuple(Tag(**t) for t in json.loads(values[key] or "[]"))
    return Claim(**values)


def _to_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _float_or_none(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return float(value)
