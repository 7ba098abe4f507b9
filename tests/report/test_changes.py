"""A report drawn again from the store reads only the claims of the pages that changed
(the claims' change numbers, `report_changes`; issue 13)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline import run as stages
from pipeline.models import Claim, Outcome
from pipeline.report import render as render_module
from pipeline.report.incremental import MANIFEST, card_as_printed, listing_rows, read_previous
from pipeline.report.render import ReportInput, render_report
from pipeline.report.scorecard import Scorecard
from pipeline.report.source import StoreSource
from pipeline.settings import Settings
from pipeline.store.database import Store

from ..conftest import make_article, make_claim


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _seqs(store: Store) -> dict[str, int]:
    return dict(store.db.execute("select claim_id, seq from report_changes").fetchall())


def test_store_numbers_each_change_of_a_claim_its_outcome_or_its_article(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    article = make_article("IWM could rally 10% in the coming month. MSFT may fall 5%.")
    other = make_article("SPY may climb 4% by March.")
    claims = [make_claim(article, claim_id="a1"), make_claim(article, claim_id="a2")]
    store.save_articles([article, other])
    store.save_extraction(
        [(article.article_id, claims), (other.article_id, [make_claim(other, claim_id="o1")])], "v1"
    )
    first = _seqs(store)
    assert set(first) == {"a1", "a2", "o1"} and len(set(first.values())) == 3

    outcome = Outcome("a2", "pending", None, reason="not yet")
    store.save_outcomes([outcome])
    second = _seqs(store)
    assert second["a2"] > max(first.values()) and second["a1"] == first["a1"]

    store.save_outcomes([replace(outcome, status="hit")])  # graded again
    third = _seqs(store)
    assert third["a2"] > second["a2"] and third["o1"] == first["o1"]

    with store.db.conn:  # the article leaves the record (a copy of another)
        store.db.execute(
            "update articles set duplicate_of = ? where article_id = ?",
            [other.article_id, article.article_id],
        )
    fourth = _seqs(store)
    assert fourth["a1"] > third["a2"] and fourth["a2"] > third["a2"] and fourth["o1"] == first["o1"]

    store.save_extraction([(article.article_id, claims[:1])], "v2")  # a2 is no longer made
    assert set(_seqs(store)) == {"a1", "o1"}
    store.close()


def _with_closes(source: object, closes: dict[str, pd.Series]) -> StoreSource:
    """The store's source with these price series (whichever its claims show)."""
    assert isinstance(source, StoreSource)
    return replace(source, prices=lambda wanted: dict(closes))


def _turn_one_decision(store: Store, ids: list[str]) -> Outcome:
    """The first decided outcome of these claims turned (hit to miss, or miss to hit)."""
    outcomes = store.outcomes(ids)
    changed = next(outcomes[i] for i in ids if outcomes[i].status in ("hit", "miss"))
    store.save_outcomes([replace(changed, status="miss" if changed.status == "hit" else "hit")])
    return changed


def _counting_loads(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    loaded: list[list[str]] = []
    load = StoreSource.load

    def counting(self: StoreSource, ids: Sequence[str]) -> list[tuple[Claim, Outcome | None]]:
        loaded.append(list(ids))
        return load(self, ids)

    monkeypatch.setattr(StoreSource, "load", counting)
    return loaded


def _counting_batches(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The claim ids of each listing batch whose claim pages are drawn."""
    drawn: list[list[str]] = []
    claim_pages = render_module._claim_pages

    def counting(*args: Any) -> None:
        drawn.append([row.claim.claim_id for row in args[2]])
        claim_pages(*args)

    monkeypatch.setattr(render_module, "_claim_pages", counting)
    return drawn


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    # 45 claims: an index of the 10 latest, listing pages of 7, so 7 batches
    monkeypatch.setattr(render_module, "INDEX_ROWS", 10)
    monkeypatch.setattr(render_module, "LISTING_ROWS", 7)


@pytest.mark.usefixtures("small_pages")
def test_report_drawn_again_from_an_unchanged_store_reads_only_the_index_rows(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    before = _files(out)
    loaded = _counting_loads(monkeypatch)
    again = render_report(stages.report_input(store, settings), out)
    assert [len(ids) for ids in loaded] == [10]  # the index's latest claims, nothing else
    assert [p.name for p in again.written] == ["index.html", "claims.md", "summary.md"]
    assert _files(out) == before  # claims.md too, put together from its kept parts
    store.close()


@pytest.mark.usefixtures("small_pages")
def test_report_after_one_outcome_changed_reads_its_batch_and_equals_a_fresh_report(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    changed = _turn_one_decision(store, store.claim_ids())
    drawn = _counting_batches(monkeypatch)  # the listing batches drawn again
    again = render_report(stages.report_input(store, settings), out)

    assert drawn == [[changed.claim_id]]  # in one batch of seven, the one claim read
    redrawn = {p.name for p in again.written if p.parent.name == "claims"}
    assert redrawn == {f"{changed.claim_id}.html"}
    render_report(stages.report_input(store, settings), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


def test_report_reads_a_manifest_written_before_batches_as_its_pages(tmp_path: Path) -> None:
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "a1.html").write_text("<p>a1</p>", encoding="utf-8")
    (tmp_path / MANIFEST).write_text(json.dumps({"claims/a1.html": "k1"}), encoding="utf-8")
    previous = read_previous(tmp_path)
    assert previous.pages == {"claims/a1.html": "k1"} and previous.batches == {}
    assert previous.has("claims/a1.html", "k1") and not previous.has("claims/a1.html", "k2")
    assert not previous.has("claims/a2.html", None)


def _card(**values: object) -> Scorecard:
    base = Scorecard(
        "Ann Lee",
        None,
        12,
        10,
        6,
        2,
        0,
        0,
        0.6,
        0.31,
        0.83,
        0.75,
        0.55,
        0.9,
        4.2,
        1.1,
        0.5512,
        True,
    )
    return replace(base, **values)  # type: ignore[arg-type]


def test_forecaster_page_key_moves_with_what_the_page_prints_only() -> None:
    filters = render_module._environment().filters
    printed = card_as_printed(_card(), filters)
    assert card_as_printed(_card(shrunk_rate=0.5514), filters) == printed  # 55% either way
    assert card_as_printed(_card(shrunk_rate=0.5612), filters) != printed  # 56%
    assert card_as_printed(_card(mean_excess=1.14), filters) == printed  # +1.1%
    assert card_as_printed(_card(mean_excess=1.16), filters) != printed  # +1.2%
    assert card_as_printed(_card(p_vs_half=0.7504), filters) == printed  # 0.750
    assert card_as_printed(_card(hits=7), filters) != printed


@pytest.mark.usefixtures("small_pages")
def test_report_keys_a_batch_on_the_price_series_its_claims_show_only(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    first = stages.report_input(store, settings)
    assert isinstance(first, StoreSource)
    render_report(first, out)
    loaded = _counting_loads(monkeypatch)
    # a series the next day's new claims need arrives: no page shows it yet
    extra = pd.Series([10.0, 11.0], index=pd.bdate_range("2024-01-02", periods=2))
    render_report(_with_closes(first, {**first.closes, "ZZZZ": extra}), out)
    assert [len(ids) for ids in loaded] == [10]  # the index's rows only
    # one series corrected: the batches whose claims show it are read again, not the rest
    claims = store.claims()
    uses = {s: sum(s in (c.subject, c.benchmark) for c in claims) for s in sorted(first.closes)}
    symbol = min((n, s) for s, n in uses.items() if n)[1]  # the series fewest claims show
    corrected = first.closes[symbol].copy()
    corrected.iloc[len(corrected) // 2] *= 1.5
    loaded.clear()
    render_report(_with_closes(first, {**first.closes, symbol: corrected}), out)
    read = {i for ids in loaded for i in ids}
    shown = {c.claim_id for c in claims if symbol in (c.subject, c.benchmark)}
    assert shown and shown <= read and len(read) < len(store.claim_ids())
    render_report(_with_closes(first, {**first.closes, symbol: corrected}), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


def test_report_losing_its_last_listing_page_redraws_the_page_before_only(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    monkeypatch.setattr(render_module, "INDEX_ROWS", 10)
    monkeypatch.setattr(render_module, "LISTING_ROWS", 11)  # 45 claims: 4 pages and 1 claim
    out = tmp_path / "report"
    source = stages.report_input(store, settings)
    render_report(source, out)
    summary = source.summary()
    last = str(summary["claim_id"].iloc[render_module._listing_order(summary)[-1]])
    with store.db.conn:  # the latest claim leaves the record
        store.db.execute("delete from claims where claim_id = ?", [last])
    drawn = _counting_batches(monkeypatch)
    again = render_report(stages.report_input(store, settings), out)
    # page 4 loses its link to page 5: it is drawn again, of the rows in place
    assert drawn == [[]] and "listing/page-4.html" in again.drawn
    assert not (out / "listing" / "page-5.html").exists()
    render_report(stages.report_input(store, settings), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


def test_forecaster_page_gives_its_place_as_a_percentile_of_the_ranked(
    tmp_path: Path,
) -> None:
    article = make_article("IWM could rally 10% in the coming month.")
    claims, outcomes = [], {}
    for person, hits in (("Ann Lee", 6), ("Bo Park", 3), ("Cy Diaz", 1)):
        for i in range(6):
            claim = make_claim(article, claim_id=f"{person[:2]}{i}", forecaster=person)
            claims.append(claim)
            outcomes[claim.claim_id] = Outcome(
                claim.claim_id, "hit" if i < hits else "miss", None, "graded"
            )
    render_report(ReportInput(claims, outcomes), tmp_path)
    page = (tmp_path / "forecasters" / "cy-diaz.html").read_text(encoding="utf-8")
    assert "In the top 100% of ranked forecasters" in page  # third of three
    assert "In the top 34% of ranked forecasters" in (
        tmp_path / "forecasters" / "ann-lee.html"
    ).read_text(encoding="utf-8")


@pytest.mark.usefixtures("small_pages")
def test_report_keeps_each_batch_s_page_keys_beside_it_and_not_in_the_manifest(
    graded: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert {rel.split("/")[0] for rel in manifest["pages"]} == {"forecasters"}
    listed: dict[str, str] = {}
    claims: list[str] = []
    for number, record in manifest["batches"].items():
        keys = json.loads((out / ".parts" / f"claims-{int(number) + 1}.keys.json").read_text())
        assert record["pages"] == len(keys["pages"])
        listed |= keys["pages"]
        claims += [claim_id for claim_id, key, _ in keys["claims"] if key]
    assert sorted(claims) == sorted(store.claim_ids())  # each claim's own key
    assert len(manifest["batches"]) == 7 and len(listed) == 45 + 7  # and a listing page each
    assert sorted(rel for rel in listed if rel.startswith("claims/")) == sorted(
        f"claims/{p.name}" for p in (out / "claims").iterdir()
    )
    store.close()


@pytest.mark.usefixtures("small_pages")
def test_report_after_an_earlier_claim_came_in_draws_only_its_page_though_every_batch_moved(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    early = date(2001, 1, 2)
    article = make_article("SPY may climb 4% by March.", published=early)
    store.save_articles([article])
    claim = make_claim(article, claim_id="early", subject="SPY", published=early)
    store.save_extraction([(article.article_id, [claim])], "v1")
    drawn = _counting_batches(monkeypatch)
    again = render_report(stages.report_input(store, settings), out)
    # every batch moved (each claim a place on), and each claim pushed into the next
    # batch finds its own key there: only the new claim is read, and no page but its own
    # and the listing pages is drawn again
    assert drawn == [["early"]] + [[]] * 6
    assert {p.name for p in again.written if p.parent.name == "claims"} == {"early.html"}
    render_report(stages.report_input(store, settings), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


@pytest.mark.usefixtures("small_pages")
def test_report_in_html_after_a_markdown_only_one_draws_every_claim_page(
    graded: tuple[Store, Settings], tmp_path: Path
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out, formats=("md",))
    assert not (out / "claims").exists() or not any((out / "claims").iterdir())
    again = render_report(stages.report_input(store, settings), out)
    assert len([p for p in again.written if p.parent.name == "claims"]) == 45
    store.close()


@pytest.mark.usefixtures("small_pages")
def test_report_after_the_next_day_s_closes_draws_only_the_batches_whose_charts_reach_them(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    first = stages.report_input(store, settings)
    render_report(first, out)
    following = {}
    for symbol, series in first.closes.items():
        day = series.index[-1] + pd.offsets.BDay(1)
        following[symbol] = pd.concat([series, pd.Series([series.iloc[-1] * 1.01], index=[day])])
    summary = first.summary()
    order = render_module._listing_order(summary)
    ends, (codes, names) = (
        render_module._chart_ends(summary),
        render_module._symbol_columns(summary),
    )
    reaching = {  # the places in the listing of the claims whose charts reach the new day
        place
        for place, at in enumerate(order)
        for code in codes[:, at]
        if code >= 0
        and names[code] in following
        and ends[at] >= following[names[code]].index[-1].value
    }
    assert 0 < len(reaching) < 45  # the pending claims, not the rest
    drawn = _counting_batches(monkeypatch)
    render_report(_with_closes(first, following), out)
    ids = [str(i) for i in summary["claim_id"].to_numpy()[order]]
    batches = sorted({place // 7 for place in reaching})
    assert drawn == [[ids[p] for p in sorted(reaching) if p // 7 == n] for n in batches]
    render_report(_with_closes(first, following), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


@pytest.mark.usefixtures("small_pages")
def test_report_on_the_next_grading_date_draws_only_what_was_graded_again(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    outcomes = store.outcomes(store.claim_ids())
    pending = next(o for o in outcomes.values() if o.status == "pending")
    later = max(o.as_of for o in outcomes.values()) + timedelta(days=1)
    store.save_outcomes([replace(pending, as_of=later)])  # graded again, still pending
    drawn = _counting_batches(monkeypatch)
    again = render_report(replace(stages.report_input(store, settings), as_of=later), out)
    assert drawn == [[pending.claim_id]]  # not every page: the run's date is on the index
    forecaster = next(c.forecaster for c in store.claims([pending.claim_id]))
    pages = [p for p in again.written if p.parent.name == "forecasters"]
    assert len(pages) == 1 and f"graded as of {later}" in pages[0].read_text(encoding="utf-8")
    assert f"As of {later}" in (out / "index.html").read_text(encoding="utf-8")
    others = {c.forecaster for c in store.claims()} - {forecaster}
    assert others and all(
        f"graded as of {later}" not in p.read_text(encoding="utf-8")
        for p in (out / "forecasters").iterdir()
        if p != pages[0]
    )
    store.close()


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("damage", ["rows", "keys"])
def test_report_draws_every_claim_of_a_batch_whose_rows_in_place_cannot_be_read(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    changed = _turn_one_decision(store, store.claim_ids())
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    number = next(
        int(n)
        for n in manifest["batches"]
        if f"claims/{changed.claim_id}.html"
        in json.loads((out / ".parts" / f"claims-{int(n) + 1}.keys.json").read_text())["pages"]
    )
    if damage == "rows":  # a listing page whose rows cannot be told apart
        page = out / "listing" / f"page-{number + 1}.html"
        page.write_text(page.read_text(encoding="utf-8").replace('<tr data-claim="', "<tr "))
    else:  # a keys file as written before each claim's key was kept: its pages alone
        keys = out / ".parts" / f"claims-{number + 1}.keys.json"
        keys.write_text(json.dumps(json.loads(keys.read_text())["pages"]), encoding="utf-8")
    drawn = _counting_batches(monkeypatch)
    render_report(stages.report_input(store, settings), out)
    assert [len(batch) for batch in drawn] == [7] and changed.claim_id in drawn[0]
    render_report(stages.report_input(store, settings), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()


def test_listing_rows_are_found_by_claim_with_what_each_row_holds() -> None:
    html = (
        '<table><tbody>\n<tr data-claim="a1" data-status="hit">\n<td>x &lt;/tr&gt;</td>\n</tr>\n'
        '<tr data-claim="b2" data-status="pending"><td>y</td></tr>\n</tbody></table>'
    )
    rows = listing_rows(html)
    assert list(rows) == ["a1", "b2"]
    assert rows["a1"].endswith("x &lt;/tr&gt;</td>\n</tr>") and rows["a1"].startswith("<tr ")
    assert rows["b2"] == '<tr data-claim="b2" data-status="pending"><td>y</td></tr>'
    assert listing_rows("<p>no table</p>") == {}


@pytest.mark.usefixtures("small_pages")
def test_forecaster_page_drawn_again_reads_only_its_calls_that_changed(
    graded: tuple[Store, Settings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, settings = graded
    out = tmp_path / "report"
    render_report(stages.report_input(store, settings), out)
    claims = store.claims()
    forecaster = Counter(c.forecaster for c in claims).most_common(1)[0][0]
    mine = [c.claim_id for c in claims if c.forecaster == forecaster]
    changed = _turn_one_decision(store, mine)
    loaded = _counting_loads(monkeypatch)
    again = render_report(stages.report_input(store, settings), out)
    pages = [p for p in again.written if p.parent.name == "forecasters"]
    row = f'data-claim="{changed.claim_id}"'
    assert len(mine) > 2 and any(row in p.read_text("utf-8") for p in pages)
    # the claim's batch and its forecaster's page read it alone (other pages drawn again,
    # for a card that moved, read none of their calls), the index its 10 rows
    assert loaded.count([changed.claim_id]) == 2 and sorted(map(len, loaded))[-1] == 10
    assert sum(map(len, loaded)) == 12
    render_report(stages.report_input(store, settings), tmp_path / "fresh")
    assert _files(out) == _files(tmp_path / "fresh")
    store.close()
