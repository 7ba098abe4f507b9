"""The report reads the store a batch at a time and draws what it drew from memory."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline import run as stages
from pipeline.models import Claim, Outcome
from pipeline.report import render as render_module
from pipeline.report.render import ReportInput, render_report
from pipeline.report.source import SUMMARY_CACHE, StoreSource
from pipeline.settings import Settings
from pipeline.store.database import Store


def _files(folder: Path) -> dict[str, bytes]:
    """The report's files, without what only a store's pages hold: the keys their rows
    were drawn from (a source in memory keeps no change numbers)."""
    return {
        str(p.relative_to(folder)): re.sub(rb' data-key="[^"]*"', b"", p.read_bytes())
        for p in sorted(folder.rglob("*"))
        # what the next run reads besides the pages: the keys (a store's, or none)
        if p.is_file() and p.name != ".pages.json" and not p.name.endswith(".keys.json")
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


def _summary_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `since` of each read of the store's summary rows."""
    reads: list[int] = []
    summaries = Store.claim_summaries

    def counting(self: Store, *columns: Sequence[str], since: int = 0) -> object:
        reads.append(since)
        return summaries(self, *columns, since=since)

    monkeypatch.setattr(Store, "claim_summaries", counting)
    return reads


def _fresh_summary(store: Store) -> pd.DataFrame:
    Path(f"{store.path}{SUMMARY_CACHE}").unlink(missing_ok=True)
    return StoreSource(store).summary()


def test_summary_reads_the_claims_changed_since_the_kept_one_and_equals_a_full_read(
    graded: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = graded
    first = StoreSource(store).summary()
    assert Path(f"{store.path}{SUMMARY_CACHE}").is_file()
    top, _ = store.report_change_state()
    reads = _summary_reads(monkeypatch)
    pd.testing.assert_frame_equal(StoreSource(store).summary(), first)
    outcome = next(o for o in store.outcomes().values() if o.status == "hit")
    store.save_outcomes([replace(outcome, status="miss")])
    changed = StoreSource(store).summary()
    assert reads == [top, top]  # each time only what changed since the kept summary
    row = changed[changed["claim_id"] == outcome.claim_id]
    assert row["status"].tolist() == ["miss"] and len(changed) == len(first)
    pd.testing.assert_frame_equal(changed, _fresh_summary(store))
    store.close()


def test_summary_after_a_claim_was_deleted_or_an_article_replaced_is_read_whole(
    graded: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, _ = graded
    first = StoreSource(store).summary()
    gone = str(first["claim_id"].iloc[3])
    with store.db.conn:
        store.db.execute("delete from claims where claim_id = ?", [gone])
    reads = _summary_reads(monkeypatch)
    fewer = StoreSource(store).summary()
    assert reads[-1] == 0 and gone not in set(fewer["claim_id"])
    # a new version of an article takes the old version's claims off the record
    old = store.db.execute("select article_id from claims limit 1").fetchone()[0]
    cursor = store.db.execute("select * from articles where article_id = ?", [old])
    version = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    version.update(article_id=f"{old}-v2", revision_of=old, fingerprint=f"{old}-v2")
    store.db["articles"].insert(version)
    replaced = StoreSource(store).summary()
    dropped = set(fewer["claim_id"]) - set(replaced["claim_id"])
    made = store.db.execute("select claim_id from claims where article_id = ?", [old])
    assert dropped == {r[0] for r in made} and dropped
    pd.testing.assert_frame_equal(replaced, _fresh_summary(store))
    store.close()


def test_summary_kept_unreadable_is_read_whole(graded: tuple[Store, Settings]) -> None:
    store, _ = graded
    first = StoreSource(store).summary()
    Path(f"{store.path}{SUMMARY_CACHE}").write_bytes(b"not arrow")
    pd.testing.assert_frame_equal(StoreSource(store).summary(), first)
    store.close()


def test_summary_kept_for_another_store_at_the_same_path_is_not_used(
    graded: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, _ = graded
    StoreSource(store).summary()
    kept = Path(f"{store.path}{SUMMARY_CACHE}").read_bytes()
    store.close()
    other = Store(tmp_path / "other.db")  # an empty store, given the first one's summary
    Path(f"{other.path}{SUMMARY_CACHE}").write_bytes(kept)
    assert other.report_change_state() == (0, 0) and StoreSource(other).summary().empty
    other.close()
