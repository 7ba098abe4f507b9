from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.report.serve import CANNED_QUERIES, TABLE_DESCRIPTIONS, datasette_metadata
from pipeline.store.database import TABLES, Store


def test_serve_describes_every_table_and_canned_queries_run(tmp_path: Path) -> None:
    db = tmp_path / "thesis.db"
    Store(db).close()
    assert set(TABLE_DESCRIPTIONS) == set(TABLES)
    conn = sqlite3.connect(db)
    for query in CANNED_QUERIES.values():
        conn.execute(query["sql"]).fetchall()  # valid SQL against the real schema
    meta = datasette_metadata("thesis")
    assert set(meta["databases"]["thesis"]["queries"]) == {
        "claims_by_forecaster",
        "pending_claims",
        "misses_by_subject",
    }


@pytest.mark.slow
def test_serve_datasette_answers_a_canned_query(tmp_path: Path) -> None:
    db = tmp_path / "thesis.db"
    Store(db).close()
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(datasette_metadata("thesis")))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "datasette",
            str(db),
            "-m",
            str(meta),
            "--get",
            "/thesis/claims_by_forecaster.json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "forecaster" in result.stdout
