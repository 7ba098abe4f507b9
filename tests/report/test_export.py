"""Exports that are safe to open: spreadsheets never run a cell, Markdown never links out."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

from pipeline.models import Outcome
from pipeline.report.export import csv_safe, export_table
from pipeline.report.render import ReportInput, md_cell, render_report
from pipeline.store.database import Store

from ..conftest import make_article, make_claim

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
]


def test_csv_cells_that_read_as_formulas_are_neutralised(store: Store, tmp_path: Path) -> None:
    article = make_article("IWM could rally 10% by June.", title=HOSTILE[0], author=HOSTILE[1])
    store.save_articles([article])
    claims = [
        make_claim(article, claim_id=f"c{i}", evidence=text, forecaster=text, move_pct=-5.0)
        for i, text in enumerate(HOSTILE)
    ]
    store.save_extraction([(article.article_id, claims)], "v")
    for table in ("claims", "articles"):
        out = tmp_path / f"{table}.csv"
        export_table(store, table, "csv", out)
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (table, column, cell)
                if column != "move_pct":
                    assert not cell.startswith("-"), (table, column, cell)
    claims_csv = (tmp_path / "claims.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in claims_csv and ",-5.0," in claims_csv  # numbers stay numbers


def test_csv_safe_leaves_plain_text_and_numbers_alone() -> None:
    assert csv_safe("Jane Doe") == "Jane Doe"
    assert csv_safe(-8.5) == -8.5
    assert csv_safe("=1+1") == "'=1+1"


def test_markdown_never_carries_a_link_or_raw_html() -> None:
    cell = md_cell("see [here](javascript:alert(1)) and ![x](http://t.example/p.png) <b>x</b> |")
    assert "](" not in cell.replace("\\](", "") and "<b>" not in cell
    assert cell.count("\\[") == 2 and "\\|" in cell


def test_markdown_report_with_hostile_text_has_no_javascript_link(tmp_path: Path) -> None:
    evil = "IWM could rally 10% [click](javascript:alert(1))"
    article = make_article(evil)
    claim = make_claim(article, evidence=evil, forecaster="[Eve](javascript:alert(2))")
    outcome = Outcome(claim.claim_id, "pending", date(2024, 1, 2), reason="[r](javascript:x)")
    render_report(ReportInput([claim], {claim.claim_id: outcome}, as_of=date(2024, 1, 2)), tmp_path)
    for name in ("claims.md", "summary.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert not re.search(r"(?<!\\)\]\(javascript:", text), name
