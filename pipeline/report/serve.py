"""Serve: browse the database in Datasette (`pip install -e ".[serve]"`).

Input: the database path. Output: a Datasette server (a subprocess) with table
descriptions and canned queries. Only the metadata is built here; Datasette does the rest.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pipeline.errors import ThesisError

TABLE_DESCRIPTIONS = {
    "articles": "One row per ingested article: metadata, the analysed text and the raw copy.",
    "claims": "One row per extracted forecast, with its evidence sentence and horizon.",
    "outcomes": "How each claim fared: status, the prices and returns it was decided on, and why.",
    "failures": "Items a stage could not process, and the reason in words.",
    "prices": "Cached daily prices per symbol and the provider they came from.",
}

CANNED_QUERIES = {
    "claims_by_forecaster": {
        "title": "Claims by forecaster",
        "sql": (
            "select c.forecaster, count(*) as claims,\n"
            "  sum(o.status = 'hit') as hits, sum(o.status = 'miss') as misses,\n"
            "  sum(o.status = 'pending') as pending,\n"
            "  round(1.0 * sum(o.status = 'hit') / nullif(sum(o.status in ('hit', 'miss')), 0), 3) as hit_rate\n"
            "from claims c left join outcomes o using (claim_id)\n"
            "group by c.forecaster order by claims desc"
        ),
    },
    "pending_claims": {
        "title": "Pending claims",
        "sql": (
            "select c.forecaster, c.subject, c.kind, c.direction, c.horizon_end, c.evidence, o.reason\n"
            "from claims c join outcomes o using (claim_id)\n"
            "where o.status = 'pending' order by c.horizon_end"
        ),
    },
    "misses_by_subject": {
        "title": "Misses by subject",
        "sql": (
            "select c.subject, count(*) as misses, group_concat(distinct c.forecaster) as forecasters\n"
            "from claims c join outcomes o using (claim_id)\n"
            "where o.status = 'miss' group by c.subject order by misses desc"
        ),
    },
}


def datasette_metadata(database: str = "thesis") -> dict[str, Any]:
    """Datasette metadata: a title, table descriptions and the canned queries."""
    return {
        "title": "Thesis Tracker",
        "description": "What was predicted, by whom, and did it come true?",
        "databases": {
            database: {
                "tables": {
                    name: {"description": text} for name, text in TABLE_DESCRIPTIONS.items()
                },
                "queries": CANNED_QUERIES,
            }
        },
    }


def serve_database(db_path: Path, port: int, open_browser: bool) -> int:
    """Run Datasette on `db_path` until interrupted; returns its exit code.

    Raises:
        ThesisError: Datasette is not installed or the database does not exist.
    """
    if importlib.util.find_spec("datasette") is None:
        raise ThesisError('Datasette is not installed; run: pip install -e ".[serve]"')
    if not db_path.is_file():
        raise ThesisError(
            "no database here; run `thesis run SOURCES` first or pass --db", str(db_path)
        )
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(datasette_metadata(db_path.stem), handle)
    command = [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "-m",
        handle.name,
        "-p",
        str(port),
    ]
    if open_browser:
        command.append("--open")
    try:
        return subprocess.call(command)
    finally:
        Path(handle.name).unlink(missing_ok=True)
