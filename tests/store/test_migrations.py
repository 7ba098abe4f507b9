"""The schema as a tested fact: pinned text, old databases migrate to the fresh schema."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.errors import StoreError
from pipeline.store.database import Store
from pipeline.store.migrations import (
    RENAMED,
    fresh_schema_sql,
    migrate_file,
    migration_names,
    schema_sql,
)

HERE = Path(__file__).parent
SCHEMA = HERE / "schema.sql"
FIXTURES = sorted((HERE / "data").glob("*.sql"))
UPDATE_HINT = (
    "The database schema changed. If that is deliberate (you added a migration), regenerate "
    "the pinned schema with `python -m pipeline.store > tests/store/schema.sql` and check "
    "that the diff shows only your change. Never edit a released migration: add one."
)


def structure(path: Path) -> dict[str, Any]:
    """Every table's columns (name, type, not null, default, pk) and indexes, by name.

    Compared instead of the SQL text, which keeps the spelling of whichever sqlite-utils
    version created the table.
    """
    conn = sqlite3.connect(path)
    tables = [
        r[0]
        for r in conn.execute(
            "select name from sqlite_master where type = 'table' and name not like '%sqlite%'"
        )
    ]
    out: dict[str, Any] = {}
    for table in sorted(tables):
        columns = [tuple(r[1:]) for r in conn.execute(f"pragma table_info('{table}')")]
        indexes = {
            r[1]: (r[2], [c[2] for c in conn.execute(f"pragma index_info('{r[1]}')")])
            for r in conn.execute(f"pragma index_list('{table}')")
        }
        out[table] = {"columns": columns, "indexes": indexes}
    conn.close()
    return out


def recorded(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("select name from _sqlite_migrations order by id")]
    conn.close()
    return names


def load_dump(dump: Path, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(dump.read_text(encoding="utf-8"))
    conn.close()
    return path


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    path = tmp_path / "fresh.db"
    Store(path).close()
    return path


def test_migrations_schema_is_pinned(store: Store) -> None:
    assert schema_sql(store.db) == SCHEMA.read_text(encoding="utf-8"), UPDATE_HINT


def test_migrations_fresh_schema_matches_an_opened_store(store: Store) -> None:
    assert fresh_schema_sql() == schema_sql(store.db)


def test_migrations_names_are_unique_and_numbered_in_order() -> None:
    names = migration_names()
    matches = [re.fullmatch(r"m(\d{3})_[a-z0-9_]+", name) for name in names]
    assert all(matches), f"migration names are m<three digits>_<what it does>: {names}"
    numbers = [int(m[1]) for m in matches if m]
    assert numbers == list(range(1, len(names) + 1))
    assert not set(RENAMED) & set(names)
    assert set(RENAMED.values()) <= set(names)


@pytest.mark.parametrize("stop_before", migration_names()[1:])
def test_migrations_partly_migrated_database_reaches_the_fresh_schema(
    tmp_path: Path, fresh: Path, stop_before: str
) -> None:
    """A database left at any earlier version (here built by applying only the migrations
    before `stop_before`) ends up with exactly the schema of a new one."""
    path = tmp_path / "old.db"
    migrate_file(path, stop_before=stop_before)
    assert recorded(path) == migration_names()[: migration_names().index(stop_before)]
    Store(path).close()
    assert structure(path) == structure(fresh)
    assert recorded(path) == migration_names()


@pytest.mark.parametrize("dump", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_migrations_database_made_by_earlier_code_opens_and_migrates(
    tmp_path: Path, fresh: Path, dump: Path
) -> None:
    """tests/store/data holds dumps made by the code before issue 9: the first schema
    (only m001) and the last one with two migrations named m002."""
    path = load_dump(dump, tmp_path / "old.db")
    store = Store(path)
    claim = store.claims()[0]
    outcome = store.outcomes()["c1"]
    store.close()
    assert (claim.claim_id, claim.move_pct, claim.horizon_end) == ("c1", 10.0, date(2023, 12, 28))
    assert [t.label for t in claim.catalysts] == ["seasonality"]
    assert (outcome.status, outcome.days_to_hit, outcome.prices_digest) == ("hit", 16, None)
    assert structure(path) == structure(fresh)
    assert recorded(path) == migration_names()
    Store(path).close()  # opening again changes nothing
    assert recorded(path) == migration_names()


def test_migrations_renamed_migration_is_not_applied_twice(tmp_path: Path) -> None:
    path = load_dump(HERE / "data" / "pre_issue9.sql", tmp_path / "old.db")
    assert "m002_ingest_pages_and_duplicates" in recorded(path)
    Store(path).close()  # re-running m003 would fail: its columns exist already
    names = recorded(path)
    assert "m002_ingest_pages_and_duplicates" not in names
    assert names.count("m003_ingest_pages_and_duplicates") == 1


def test_migrations_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    path = load_dump(HERE / "data" / "pre_issue9.sql", tmp_path / "newer.db")
    conn = sqlite3.connect(path)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('thesis', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer version of Thesis Tracker") as info:
        Store(path)
    assert info.value.item == str(path)
    assert "m999_from_the_future" in info.value.message
    assert "upgrade" in info.value.message
    assert path.read_bytes() == before  # not migrated, not renamed, not switched to WAL


def test_migrations_other_migration_sets_are_not_ours(tmp_path: Path, fresh: Path) -> None:
    """Another tool's migrations in the same file (a different set) do not count as newer."""
    conn = sqlite3.connect(fresh)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('datasette-plugin', 'm001_plugin', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    Store(fresh).close()
