"""The report reads the store a batch at a time and draws what it drew from memory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from pipeline import run as stages
from pipeline.models import Claim, Outcome
from pipeline.report import render as render_module
from pipeline.report.render import ReportInput, render_report
from pipeline.report.source import StoreSource
from pipeline.settings import Settings
from pipeline.store.database import Store


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".pages.json"
    }


def test_report_from_the_store_in_batches_is_the_report_from_memory(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    # 45 claims: an index of the 10 latest, listing pages of 7, so 7 batches
    monkeypatch.setattr(render_module, "INDEX_ROWS", 10)
    monkeypatch.setattr(render_module, "LISTING_ROWS", 7)
    streamed = stages.report_input(store, settings)
    assert isinstance(streamed, StoreSource)
    loaded: list[int] = []
    load = StoreSource.load

    def counting(self: StoreSource, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        loaded.append(len(ids))
        return load(self, ids)

    monkeypatch.setattr(StoreSource, "load", counting)
    render_report(streamed, tmp_path / "streamed")
    in_memory = ReportInput(
        store.claims(),
        store.outcomes(),
        store.article_texts(),
        streamed.closes,
        streamed.as_of,
        streamed.sources,
    )
    render_report(in_memory, tmp_path / "memory")
    assert _files(tmp_path / "streamed") == _files(tmp_path / "memory")
    claims = len(store.claims())
    listing = sorted((tmp_path / "streamed" / "listing").glob("page-*.html"))
    assert len(listing) == -(-claims // 7)
    assert len(list((tmp_path / "streamed" / "claims").glob("*.html"))) == claims
    # claims are read in batches of at most a listing page, plus the index's rows and
    # one forecaster's claims at a time: never all of them at once
    assert max(loaded) <= 10 and sum(loaded[: len(listing)]) == claims
    store.close()


def test_claims_markdown_lists_every_claim_once_in_reading_order(
    graded: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    monkeypatch.setattr(render_module, "LISTING_ROWS", 4)  # written in 12 pieces
    stages.report(store, settings)
    lines = (settings.report.out_dir / "claims.md").read_text().splitlines()
    rows = [line for line in lines if line.startswith(("| 20", "| undated"))]
    claims = store.claims()
    assert len(rows) == len(claims)
    evidence = [c.evidence.split()[0] for c in claims]
    assert [r.split(" | ")[-1].split()[0] for r in rows] == evidence
    store.close()
