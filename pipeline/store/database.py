"""The SQLite store: `Store`, the one object the stages read and write records through.

Input: records from the stages. Output: records and rows back. Side effects: one
database file in WAL mode, its schema built by `migrations.py` (rows convert to records
in `rows.py`). Every batch is written in one transaction, so an interrupted run never
leaves half an article behind.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlite_utils import Database
from sqlite_utils.db import Table

from pipeline.errors import StoreError
from pipeline.models import (
    FINAL_STATUSES,
    Article,
    ArticleKeys,
    Claim,
    Disagreement,
    Duplicate,
    Failure,
    Link,
    Outcome,
    Page,
)
from pipeline.store.migrations import migrate_database
from pipeline.store.rows import (
    now,
    page_from_row,
    page_row,
    price_rows,
    record_from_row,
    row_from_record,
    to_date,
)

TABLES = ("articles", "claims", "outcomes", "failures", "prices")
#: How long a run waits for another run's write lock on the same database.
BUSY_TIMEOUT_MS = 120_000


def damaged_database(path: Path | str, exc: sqlite3.DatabaseError) -> str:
    """What to say, and what to do, when SQLite cannot read the database file."""
    return (
        f"the database cannot be read ({exc}); check it with `sqlite3 {path} "
        "'PRAGMA integrity_check'`, then restore it from a backup or start again with a "
        "new --db (the articles can be ingested again)"
    )


#: Articles a stored correction replaced (another article is a revision of them).
SUPERSEDED = "select revision_of from articles where revision_of is not null"
#: The claims on the record: not those of an article recorded as a duplicate, nor those of
#: a replaced version, unless its correction withdrew them.
ON_RECORD = (
    "not exists (select 1 from articles a where a.article_id = claims.article_id"
    " and a.duplicate_of is not null)"
    f" and (claims.withdrawn_by is not null or claims.article_id not in ({SUPERSEDED}))"
)  # correlated on the primary key: `article_id in (select ... duplicate_of is not null)`
# made SQLite scan every article (texts included) once per query
#: The order of the claims on the record: by date, then by article, in reading order.
CLAIM_ORDER = "published, article_id, evidence_start, claims.claim_id"  # a total order
#: Ids per `in (...)` query, under SQLite's limit on bound parameters.
CHUNK = 500


META_FIELDS = ("title", "author", "published", "published_source", "source", "url")


class Store:
    """A Thesis Tracker database. Open with `Store(path)`; the schema is migrated on open."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if self.path.parent != Path():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            raise StoreError(damaged_database(self.path, exc), str(self.path)) from exc
        except OSError as exc:
            raise StoreError(
                f"cannot open the database ({exc}); pass --db PATH to a writable SQLite file",
                str(self.path),
            ) from exc

    def _open(self) -> Database:
        """Connect, migrate and switch to WAL, waiting out another run that holds the lock.

        Migrating reads before it writes; when another process writes in between, SQLite
        answers "database is locked" at once rather than waiting, so the (idempotent) open
        is tried again, for up to the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.05
        while True:
            db = Database(self.path)
            # Another run writing to the same file makes this one wait, not fail.
            db.execute(f"pragma busy_timeout = {BUSY_TIMEOUT_MS}")
            try:
                migrate_database(db, self.path)
                db.enable_wal()
                return db
            except sqlite3.OperationalError as exc:
                db.close()
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
            except BaseException:
                db.close()  # a newer schema, a damaged file: nothing holds the file open
                raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, holding the write lock from its start (BEGIN IMMEDIATE).

        With two runs on one database, a deferred transaction that reads first can find
        the lock taken when it tries to write, and SQLite gives up at once ("database is
        locked"); an immediate one waits its turn (busy_timeout), so nothing is lost.
        Nested calls join the open transaction."""
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield
            return
        self.db.execute("begin immediate")
        try:
            yield
        except BaseException:
            self.db.conn.rollback()
            raise
        else:
            self.db.conn.commit()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one transaction: all of them are stored, or none (a batch of
        ingest: its articles, failures and the links they take off the queue)."""
        with self._write():
            yield

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
        stamp = now()
        rows: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any]]] = []
        for article in articles:
            row = row_from_record(article)
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
            row.update(ingested_at=stamp, extractor_version=None)
            rows.append(row)
        with self._write():
            table.insert_all(rows, pk="article_id", ignore=True)
            for article_id, update in updates:
                table.update(article_id, update)
        return len(rows)

    def article_texts(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """The analysed text of every article (or of those with these `ids`), without
        loading the raw pages."""
        if ids is None:
            return dict(self.db.execute("select article_id, text from articles").fetchall())
        sql = "select article_id, text from articles where article_id in ({marks})"
        return {r["article_id"]: r["text"] for r in self._dicts_in(sql, ids)}

    def articles(
        self, *, needing_extraction: str | None = None, ids: Sequence[str] | None = None
    ) -> list[Article]:
        """All articles, or those not yet extracted by extractor version `needing_extraction`
        (see `article_ids`), or those with these `ids`, in the order given."""
        if ids is not None:
            sql = "select * from articles where article_id in ({marks})"
            found = {r["article_id"]: record_from_row(Article, r) for r in self._dicts_in(sql, ids)}
            return [found[i] for i in ids if i in found]
        if needing_extraction is None:
            rows = self._table("articles").rows_where(order_by="published, article_id")
            return [record_from_row(Article, row) for row in rows]
        return self.articles(ids=self.article_ids(needing_extraction=needing_extraction))

    def article_ids(self, *, needing_extraction: str) -> list[str]:
        """The ids of the articles not yet extracted by extractor version
        `needing_extraction`, by publication date. Duplicates (`duplicate_of` set) and
        versions a correction replaced are never queued for extraction."""
        sql = (
            "select article_id from articles where (extractor_version is null or"
            " extractor_version != ?) and duplicate_of is null"
            f" and article_id not in ({SUPERSEDED}) order by published, article_id"
        )
        return [r[0] for r in self.db.execute(sql, [needing_extraction])]

    def mark_skipped(self, skipped: Sequence[tuple[str, str]], version: str) -> None:
        """Record why extraction set each (article_id, reason) aside, and mark it read by
        extractor `version` so it is not queued again; any claims it had are removed."""
        with self._write():
            for article_id, reason in skipped:
                self._table("claims").delete_where("article_id = ?", [article_id])
                self._table("articles").update(
                    article_id, {"skip_reason": reason, "extractor_version": version}
                )

    # -- claims -----------------------------------------------------------------

    def save_extraction(self, batch: Sequence[tuple[str, Sequence[Claim]]], version: str) -> int:
        """Replace the claims of each article in `batch` and mark it extracted, atomically."""
        claims_table = self._table("claims")
        articles = self._table("articles")
        added = 0
        with self._write():
            for article_id, claims in batch:
                old = {
                    r["claim_id"] for r in claims_table.rows_where("article_id = ?", [article_id])
                }
                claims_table.delete_where("article_id = ?", [article_id])
                claims_table.insert_all(
                    (row_from_record(c) for c in claims), pk="claim_id", replace=True
                )
                added += len({c.claim_id for c in claims} - old)
                articles.update(article_id, {"extractor_version": version})
        return added

    def claims(self, ids: Sequence[str] | None = None) -> list[Claim]:
        """Every claim on the record (or those of them with the given `ids`): those of
        current articles, and those a corrected version withdrew. Not those left on an
        article later recorded as a duplicate, nor those of a replaced version that its
        correction makes again (they live on there)."""
        if ids is None:
            rows = self._table("claims").rows_where(ON_RECORD, order_by=CLAIM_ORDER)
            return [record_from_row(Claim, row) for row in rows]
        sql = f"select * from claims where claim_id in ({{marks}}) and {ON_RECORD} order by {CLAIM_ORDER}"
        return [record_from_row(Claim, row) for row in self._dicts_in(sql, ids)]

    def claim_summaries(
        self, claim_columns: Sequence[str], outcome_columns: Sequence[str], since: int = 0
    ) -> sqlite3.Cursor:
        """A cursor over the stored claims whose change number (`report_changes`,
        migration m011: it grows whenever anything a report shows of the claim changes)
        is above `since` (every claim: 0), in no order: the given columns of each claim,
        then of its outcome (NULL when it has none), then the change number, then 1 when
        the claim is on the record (`claims()`), else 0."""
        names = [f"claims.{n}" for n in claim_columns] + [f"o.{n}" for n in outcome_columns]
        return self.db.execute(
            f"select {', '.join(names)}, r.seq, ({ON_RECORD}) from report_changes r"
            " join claims on claims.claim_id = r.claim_id"
            " left join outcomes o on o.claim_id = r.claim_id where r.seq > ?",
            [since],
        )

    def report_change_state(self) -> tuple[int, int]:
        """The highest change number, and how many claims have one (every stored claim)."""
        top, count = self.db.execute(
            "select coalesce(max(seq), 0), count(*) from report_changes"
        ).fetchone()
        return int(top), int(count)

    def claim_ids(self) -> list[str]:
        """The ids of the claims on the record (as `claims()` chooses them), in its order."""
        sql = f"select claim_id from claims where {ON_RECORD} order by {CLAIM_ORDER}"
        return [r[0] for r in self.db.execute(sql)]

    def claim_symbols(self) -> list[tuple[str, str | None]]:
        """Each distinct (subject, benchmark) pair of the claims on the record: the pairs
        of every stored claim (from their index, m013), each kept if one claim of it is
        on the record (the first found, through the same index)."""
        sql = (
            "select subject, benchmark from (select distinct subject, benchmark from claims) p"
            " where exists (select 1 from claims where claims.subject = p.subject"
            f" and claims.benchmark is p.benchmark and {ON_RECORD})"
        )
        return [(r[0], r[1]) for r in self.db.execute(sql)]

    def mark_withdrawn(self, revisions: Sequence[tuple[str, str]]) -> int:
        """For each (new version, replaced version) pair: the replaced version's claims
        that the new version no longer makes become withdrawn by it. Recomputed from
        scratch on every extraction of the new version; returns how many are withdrawn.

        A reading of the same raw page by a newer parser is no correction: its vanished
        claims are superseded, not withdrawn."""
        table = self._table("claims")
        withdrawn = 0
        with self._write():
            for new_id, old_id in revisions:
                self.db.execute(
                    "update claims set withdrawn_by = null where withdrawn_by = ?", [new_id]
                )
                raws = dict(
                    self.db.execute(
                        "select article_id, raw from articles where article_id in (?, ?)",
                        [new_id, old_id],
                    ).fetchall()
                )
                if raws.get(new_id) == raws.get(old_id):
                    continue
                made = {
                    record_from_row(Claim, row).same_call()
                    for row in table.rows_where("article_id = ?", [new_id])
                }
                gone = [
                    row["claim_id"]
                    for row in table.rows_where("article_id = ? and withdrawn_by is null", [old_id])
                    if record_from_row(Claim, row).same_call() not in made
                ]
                for claim_id in gone:
                    table.update(claim_id, {"withdrawn_by": new_id})
                withdrawn += len(gone)
        return withdrawn

    # -- outcomes ---------------------------------------------------------------

    def save_outcomes(self, outcomes: Iterable[Outcome]) -> int:
        """Upsert outcomes in one transaction; returns how many rows were written."""
        stamp = now()
        rows = [{**row_from_record(o), "decided_at": stamp} for o in outcomes]
        with self._write():
            self._table("outcomes").upsert_all(rows, pk="claim_id")
        return len(rows)

    def outcomes(self, ids: Sequence[str] | None = None) -> dict[str, Outcome]:
        """Stored outcomes by claim id: all of them, or those of the given claim `ids`."""
        if ids is None:
            rows = self._table("outcomes").rows
            return {row["claim_id"]: record_from_row(Outcome, row) for row in rows}
        sql = "select * from outcomes where claim_id in ({marks})"
        return {r["claim_id"]: record_from_row(Outcome, r) for r in self._dicts_in(sql, ids)}

    def claims_to_grade(
        self, as_of: date, corrected: AbstractSet[str], same_book: bool, added: bool
    ) -> list[str]:
        """The ids of the claims on the record whose grading can give anything new, in
        the record's order: those never graded; those undecided, when the grading date
        (`as_of`) or the price book moved since (`same_book` false: a series added,
        dropped or changed), or, undecided for want of any series, when a series was
        `added`; and decisions that rest on a `corrected` series. Chosen in SQLite from
        the outcomes, and only those candidates are checked for being on the record: a
        next day's run on a million claims reads a few hundred ids, not every state."""
        final = ",".join(f"'{s}'" for s in sorted(FINAL_STATUSES))
        sql = (
            "select claim_id from claims where claim_id in ("
            " select c.claim_id from claims c where not exists"
            "  (select 1 from outcomes o where o.claim_id = c.claim_id)"
            " union all select claim_id from outcomes where"
            f"  (status not in ({final}) and"
            "   ((series is null and ?) or (series is not null and (? or as_of != ?))))"
            f"  or (status in ({final}) and (series in (select value from json_each(?))"
            "   or benchmark_series in (select value from json_each(?)))))"
            f" and {ON_RECORD} order by {CLAIM_ORDER}"
        )
        repaired = json.dumps(sorted(corrected))
        args = [added, not same_book, as_of.isoformat(), repaired, repaired]
        return [r[0] for r in self.db.execute(sql, args)]

    def latest_grading_date(self) -> date | None:
        """The latest date any stored outcome was decided as of."""
        (found,) = self.db.execute("select max(as_of) from outcomes").fetchone()
        return date.fromisoformat(found) if found else None

    def outcome_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Stored outcomes by status, and by status net of drift (where there is one)."""
        status = "select status, count(*) from outcomes group by status order by status"
        net = (
            "select net_status, count(*) from outcomes where net_status is not null"
            " group by net_status order by net_status"
        )
        return dict(self.db.execute(status).fetchall()), dict(self.db.execute(net).fetchall())

    # -- facts about the database ------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = list(self._table("meta").rows_where("key = ?", [key]))
        return str(rows[0]["value"]) if rows else None

    def identity(self) -> str:
        """A random id this database keeps for good (made on first asking): what was
        derived from one store is not taken for another's at the same path."""
        if (found := self.meta("store_id")) is None:
            found = uuid.uuid4().hex
            self.set_meta({"store_id": found})
        return found

    def meta_like(self, prefix: str) -> dict[str, str]:
        """Every fact whose key starts with `prefix`, by key."""
        rows = self._table("meta").rows_where("key like ? || '%'", [prefix])
        return {str(r["key"]): str(r["value"]) for r in rows}

    def set_meta(self, values: Mapping[str, str], replace: str | None = None) -> None:
        """Store facts by key; with `replace`, the facts under that key prefix that
        `values` does not name are dropped in the same transaction."""
        with self._write():
            if replace is not None:
                self.db.execute("delete from meta where key like ? || '%'", [replace])
            rows = [{"key": k, "value": v} for k, v in values.items()]
            self._table("meta").upsert_all(rows, pk="key")

    # -- failures ---------------------------------------------------------------

    def save_failures(self, failures: Sequence[Failure]) -> int:
        stamp = now()
        known = self._existing_ids("failures", "failure_id", [f.failure_id for f in failures])
        rows = [{**f.to_record(), "at": stamp} for f in failures if f.failure_id not in known]
        with self._write():
            self._table("failures").insert_all(rows, pk="failure_id", ignore=True)
        return len(rows)

    def failures(self) -> list[Failure]:
        rows = self._table("failures").rows_where(order_by="at")
        return [record_from_row(Failure, r) for r in rows]

    def failures_by_input(self, stage: str) -> dict[str, Failure]:
        """The stored failures of `stage` that know what their item was when it failed,
        by that `input_digest`: items a re-run need not try again while it is unchanged."""
        rows = self._table("failures").rows_where(
            "stage = ? and input_digest is not null", [stage], order_by="at"
        )
        return {r["input_digest"]: record_from_row(Failure, r) for r in rows}

    def failed_items(self, items: Sequence[str]) -> set[str]:
        """Those of `items` (paths, URLs) that have a Failure row."""
        return self._existing_ids("failures", "item", items)

    # -- duplicates and the raw-page cache (ingest) --------------------------------

    def texts_without_fingerprint(self) -> list[tuple[str, str]]:
        """(article_id, text) of articles stored before fingerprints existed."""
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "select article_id, text from articles where fingerprint is null"
            )
        ]

    def save_fingerprints(self, fingerprints: dict[str, str]) -> None:
        with self._write():
            for article_id, value in fingerprints.items():
                self._table("articles").update(article_id, {"fingerprint": value})

    def save_duplicates(self, duplicates: Sequence[Duplicate]) -> int:
        """Record items recognised as copies of stored articles; returns how many were new."""
        stamp = now()
        known = self._existing_ids("duplicates", "item", [d.item for d in duplicates])
        rows = [{**row_from_record(d), "at": stamp} for d in duplicates if d.item not in known]
        with self._write():
            self._table("duplicates").insert_all(rows, pk="item", ignore=True)
        return len(rows)

    def duplicates(self) -> list[Duplicate]:
        rows = self._table("duplicates").rows_where(order_by="at, item")
        return [record_from_row(Duplicate, r) for r in rows]

    def cached_page(self, url: str) -> Page | None:
        """The page last fetched from `url`, or None."""
        rows = list(self._table("pages").rows_where("url = ?", [url]))
        if not rows:
            return None
        return page_from_row(rows[0])

    def save_page(self, page: Page) -> None:
        """Keep a fetched page (replacing an older copy of the same URL)."""
        with self._write():
            self._table("pages").upsert(page_row(page, now()), pk="url")

    # -- the near-copy index (ingest) ---------------------------------------------

    def save_article_keys(self, keys: Sequence[ArticleKeys]) -> int:
        """Index original articles for duplicate detection, in the order given; returns how
        many were new. Articles not stored, stored as duplicates or indexed already are
        left out, so the index holds exactly the stored originals."""
        added = 0
        with self._write():
            for item in keys:
                cursor = self.db.execute(
                    "insert or ignore into dedupe_keys (article_id, location, url_key, signature) "
                    "select ?, ?, ?, ? where exists (select 1 from articles "
                    "where article_id = ? and duplicate_of is null)",
                    [item.article_id, item.location, item.url_key, item.signature, item.article_id],
                )
                if cursor.rowcount != 1:
                    continue
                self.db.conn.executemany(
                    "insert or ignore into minhash_bands (band, seq) values (?, ?)",
                    [(band, cursor.lastrowid) for band in item.bands],
                )
                added += 1
        return added

    def originals_without_keys(
        self, size: int = 1000
    ) -> Iterator[list[tuple[str, str, str | None, str | None]]]:
        """(article_id, location, url, fingerprint) of the original articles not indexed
        yet (stored before migration m009), in the order they were ingested, `size` at a
        time; index each batch (`save_article_keys`) before asking for the next."""
        # The index holds only stored originals and articles are never deleted, so equal
        # counts (two index counts, no table rows read) mean that nothing is left to do.
        (originals,) = self.db.execute(
            "select count(*) from articles where duplicate_of is null"
        ).fetchone()
        if originals == self.db.execute("select count(*) from dedupe_keys").fetchone()[0]:
            return
        ids = [
            r[0]
            for r in self.db.execute(
                "select article_id from articles a where duplicate_of is null and not exists "
                "(select 1 from dedupe_keys k where k.article_id = a.article_id) "
                "order by ingested_at, rowid"
            )
        ]
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            marks = ",".join("?" * len(chunk))
            rows = {
                r[0]: (r[0], r[1], r[2], r[3])
                for r in self.db.execute(
                    "select article_id, location, url, fingerprint from articles "
                    f"where article_id in ({marks})",
                    chunk,
                )
            }
            yield [rows[article_id] for article_id in chunk]

    def original_keys(self, article_id: str) -> ArticleKeys | None:
        """The indexed keys of the original article `article_id` (no bands), or None."""
        rows = self.db.execute(
            "select article_id, location, url_key, signature from dedupe_keys where article_id = ?",
            [article_id],
        ).fetchall()
        return ArticleKeys(*rows[0]) if rows else None

    def latest_original_at(self, location: str) -> str | None:
        """The original article indexed last among those read at `location`, or None."""
        return self._latest_original("location", location)

    def latest_original_with_url(self, url_key: str) -> str | None:
        """The original article indexed last among those with the URL key `url_key`."""
        return self._latest_original("url_key", url_key)

    def _latest_original(self, column: str, value: str) -> str | None:
        rows = self.db.execute(
            f"select article_id from dedupe_keys where {column} = ? order by seq desc limit 1",
            [value],
        ).fetchall()
        return str(rows[0][0]) if rows else None

    def originals_sharing_bands(
        self, bands: Sequence[int], limit: int | None = None
    ) -> list[ArticleKeys]:
        """The indexed originals whose signature has any of `bands`, in index order; with
        `limit`, only the `limit` sharing the most bands (ties: the earliest indexed)."""
        if not bands:
            return []
        marks = ",".join("?" * len(bands))
        rows = self.db.execute(
            "select article_id, location, url_key, signature from dedupe_keys where seq in "
            f"(select seq from minhash_bands where band in ({marks}) group by seq"
            " order by count(*) desc, seq limit ?) order by seq",
            [*bands, -1 if limit is None else limit],
        )
        return [ArticleKeys(*row) for row in rows]

    # -- the link queue (ingest) --------------------------------------------------

    def queue_links(self, source: str, links: Sequence[Link]) -> int:
        """Queue the links of `source` that are not queued yet, after every link queued
        before, in the order given; returns how many were new."""
        stamp = now()
        with self._write():
            queued = {
                r[0]
                for r in self.db.execute("select url from link_queue where source = ?", [source])
            }
            (last,) = self.db.execute(
                "select coalesce(max(position), -1) from link_queue where source = ?", [source]
            ).fetchone()
            rows: list[dict[str, Any]] = []
            for link in links:
                if link.url in queued:
                    continue
                queued.add(link.url)
                position = last + 1 + len(rows)
                rows.append(
                    {
                        "source": source,
                        **row_from_record(link),
                        "position": position,
                        "queued_at": stamp,
                    }
                )
            self._table("link_queue").insert_all(rows, pk=("source", "url"), ignore=True)
        return len(rows)

    def queued_links(self, source: str) -> list[Link]:
        """The links queued for `source`, in the order they were queued."""
        rows = self._table("link_queue").rows_where("source = ?", [source], order_by="position")
        return [record_from_row(Link, row) for row in rows]

    def dequeue_links(self, urls: Sequence[str]) -> int:
        """Take `urls` off the queue of every source (each was read, or is a Failure);
        returns how many queue entries went."""
        removed = 0
        with self._write():
            for start in range(0, len(urls), 500):
                chunk = list(urls[start : start + 500])
                marks = ",".join("?" * len(chunk))
                cursor = self.db.execute(f"delete from link_queue where url in ({marks})", chunk)
                removed += cursor.rowcount
        return removed

    def queued_counts(self, sources: Sequence[str]) -> dict[str, int]:
        """How many links wait in the queue of each of `sources` that has any."""
        counts: dict[str, int] = {}
        for start in range(0, len(sources), 500):
            chunk = list(sources[start : start + 500])
            marks = ",".join("?" * len(chunk))
            counts.update(
                self.db.execute(
                    f"select source, count(*) from link_queue where source in ({marks}) "
                    "group by source",
                    chunk,
                ).fetchall()
            )
        return counts

    # -- prices -----------------------------------------------------------------

    def save_prices(self, symbol: str, frame: pd.DataFrame, provider: str) -> int:
        """Upsert daily bars for `symbol` (a frame indexed by date); returns rows written."""
        rows = list(price_rows(symbol, frame, provider))
        with self._write():
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
        with self._write():
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
        with self._write():
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
        with self._write():
            self._table("price_checks").upsert(row, pk=("symbol", "provider"))

    def price_checked_on(self, symbol: str, provider: str) -> date | None:
        """The day `provider` was last asked for `symbol`, if ever."""
        rows = list(
            self._table("price_checks").rows_where(
                "symbol = ? and provider = ?", [symbol, provider]
            )
        )
        return to_date(rows[0]["checked_on"]) if rows else None

    # -- outcome history ---------------------------------------------------------

    def save_disagreements(self, disagreements: Sequence[Disagreement]) -> int:
        """Record re-grades that differ from stored decisions; one row per distinct re-grade."""
        stamp = now()
        known = self._existing_ids(
            "outcome_history", "disagreement_id", [d.disagreement_id for d in disagreements]
        )
        rows = [
            {**row_from_record(d), "disagreement_id": d.disagreement_id, "recorded_at": stamp}
            for d in disagreements
            if d.disagreement_id not in known
        ]
        with self._write():
            self._table("outcome_history").insert_all(rows, pk="disagreement_id", ignore=True)
        return len(rows)

    def disagreements(self) -> list[Disagreement]:
        """Every recorded disagreement, oldest first."""
        rows = self._table("outcome_history").rows_where(order_by="recorded_at, claim_id")
        return [record_from_row(Disagreement, row) for row in rows]

    # -- reading for exports and reports ---------------------------------------

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of one of the public tables, in a stable order."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        pk = self._table(table).pks
        yield from self._table(table).rows_where(order_by=", ".join(pk))

    def counts(self) -> dict[str, int]:
        return {name: self._table(name).count for name in TABLES}

    def _dicts_in(self, sql: str, ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Rows of `sql` for `ids` as dicts by column, CHUNK ids a query (`{marks}` in
        `sql` stands for their placeholders), straight from SQLite: these run once per
        batch, where sqlite-utils' per-call table introspection cost more than they do."""
        for start in range(0, len(ids), CHUNK):
            chunk = list(ids[start : start + CHUNK])
            cursor = self.db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)
            names = [d[0] for d in cursor.description]
            for row in cursor:
                yield dict(zip(names, row, strict=True))

    def _existing_ids(self, table: str, column: str, ids: Sequence[str]) -> set[str]:
        sql = f"select {column} from {table} where {column} in ({{marks}})"
        return {r[column] for r in self._dicts_in(sql, ids)}
