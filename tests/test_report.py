from __future__ import annotations

from datetime import date
from pathlib import Path

from pipeline.models import Outcome
from pipeline.report import describe_claim, render_report

from .conftest import make_article, make_claim


def test_report_describes_claims_in_plain_words() -> None:
    claim = make_claim(
        make_article(), move_pct=70.0, horizon_end=date(2024, 11, 28), horizon_assumed=True
    )
    assert describe_claim(claim) == "IWM +70% by 2024-11-28, horizon assumed"
    rel = make_claim(
        make_article(),
        kind="relative",
        move_pct=None,
        benchmark="^GSPC",
        ratio=2.0,
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 6, 30),
        published=date(2023, 12, 18),
        horizon_assumed=False,
    )
    assert describe_claim(rel) == "IWM outperforms ^GSPC by 2x by 2024-06-30 (from 2024-01-01)"


def test_report_escapes_article_content(tmp_path: Path) -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    article = make_article(f"IWM could rally 10%. {evil}", title=evil)
    claim = make_claim(
        article,
        title=evil,
        forecaster=f"Eve {evil}",
        evidence=evil,
        subject_text=evil,
        url="javascript:alert(3)",
    )
    outcome = Outcome(claim.claim_id, "pending", date(2024, 1, 2), reason=evil)
    render_report([claim], {claim.claim_id: outcome}, tmp_path, as_of=date(2024, 1, 2), sources={})
    html = (tmp_path / "index.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    markdown = (tmp_path / "claims.md").read_text()
    assert "<script>" not in markdown and "<img" not in markdown
