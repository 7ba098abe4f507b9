"""The database schema, built one migration at a time.

Input: an open sqlite-utils `Database`. Output: none. Side effects: pending migrations are
applied, each in its own transaction with the record of it (the `_sqlite_migrations`
table, migration set "thesis"); a database written by a newer version is refused.

Every migration spells out its columns and their types. A migration never reads the
records in `pipeline.models`: the schema an old database has must not depend on the code
that opens it. Once released, a migration is frozen: never edit it, add the next one.

To add a column (a new `Claim` field, say `rating: str | None = None`):

1. Add the field to the record in `pipeline/models.py`, with a default (None, False), so
   code that builds the record without it still works. Rows stored before the migration
   hold NULL in the new column; they read back as None, or as the default of a field that
   cannot be None (a new flag reads False).
2. Add a migration at the end of this file, numbered one past the last, its name saying
   what it does::

       @migrations()
       def m004_claim_ratings(db: Database) -> None:
           claims = _table(db, "claims")
           claims.add_column("rating", str)
           claims.add_column("previous_rating", str)

   Types: `str` for text and ISO dates, `float` for prices and percentages, `int` for
   counts, offsets and flags (bool). `pipeline/store/rows.py` converts by the field's
   annotation (date, bool, tuple of tags), so a plain field needs nothing there.
3. Regenerate the pinned schema and read the diff: it must show only your columns::

       python -m pipeline.store > tests/store/schema.sql

4. Run `python -m pytest tests/store`: old databases (the fixtures in tests/store/data)
   must still open, migrate and equal a fresh one.

Never rename or delete a released migration: databases in the wild recorded its name.
If a name must change, map the old one to the new in `RENAMED` (as for the two
migrations once both numbered m002) and test it with a database made by the old code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

from pipeline.errors import StoreError

MIGRATION_SET = "thesis"
migrations = Migrations(MIGRATION_SET)

#: Names recorded by earlier versions -> the name the same migration has now.
RENAMED = {"m002_ingest_pages_and_duplicates": "m003_ingest_pages_and_duplicates"}


def migrate_database(db: Database, path: Path) -> None:
    """Bring the schema of `db` (the file at `path`) up to date.

    Raises:
        StoreError: the database records a migration this version does not know, i.e. it
            was written by a newer Thesis Tracker; nothing is written to it then.
    """
    recorded = [m.name for m in migrations.applied(db)]
    known = migration_names()
    unknown = [name for name in recorded if RENAMED.get(name, name) not in known]
    if unknown:
        raise StoreError(
            f"the database was written by a newer version of Thesis Tracker (its schema has "
            f"{', '.join(unknown)}, unknown to this version) and is left untouched; upgrade "
            f"(pip install -U thesis-tracker) or pass --db PATH to another database",
            str(path),
        )
    with db.atomic():
        for old, new in RENAMED.items():
            if old in recorded and new not in recorded:
                db.execute(
                    f"update {migrations.migrations_table} set name = ? "
                    "where migration_set = ? and name = ?",
                    [new, MIGRATION_SET, old],
                )
    migrations.apply(db)


def migrate_file(path: Path, *, stop_before: str | None = None) -> None:
    """Migrate the database file at `path`, stopping before `stop_before` if given.

    With `stop_before`, this builds a database of an earlier version, as the tests do.
    """
    db = Database(path)
    try:
        migrations.apply(db, stop_before=stop_before)
    finally:
        db.close()


def migration_names() -> list[str]:
    """The names of every migration this version knows, oldest first."""
    db = Database(memory=True)
    try:
        return [m.name for m in migrations.pending(db)]
    finally:
        db.close()


def fresh_schema_sql() -> str:
    """The schema a new database gets from every migration (`schema_sql` of it)."""
    db = Database(memory=True)
    try:
        migrations.apply(db)
        return schema_sql(db)
    finally:
        db.close()


def schema_sql(db: Database) -> str:
    """The schema of `db` as text: the SQL of every table and index, by name.

    The bookkeeping table `_sqlite_migrations` belongs to sqlite-utils and is left out.
    """
    rows = db.execute(
        "select sql from sqlite_master where sql is not null "
        "and tbl_name not in ('_sqlite_migrations', 'sqlite_sequence') "
        "order by tbl_name, type desc, name"
    ).fetchall()
    return "".join(f"{sql};\n" for (sql,) in rows)


def _table(db: Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table), f"{name} is a view"
    return table


# -- the migrations, oldest first ----------------------------------------------------


@migrations()
def m001_initial(db: Database) -> None:
    """Articles, claims, outcomes, failures and the daily price cache."""
    _table(db, "articles").create(
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
    claims: dict[str, Any] = {
        "claim_id": str,
        "article_id": str,
        "url": str,
        "title": str,
        "published": str,
        "forecaster": str,
        "forecaster_org": str,
        "forecaster_role": str,
        "subject": str,
        "subject_text": str,
        "kind": str,
        "direction": str,
        "target_low": float,
        "target_high": float,
        "move_pct": float,
        "benchmark": str,
        "ratio": float,
        "horizon_start": str,
        "horizon_end": str,
        "horizon_text": str,
        "horizon_assumed": int,
        "hedge": str,
        "conditional": int,
        "negated": int,
        "evidence": str,
        "evidence_start": int,
        "evidence_end": int,
        "catalysts": str,  # JSON list of {"label", "text"}
        "risks": str,  # JSON list of {"label", "text"}
    }
    _table(db, "claims").create(claims, pk="claim_id")
    _table(db, "claims").create_index(["article_id"])
    outcomes: dict[str, Any] = {
        "claim_id": str,
        "status": str,
        "as_of": str,
        "reason": str,
        "series": str,
        "start_date": str,
        "start_price": float,
        "end_date": str,
        "end_price": float,
        "return_pct": float,
        "benchmark_return_pct": float,
        "excess_return_pct": float,
        "best_price": float,
        "worst_price": float,
        "hit_date": str,
        "days_to_hit": int,
        "decided_at": str,
    }
    _table(db, "outcomes").create(outcomes, pk="claim_id")
    _table(db, "failures").create(
        {"failure_id": str, "item": str, "stage": str, "reason": str, "at": str},
        pk="failure_id",
    )
    _table(db, "prices").create(
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
    outcomes = _table(db, "outcomes")
    for name, kind in (
        ("level", float),
        ("benchmark_series", str),
        ("drift_pct", float),
        ("net_return_pct", float),
        ("net_status", str),
        ("provider", str),
        ("prices_digest", str),
    ):
        outcomes.add_column(name, kind)
    _table(db, "splits").create(
        {"symbol": str, "date": str, "ratio": float, "provider": str}, pk=("symbol", "date")
    )
    _table(db, "price_checks").create(
        {"symbol": str, "provider": str, "checked_on": str, "last_date": str},
        pk=("symbol", "provider"),
    )
    history = (
        "disagreement_id", "claim_id", "stored_status", "stored_as_of", "stored_digest",
        "regrade_status", "regrade_as_of", "regrade_digest", "regrade_provider",
        "regrade_reason", "recorded_at",
    )  # fmt: skip
    _table(db, "outcome_history").create(dict.fromkeys(history, str), pk="disagreement_id")


@migrations()
def m003_ingest_pages_and_duplicates(db: Database) -> None:
    """Inferred dates, duplicate links and fingerprints on articles; the raw-page cache.

    Recorded as `m002_ingest_pages_and_duplicates` by versions before issue 9 (see RENAMED).
    """
    articles = _table(db, "articles")
    for name in (
        "published_inferred",
        "published_inferred_from",
        "duplicate_of",
        "duplicate_reason",
        "fingerprint",
    ):
        articles.add_column(name, str)
    articles.create_index(["duplicate_of"])
    _table(db, "pages").create(
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
    _table(db, "duplicates").create(
        {"item": str, "duplicate_of": str, "kind": str, "reason": str, "at": str}, pk="item"
    )


@migrations()
def m004_claim_analyst_fields(db: Database) -> None:
    """Analyst calls on claims: the rating and the one it replaced, the previous target,
    the action taken on the target, and whether the figure is a consensus of many."""
    claims = _table(db, "claims")
    for name, kind in (
        ("rating", str),
        ("previous_rating", str),
        ("previous_target", float),
        ("action", str),
        ("consensus", int),
    ):
        claims.add_column(name, kind)


@migrations()
def m005_article_language(db: Database) -> None:
    """The language detected in each article's text, and why extraction skipped an
    article (extraction reads English only)."""
    articles = _table(db, "articles")
    articles.add_column("language", str)
    articles.add_column("skip_reason", str)


@migrations()
def m006_article_updates_and_revisions(db: Database) -> None:
    """The date a page says it was last updated (kept apart from its published date); the
    stored version a corrected article replaces; the version that withdrew a claim."""
    articles = _table(db, "articles")
    articles.add_column("updated", str)
    articles.add_column("revision_of", str)
    articles.create_index(["revision_of"], if_not_exists=True)
    _table(db, "claims").add_column("withdrawn_by", str)


@migrations()
def m007_link_queue(db: Database) -> None:
    """Links a feed or sitemap listed that a run has not read yet (ingest takes at most
    `max_items_per_source` per source and run): the source, the link and what the listing
    said about it, its place in the source's queue and when it was queued."""
    queue = _table(db, "link_queue")
    queue.create(
        {
            "source": str,
            "url": str,
            "title": str,
            "author": str,
            "published": str,
            "lastmod": str,
            "position": int,
            "queued_at": str,
        },
        pk=("source", "url"),
    )
    queue.create_index(["url"])


@migrations()
def m008_failure_inputs(db: Database) -> None:
    """What a failed item was when it failed: a digest of the stage's code and the item's
    content, so a re-run retries it only once either has changed."""
    failures = _table(db, "failures")
    failures.add_column("input_digest", str)
    failures.create_index(["stage", "input_digest"], if_not_exists=True)


@migrations()
def m009_minhash_bands(db: Database) -> None:
    """The near-copy index (an LSH index of MinHash signatures; see
    pipeline/ingest/dedupe.py): `dedupe_keys` holds, for every original article in the
    order it was indexed (`seq`), where it was read, its normalised URL and its signature;
    `minhash_bands` holds the band hashes of each signature, so the articles that share a
    band with a new one are found by an indexed lookup instead of a scan of every
    signature. Articles stored before this migration are indexed by the next ingest."""
    keys = _table(db, "dedupe_keys")
    keys.create(
        {"seq": int, "article_id": str, "location": str, "url_key": str, "signature": bytes},
        pk="seq",
        not_null={"article_id", "location"},
    )
    keys.create_index(["article_id"], unique=True)
    keys.create_index(["location"])
    keys.create_index(["url_key"])
    # One row per (band hash, article); without a rowid the primary key is the table.
    db.execute(
        'CREATE TABLE "minhash_bands" (\n   "band" INTEGER NOT NULL,\n'
        '   "seq" INTEGER NOT NULL,\n   PRIMARY KEY ("band", "seq")\n) WITHOUT ROWID'
    )


@migrations()
def m010_meta(db: Database) -> None:
    """Facts about the database as a whole, by key: for one, the digest of the grading
    code that made the stored decisions (a new one has them all graded again once)."""
    _table(db, "meta").create({"key": str, "value": str}, pk="key")


#: The next change number: one past the highest given so far.
_NEXT_CHANGE = "(select coalesce(max(seq), 0) + 1 from report_changes)"
#: Give the claims `{ids}` selects the next change number. An update, then an insert of
#: those still without a row: written so that no statement can conflict, since a trigger's
#: own conflict clause gives way to that of the statement that fired it.
_BUMP = (
    f"update report_changes set seq = {_NEXT_CHANGE} where claim_id in ({{ids}}); "
    f"insert into report_changes (claim_id, seq) select claim_id, {_NEXT_CHANGE} "
    "from ({ids}) where claim_id not in (select claim_id from report_changes);"
)


@migrations()
def m011_report_changes(db: Database) -> None:
    """A change number for every claim on the report (`report_changes`): triggers give
    a claim the next number whenever its row or its outcome is written, or its article's
    text or place on the record changes. A report remembers the highest number among a
    page's claims when it drew the page; the same number next time means nothing the
    page shows from the store has changed, and the page's claims are not read at all.
    Claims stored before this migration start at number 1."""
    report_changes = _table(db, "report_changes")
    report_changes.create({"claim_id": str, "seq": int}, pk="claim_id", not_null={"seq"})
    report_changes.create_index(["seq"])
    db.execute("insert into report_changes (claim_id, seq) select claim_id, 1 from claims")
    for table, event, row in (
        ("claims", "insert", "new"),
        ("claims", "update", "new"),
        ("outcomes", "insert", "new"),
        ("outcomes", "update", "new"),
        ("outcomes", "delete", "old"),
    ):
        claim = f"select {row}.claim_id as claim_id"
        db.execute(
            f"create trigger {table}_{event}_report_change after {event} on {table} "
            f"begin {_BUMP.format(ids=claim)} end"
        )
    db.execute(
        "create trigger claims_delete_report_change after delete on claims "
        "begin delete from report_changes where claim_id = old.claim_id; end"
    )
    claims = "select claim_id from claims where article_id = new.article_id"
    db.execute(
        "create trigger articles_update_report_change "
        "after update of text, fingerprint, duplicate_of, revision_of on articles "
        f"begin {_BUMP.format(ids=claims)} end"
    )


@migrations()
def m012_revised_articles_report_change(db: Database) -> None:
    """A new version of an article takes the old version's claims off the record: they get
    the next change number too (m011 numbered the new version's claims only), so a report
    that keeps the summary of the claims it drew from sees them go."""
    replaced = "select claim_id from claims where article_id = {version}.revision_of"
    db.execute(
        "create trigger articles_insert_report_change after insert on articles "
        "when new.revision_of is not null "
        f"begin {_BUMP.format(ids=replaced.format(version='new'))} end"
    )
    db.execute(
        "create trigger articles_revision_report_change after update of revision_of on articles "
        f"begin {_BUMP.format(ids=replaced.format(version='old'))} "
        f"{_BUMP.format(ids=replaced.format(version='new'))} end"
    )


@migrations()
def m013_symbol_and_status_indexes(db: Database) -> None:
    """Indexes for the questions every run asks of a store of a million claims: which
    (subject, benchmark) pairs the record needs prices for (each distinct pair checked
    for an on-record claim, not every claim), and the outcomes by status (counted from
    the index, not the table)."""
    _table(db, "claims").create_index(["subject", "benchmark"], if_not_exists=True)
    _table(db, "outcomes").create_index(["status", "net_status"], if_not_exists=True)
