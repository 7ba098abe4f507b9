"""Export: claims, outcomes, articles and instrument mentions as JSON Lines, CSV or Parquet.

Input: the store (mentions are found in the stored article text at export time). Output: a file or text on stdout. Lists (catalysts, risks) stay lists in
JSON Lines and Parquet and are JSON-encoded in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.errors import OutputError, ThesisError
from pipeline.extract.instruments import find_mentions, load_lexicon
from pipeline.report import frames
from pipeline.store.database import Store

FORMATS = ("jsonl", "csv", "parquet")
TABLES = ("claims", "outcomes", "articles", "scorecards", "mentions")
MENTION_FIELDS = ("article_id", "url", "symbol", "text", "start", "end")
#: Articles export without the raw page (kept in the database for audit).
ARTICLE_FIELDS = (
    "article_id",
    "location",
    "title",
    "author",
    "published",
    "published_source",
    "source",
    "url",
    "text",
)


def records(store: Store, table: str, lexicon: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    """The rows of `table` as contract records (`lexicon`: user CSVs, for mentions)."""
    if table == "mentions":
        return mention_records(store, lexicon)
    if table == "claims":
        return [c.to_record() for c in store.claims()]
    if table == "outcomes":
        return [o.to_record() for o in store.outcomes().values()]
    if table == "articles":
        return [{k: row[k] for k in ARTICLE_FIELDS} for row in store.rows("articles")]
    if table == "scorecards":
        frame = frames.scorecards(store)
        return [
            {k: (None if _missing(v) else v) for k, v in row.items()}
            for row in frame.to_dict("records")
        ]
    raise ThesisError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")


def mention_records(store: Store, lexicon: tuple[Path, ...] = ()) -> list[dict[str, Any]]:
    """Every instrument mention of every stored article, in text order."""
    lex = load_lexicon(tuple(lexicon))
    rows: list[dict[str, Any]] = []
    for article in store.rows("articles"):
        published = _day(article.get("published"))
        for m in find_mentions(article.get("text") or "", lex, published):
            values = (article["article_id"], article.get("url"), m.symbol, m.text, m.start, m.end)
            rows.append(dict(zip(MENTION_FIELDS, values, strict=True)))
    return rows


def export_table(
    store: Store, table: str, fmt: str, out: Path | None, lexicon: tuple[Path, ...] = ()
) -> int:
    """Write `table` in `fmt` to `out` (stdout when None); returns the number of records.

    Raises:
        ThesisError: an unknown format, or Parquet requested without an output file.
        OutputError: `out` cannot be written.
    """
    if fmt not in FORMATS:
        raise ThesisError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    rows = records(store, table, lexicon)
    try:
        _write_rows(rows, fmt, out)
    except OSError as exc:
        raise OutputError.writing(out, exc) from exc
    return len(rows)


def _write_rows(rows: list[dict[str, Any]], fmt: str, out: Path | None) -> None:
    if fmt == "jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        _write_text(text, out)
    elif fmt == "csv":
        frame = pd.DataFrame(
            [
                {k: csv_safe(json.dumps(v) if isinstance(v, list) else v) for k, v in r.items()}
                for r in rows
            ]
        )
        buffer = io.StringIO()
        # Every text cell quoted: a bare carriage return inside a field is no row break.
        frame.to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC)
        _write_text(buffer.getvalue(), out)
    else:
        if out is None:
            raise ThesisError("Parquet is binary: pass -o FILE.parquet")
        pd.DataFrame(rows).to_parquet(out, index=False)


#: What makes a spreadsheet read a cell as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a string starting like a formula gets a
    leading apostrophe ("=HYPERLINK(...)" becomes "'=HYPERLINK(...)"); numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _write_text(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
