"""Price-data flags in the report: a claim resting on a suspect series says so, on its page
and on the index; a claim on a clean series, or away from the flagged stretch, does not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.extract.market_calendar import is_trading_day
from pipeline.models import Outcome
from pipeline.prices.quality import SeriesFlag
from pipeline.report.flags import claim_flags, flagged_symbols, flags_by_symbol
from pipeline.report.render import ReportInput, render_report
from pipeline.run import report, track
from pipeline.settings import Settings
from pipeline.store.database import Store

from ..conftest import make_article, make_claim

WARNING = "Price data warning"
SPLIT_DAY = date(2024, 2, 15)


def sessions(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if is_trading_day(d)]


def closes(days: list[date], start: float, seed: int) -> pd.Series:
    """A quiet random walk (1% a day), the same on every run."""
    moves = np.random.default_rng(seed).normal(0.0, 0.01, len(days) - 1)
    values = start * np.exp(np.concatenate([[0.0], np.cumsum(moves)]))
    return pd.Series(values, index=pd.DatetimeIndex(days))


def write_prices(folder: Path, symbol: str, series: pd.Series) -> None:
    lines = ["date,open,high,low,close,adj_close,volume"]
    lines += [
        f"{d:%Y-%m-%d},{v:.4f},{v:.4f},{v:.4f},{v:.4f},{v:.4f},1000" for d, v in series.items()
    ]
    (folder / f"{symbol}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_flags_report_warns_on_the_claim_page_and_the_index(tmp_path: Path, store: Store) -> None:
    days = sessions(date(2023, 6, 1), date(2024, 6, 28))
    acme = closes(days, 50.0, seed=1)
    acme[acme.index < pd.Timestamp(SPLIT_DAY)] *= 2  # a 2:1 split the file does not adjust for
    folder = tmp_path / "prices"
    folder.mkdir()
    write_prices(folder, "ACME", acme)
    write_prices(folder, "IWM", closes(days, 200.0, seed=2))
    settings = Settings(db_path=tmp_path / "t.db", progress=False).with_overrides(
        report={"out_dir": tmp_path / "reports"}, prices={"dir": folder}
    )
    article = make_article("ACME could rally 10% by March; IWM too.")
    window = {"published": date(2024, 1, 16), "horizon_start": date(2024, 1, 16)}
    claims = [
        make_claim(
            article, claim_id="split", subject="ACME", **window, horizon_end=date(2024, 3, 15)
        ),
        make_claim(
            article, claim_id="clean", subject="IWM", **window, horizon_end=date(2024, 3, 15)
        ),
        make_claim(
            article,
            claim_id="before",
            subject="ACME",
            published=date(2023, 7, 3),
            horizon_start=date(2023, 7, 3),
            horizon_end=date(2023, 9, 29),
        ),
    ]
    store.save_articles([article])
    store.save_extraction([(article.article_id, claims)], "v")
    track(store, settings)
    report(store, settings)

    graded = store.outcomes()
    assert graded["split"].status == "miss"  # graded as usual on the halved prices: flag only
    out = settings.report.out_dir
    page = (out / "claims" / "split.html").read_text(encoding="utf-8")
    assert WARNING in page and "the verdict may rest on bad data" in page
    assert "ACME: likely unadjusted split</strong>, 2024-02-14 to 2024-02-15" in page
    assert "the size of a 2:1 split, so prices before 2024-02-15 are likely not adjusted" in page
    for clean in ("clean", "before"):
        assert WARNING not in (out / "claims" / f"{clean}.html").read_text(encoding="utf-8")

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Price data warnings" in index
    assert "1 price series has suspect stretches" in index and "1 claim touches them" in index
    assert "<strong>ACME</strong>: 1 likely unadjusted split (1 claim)" in index
    assert "<strong>IWM</strong>" not in index
    rows = index.split('<tr data-claim="')
    flagged = [r for r in rows if "price data flagged: likely unadjusted split" in r]
    assert len(flagged) == 1 and 'href="claims/split.html"' in flagged[0]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "| ACME | 1 likely unadjusted split | 1 |" in summary
    listed = (out / "claims.md").read_text(encoding="utf-8")
    assert listed.count("(price data flagged)") == 1
    scorecard = next((out / "forecasters").glob("*.html")).read_text(encoding="utf-8")
    assert scorecard.count("price data flagged") == 1


def test_flags_report_shows_no_warning_for_clean_series(tmp_path: Path) -> None:
    days = sessions(date(2024, 1, 2), date(2024, 6, 28))
    claim = make_claim(make_article(), published=date(2024, 1, 16), horizon_end=date(2024, 3, 15))
    outcome = Outcome(
        claim.claim_id,
        "hit",
        date(2024, 6, 28),
        "rose",
        series="IWM",
        start_date=date(2024, 1, 16),
        end_date=date(2024, 3, 15),
    )
    data = ReportInput([claim], {claim.claim_id: outcome}, closes={"IWM": closes(days, 200.0, 3)})
    render_report(data, tmp_path)
    assert "Price data warning" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert WARNING not in (tmp_path / "claims" / "c1.html").read_text(encoding="utf-8")
    assert "Price data warnings" not in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_flags_report_escapes_a_hostile_symbol(tmp_path: Path) -> None:
    evil = '<script>alert("flag")</script>'
    days = sessions(date(2024, 1, 2), date(2024, 6, 28))
    series = closes(days, 200.0, 4)
    series = series.drop(series["2024-02-05":"2024-02-09"].index)  # a gap of a week
    claim = make_claim(
        make_article(), subject=evil, published=date(2024, 1, 16), horizon_end=date(2024, 3, 15)
    )
    outcome = Outcome(
        claim.claim_id,
        "miss",
        date(2024, 6, 28),
        "fell",
        series=evil,
        start_date=date(2024, 1, 16),
        end_date=date(2024, 3, 15),
    )
    render_report(ReportInput([claim], {claim.claim_id: outcome}, closes={evil: series}), tmp_path)
    for page in (tmp_path / "index.html", tmp_path / "claims" / "c1.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(" not in html, page.name
        assert "&lt;script&gt;alert(&#34;flag&#34;)&lt;/script&gt;" in html, page.name
    page = (tmp_path / "claims" / "c1.html").read_text(encoding="utf-8")
    assert "gap</strong>, 2024-02-05 to 2024-02-09: no prices for 5 NYSE trading sessions" in page
    assert "<script>" not in (tmp_path / "summary.md").read_text(encoding="utf-8")


def flag(kind: str, start: date, end: date, symbol: str = "ACME") -> SeriesFlag:
    return SeriesFlag(symbol, kind, start, end, "why")  # type: ignore[arg-type]


def test_flags_a_claim_touches_the_flags_of_its_series_and_benchmark_inside_its_span() -> None:
    claim = make_claim(
        make_article(),
        subject="ACME",
        kind="relative",
        benchmark="^GSPC",
        published=date(2024, 1, 16),
        horizon_start=date(2024, 2, 1),
        horizon_end=date(2024, 3, 15),
    )
    outcome = Outcome(
        claim.claim_id,
        "pending",
        date(2024, 3, 1),
        "open",
        series="ACME",
        start_date=date(2024, 2, 1),
        benchmark_series="SPY",
    )
    inside = flag("jump", date(2024, 1, 19), date(2024, 1, 22))  # after publication
    after = flag("gap", date(2024, 3, 18), date(2024, 3, 20))
    bench = flag("gap", date(2024, 3, 4), date(2024, 3, 6), "SPY")
    flags = {
        "ACME": [inside, after],
        "SPY": [bench],
        "^GSPC": [flag("jump", *[date(2024, 3, 1)] * 2)],
    }
    assert claim_flags(claim, outcome, flags) == (inside, bench)  # SPY was graded, not ^GSPC
    assert claim_flags(claim, None, flags) == ()  # not tracked: no series yet
    assert claim_flags(claim, outcome, {}) == ()


def test_flags_a_split_after_publication_touches_a_level_claim_even_past_its_window() -> None:
    # the stated $80 was put on the series' basis by the splits after it was stated, so a
    # split the series does not reflect moves the level, whenever it happened
    window = {"subject": "ACME", "published": date(2024, 1, 16), "horizon_end": date(2024, 3, 15)}
    target = make_claim(make_article(), kind="target", target_low=80.0, **window)
    move = make_claim(make_article(), kind="move", move_pct=10.0, **window)
    later = flag("split", date(2024, 6, 7), date(2024, 6, 10))
    earlier = flag("split", date(2023, 6, 7), date(2023, 6, 8))
    flags = {"ACME": [earlier, later]}
    outcome = Outcome(
        "c1",
        "miss",
        date(2024, 7, 1),
        "never reached",
        series="ACME",
        start_date=window["published"],
    )
    assert claim_flags(target, outcome, flags) == (later,)
    assert claim_flags(move, outcome, flags) == ()  # a return inside the window is unharmed


def test_flags_index_line_counts_each_kind_and_the_claims_touched() -> None:
    gaps = [
        flag("gap", date(2024, 1, 2), date(2024, 1, 5)),
        flag("gap", date(2024, 2, 5), date(2024, 2, 9)),
    ]
    split = flag("split", date(2024, 3, 1), date(2024, 3, 4))
    other = flag("jump", date(2024, 3, 1), date(2024, 3, 4), "XYZ")
    lines = flagged_symbols(
        {"ACME": [*gaps, split], "XYZ": [other]}, [(gaps[0], split), (gaps[1],), ()]
    )
    assert [(f.symbol, f.found, f.claims) for f in lines] == [
        ("ACME", "2 gaps, 1 likely unadjusted split", 2),
        ("XYZ", "1 absurd jump", 0),
    ]


def test_flags_a_close_that_is_no_price_is_left_out_of_the_check() -> None:
    days = sessions(date(2024, 1, 2), date(2024, 3, 28))
    series = closes(days, 100.0, 5)
    series.iloc[[10, 20]] = [0.0, np.nan]  # from a cache older than the checks at the door
    assert flags_by_symbol({"IWM": series}) == {}
    series.iloc[30:] /= 4
    assert [f.kind for f in flags_by_symbol({"IWM": series})["IWM"]] == ["split"]
