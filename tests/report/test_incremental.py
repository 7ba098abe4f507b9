"""A report drawn again redraws only the pages whose content changed (issue 13)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipeline.models import Claim, Outcome
from pipeline.report import render as render_module
from pipeline.report.render import MANIFEST, Rendered, ReportInput, render_report

from ..conftest import make_article, make_claim


def _closes() -> pd.Series:
    days = pd.bdate_range("2023-11-28", "2024-01-31")
    return pd.Series([100.0 + i for i in range(len(days))], index=days)


def _data(
    outcomes: dict[str, Outcome] | None = None, closes: pd.Series | None = None
) -> ReportInput:
    article = make_article("IWM could rally 10% in the coming month. MSFT may fall 5%.")
    claims = [
        make_claim(article, claim_id="a1", forecaster="Ann Lee"),
        make_claim(article, claim_id="a2", forecaster="Ann Lee", move_pct=20.0),
        make_claim(article, claim_id="b1", forecaster="Bo Park", subject="MSFT"),
    ]
    graded = {c.claim_id: _outcome(c, "miss") for c in claims}
    return ReportInput(
        claims,
        graded | (outcomes or {}),
        texts={article.article_id: article.text},
        closes={"IWM": _closes() if closes is None else closes, "MSFT": _closes()},
        as_of=date(2024, 1, 31),
    )


def _outcome(claim: Claim, status: str) -> Outcome:
    return Outcome(
        claim.claim_id,
        status,
        date(2024, 1, 31),
        series=claim.subject,
        start_date=date(2023, 11, 28),
        start_price=100.0,
        end_date=date(2023, 12, 28),
        end_price=121.0,
        return_pct=21.0 if status == "hit" else 2.0,
        reason=f"graded {status}",
    )


def _pages(rendered: Rendered, out: Path) -> set[str]:
    return {str(p.relative_to(out)) for p in rendered.written if p.parent != out}


def test_report_drawn_again_unchanged_redraws_no_page(tmp_path: Path) -> None:
    first = render_report(_data(), tmp_path)
    pages = _pages(first, tmp_path)
    assert pages == {"claims/a1.html", "claims/a2.html", "claims/b1.html"} | {
        "forecasters/ann-lee.html",
        "forecasters/bo-park.html",
    }
    before = {p: (tmp_path / p).read_bytes() for p in pages}
    again = render_report(_data(), tmp_path)
    assert _pages(again, tmp_path) == set()
    assert {str(p.relative_to(tmp_path)) for p in again.unchanged} == pages
    assert {p: (tmp_path / p).read_bytes() for p in pages} == before
    assert (tmp_path / "index.html").is_file() and (tmp_path / MANIFEST).is_file()


def test_report_redraws_the_pages_a_change_touches_and_they_equal_a_fresh_report(
    tmp_path: Path,
) -> None:
    render_report(_data(), tmp_path / "kept")
    data = _data()
    claim = next(c for c in data.claims if c.claim_id == "a2")
    changed = _data({"a2": _outcome(claim, "hit")})
    again = render_report(changed, tmp_path / "kept")
    redrawn = _pages(again, tmp_path / "kept")
    # the claim page, and the scorecards (ranks move when one forecaster's record does)
    assert {p for p in redrawn if p.startswith("claims/")} == {"claims/a2.html"}
    assert "forecasters/ann-lee.html" in redrawn
    fresh = render_report(changed, tmp_path / "fresh")
    for page in _pages(fresh, tmp_path / "fresh"):
        assert (tmp_path / "kept" / page).read_bytes() == (tmp_path / "fresh" / page).read_bytes()


def test_report_redraws_a_chart_whose_prices_changed(tmp_path: Path) -> None:
    render_report(_data(), tmp_path)
    corrected = _closes()
    corrected.iloc[5] = 50.0  # a close inside IWM's window, corrected
    again = render_report(_data(closes=corrected), tmp_path)
    assert _pages(again, tmp_path) >= {"claims/a1.html", "claims/a2.html"}
    assert "claims/b1.html" not in _pages(again, tmp_path)  # MSFT's chart is as it was


def test_report_redraws_a_page_that_went_missing_or_a_lost_manifest(tmp_path: Path) -> None:
    render_report(_data(), tmp_path)
    (tmp_path / "claims" / "a1.html").unlink()
    assert _pages(render_report(_data(), tmp_path), tmp_path) == {"claims/a1.html"}
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    assert len(_pages(render_report(_data(), tmp_path), tmp_path)) == 5


def test_report_removes_the_page_of_a_claim_no_longer_reported(tmp_path: Path) -> None:
    render_report(_data(), tmp_path)
    data = _data()
    fewer = replace(data, claims=[c for c in data.claims if c.claim_id != "b1"])
    render_report(fewer, tmp_path)
    assert not (tmp_path / "claims" / "b1.html").exists()
    assert not (tmp_path / "forecasters" / "bo-park.html").exists()
    assert (tmp_path / "claims" / "a1.html").exists()


def _dated(n: int) -> ReportInput:
    article = make_article("IWM could rally 10% in the coming month.")
    claims = [
        make_claim(article, claim_id=f"c{i:02d}", published=date(2023, 11, 1 + i)) for i in range(n)
    ]
    return ReportInput(claims, {}, texts={article.article_id: article.text}, as_of=date(2024, 1, 2))


def test_report_index_lists_the_latest_claims_and_pages_list_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "INDEX_ROWS", 3)
    monkeypatch.setattr(render_module, "LISTING_ROWS", 2)
    render_report(_dated(5), tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'href="claims/(c\d+)\.html"', index)
    assert shown == ["c04", "c03", "c02"]  # the most recent first
    assert "Showing the 3 most recently published of 5 claims" in index
    pages = sorted((tmp_path / "listing").glob("page-*.html"))
    assert [p.name for p in pages] == ["page-1.html", "page-2.html", "page-3.html"]
    listed = [
        re.findall(r'href="\.\./claims/(c\d+)\.html"', p.read_text(encoding="utf-8")) for p in pages
    ]
    assert listed == [["c00", "c01"], ["c02", "c03"], ["c04"]]  # every claim, oldest first
    for page in [tmp_path / "index.html", *pages]:
        for link in re.findall(r'href="([^"#:]+\.html)"', page.read_text(encoding="utf-8")):
            assert (page.parent / link).resolve().is_file(), (page.name, link)
    # a newer claim changes only the last listing page (and adds none here)
    again = render_report(_dated(6), tmp_path)
    assert {str(p.relative_to(tmp_path)) for p in again.written if "listing" in str(p)} == {
        "listing/page-3.html"
    }


def test_report_index_stays_the_same_size_however_many_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "INDEX_ROWS", 20)
    monkeypatch.setattr(render_module, "LISTING_ROWS", 50)
    article = make_article("IWM could rally 10% in the coming month.")
    sizes = {}
    for n in (60, 600):
        claims = [
            make_claim(
                article,
                claim_id=f"c{i:04d}",
                forecaster=f"Analyst {i % 7}",
                published=date(2022, 1, 3) + timedelta(days=i),
            )
            for i in range(n)
        ]
        data = ReportInput(claims, {}, texts={article.article_id: article.text})
        render_report(data, tmp_path / str(n))
        index = (tmp_path / str(n) / "index.html").read_text(encoding="utf-8")
        assert len(re.findall(r'href="claims/(c\d+)\.html"', index)) == 20
        assert len(list((tmp_path / str(n) / "listing").glob("page-*.html"))) == -(-n // 50)
        sizes[n] = len(index.encode())
    # ten times the claims: the same rows and leaderboard, ten more links to listing pages
    assert sizes[600] - sizes[60] < 1_000, sizes


def test_report_index_shows_the_top_forecasters_and_a_page_lists_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "INDEX_FORECASTERS", 5)
    monkeypatch.setattr(render_module, "TOP_FORECASTERS", 3)
    article = make_article("IWM could rally 10% in the coming month.")
    claims = [
        make_claim(article, claim_id=f"c{i:02d}", forecaster=f"Analyst {i:02d}") for i in range(12)
    ]
    render_report(ReportInput(claims, {}, texts={article.article_id: article.text}), tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    start = index.index('id="leaderboard"')
    board = index[start : index.index("</table>", start)]
    assert len(re.findall(r'href="forecasters/[a-z0-9-]+\.html"', board)) == 5
    assert "The top 5 of 12 forecasters" in index and "and 9 more" in index
    every = (tmp_path / "leaderboard.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="forecasters/[a-z0-9-]+\.html"', every)) == 12
    for link in re.findall(r'href="([^"#:]+\.html)"', every):
        assert (tmp_path / link).is_file(), link
