"""Resolution rules on real prices from ../shared/prices.

Each expectation is computed here straight from the CSV with pandas (first close on or
after the window start, last close on or before its end, first close that reaches the
level), independently of pipeline.track, and the headline figures are pinned too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.models import Claim
from pipeline.prices import CsvFolderProvider, PriceBook
from pipeline.track import resolve_claim

from .conftest import make_article, make_claim

AS_OF = date(2025, 12, 31)


@pytest.fixture(scope="module")
def book(prices_dir: Path) -> PriceBook:
    provider = CsvFolderProvider(prices_dir)
    symbols = ["IWM", "^RUT", "SPY", "^GSPC", "NVDA", "QQQ", "^NDX"]
    return PriceBook(
        closes={s: provider.fetch(s)["close"] for s in symbols},
        splits={s: provider.splits(s) for s in symbols},
    )


def closes(prices_dir: Path, name: str) -> pd.Series:
    return pd.read_csv(prices_dir / name, parse_dates=["date"], index_col="date")["close"]


def claim(**changes: object) -> Claim:
    return make_claim(make_article(), **changes)


def window_return(series: pd.Series, start: str, end: str) -> float:
    inside = series[start:end]
    return (inside.iloc[-1] / inside.iloc[0] - 1) * 100


def test_track_one_month_long_iwm_is_a_hit(book: PriceBook, prices_dir: Path) -> None:
    c = claim(kind="direction", move_pct=None, horizon_end=date(2023, 12, 28))
    outcome = resolve_claim(c, book, AS_OF)
    expected = window_return(closes(prices_dir, "IWM.csv"), "2023-11-28", "2023-12-28")
    assert outcome.status == "hit"
    assert outcome.return_pct == pytest.approx(expected, abs=1e-3)
    assert 12 < expected < 16  # IWM rose about 13-15% into late December 2023


def test_track_double_the_sp500_in_first_half_2024_is_a_miss(
    book: PriceBook, prices_dir: Path
) -> None:
    c = claim(
        kind="relative",
        move_pct=None,
        benchmark="^GSPC",
        ratio=2.0,
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 6, 30),
        published=date(2023, 12, 18),
    )
    outcome = resolve_claim(c, book, AS_OF)
    iwm = window_return(closes(prices_dir, "IWM.csv"), "2024-01-01", "2024-06-30")
    spx = window_return(closes(prices_dir, "GSPC.csv"), "2024-01-01", "2024-06-30")
    assert outcome.status == "miss"
    assert outcome.start_date == date(2024, 1, 2)
    assert outcome.return_pct == pytest.approx(iwm, abs=1e-3)
    assert outcome.benchmark_return_pct == pytest.approx(spx, abs=1e-3)
    assert abs(iwm) < 3 and 13 < spx < 17  # IWM about flat, the S&P 500 up about 15%


def test_track_iwm_70_percent_with_default_horizon_is_a_miss(
    book: PriceBook, prices_dir: Path
) -> None:
    c = claim(
        move_pct=70.0, horizon_end=date(2024, 11, 28), horizon_assumed=True, horizon_text=None
    )
    outcome = resolve_claim(c, book, AS_OF)
    iwm = closes(prices_dir, "IWM.csv")
    assert outcome.status == "miss"
    assert outcome.best_price == pytest.approx(iwm["2023-11-28":"2024-11-28"].max())
    assert 240 < outcome.best_price < 246 < 300 < outcome.start_price * 1.7  # type: ignore[operator]


def test_track_spx_5500_6000_target_is_a_hit_on_first_close_above_5500(
    book: PriceBook, prices_dir: Path
) -> None:
    c = claim(
        subject="^GSPC",
        kind="target",
        move_pct=None,
        target_low=5500.0,
        target_high=6000.0,
        horizon_end=date(2024, 11, 28),
    )
    outcome = resolve_claim(c, book, AS_OF)
    spx = closes(prices_dir, "GSPC.csv")["2023-11-28":"2024-11-28"]
    first = spx[spx >= 5500].index[0].date()
    assert (outcome.status, outcome.series, outcome.hit_date) == ("hit", "^GSPC", first)
    assert first.year == 2024
    assert outcome.days_to_hit == (first - date(2023, 11, 28)).days


def test_track_index_level_checked_on_series_it_fits(book: PriceBook) -> None:
    etf_scale = resolve_claim(
        claim(
            subject="^RUT",
            kind="target",
            move_pct=None,
            target_low=300.0,
            target_high=300.0,
            horizon_end=date(2024, 11, 28),
        ),
        book,
        AS_OF,
    )
    index_scale = resolve_claim(
        claim(
            subject="IWM",
            kind="target",
            move_pct=None,
            target_low=2000.0,
            target_high=2000.0,
            horizon_end=date(2024, 11, 28),
        ),
        book,
        AS_OF,
    )
    assert etf_scale.series == "IWM" and etf_scale.status == "miss"
    assert index_scale.series == "^RUT" and index_scale.status == "hit"


def test_track_pre_split_target_uses_split_adjusted_basis(
    book: PriceBook, prices_dir: Path
) -> None:
    c = claim(
        subject="NVDA",
        kind="target",
        move_pct=None,
        target_low=500.0,
        target_high=500.0,
        published=date(2023, 5, 25),
        horizon_start=date(2023, 5, 25),
        horizon_end=date(2024, 5, 25),
    )
    outcome = resolve_claim(c, book, AS_OF)
    nvda = closes(prices_dir, "NVDA.csv")["2023-05-25":"2024-05-25"]
    assert outcome.status == "hit"
    assert outcome.hit_date == nvda[nvda >= 50.0].index[0].date()
    assert "10:1 split" in outcome.reason


def test_track_negated_move_is_a_hit_when_it_did_not_happen(book: PriceBook) -> None:
    c = claim(
        subject="NVDA",
        move_pct=250.0,
        negated=True,
        published=date(2023, 12, 18),
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 12, 31),
    )
    assert resolve_claim(c, book, AS_OF).status == "hit"


def test_track_conditional_undated_and_unpriced(book: PriceBook) -> None:
    assert resolve_claim(claim(conditional=True), book, AS_OF).status == "excluded"
    undated = resolve_claim(
        claim(published=None, horizon_start=None, horizon_end=None), book, AS_OF
    )
    assert undated.status == "no_date" and "--published" in undated.reason
    missing = resolve_claim(claim(subject="TSLA"), book, AS_OF)
    assert missing.status == "no_data" and "TSLA.csv" in missing.reason


def test_track_pending_until_window_closes_then_decided(book: PriceBook) -> None:
    c = claim(move_pct=70.0, horizon_end=date(2024, 11, 28))
    early = resolve_claim(c, book, date(2024, 3, 1))
    assert early.status == "pending" and early.as_of == date(2024, 3, 1)
    assert early.end_date is not None and early.end_date <= date(2024, 3, 1)
    assert resolve_claim(c, book, date(2024, 12, 2)).status == "miss"
    later_window = replace(
        c,
        kind="relative",
        move_pct=None,
        benchmark="^GSPC",
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 6, 30),
    )
    assert resolve_claim(later_window, book, date(2023, 12, 15)).status == "pending"


def test_track_never_uses_prices_after_as_of(book: PriceBook) -> None:
    as_of = date(2024, 2, 15)
    outcome = resolve_claim(claim(move_pct=70.0, horizon_end=date(2024, 11, 28)), book, as_of)
    assert outcome.end_date is not None and outcome.end_date <= as_of
