"""Resolution rules on real prices from ../shared/prices.

Each expectation is computed here straight from the CSVs with pandas, independently of
pipeline.track: the entry is the first close on or after the window start, the end the last
close on or before the window end (or as_of), a level is reached on the first close at or
beyond it. The headline figures are also pinned as numbers read off the CSVs, so a test
says what the data shows, not only that two computations agree.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.models import Claim, Outcome
from pipeline.prices.book import CsvFolderProvider, PriceBook
from pipeline.settings import Settings
from pipeline.track.resolve import reconcile_outcomes, resolve_claim, resolve_claims

from ..conftest import make_article, make_claim

AS_OF = date(2025, 12, 31)
SYMBOLS = ["IWM", "^RUT", "SPY", "^GSPC", "NVDA", "QQQ", "^NDX", "DIA", "AOSL"]


@pytest.fixture(scope="module")
def book(prices_dir: Path) -> PriceBook:
    provider = CsvFolderProvider(prices_dir)
    return PriceBook(
        closes={s: provider.fetch(s)["close"] for s in SYMBOLS},
        splits={s: provider.splits(s) for s in SYMBOLS},
        providers=dict.fromkeys(SYMBOLS, "csv"),
    )


def closes(prices_dir: Path, name: str) -> pd.Series:
    return pd.read_csv(prices_dir / name, parse_dates=["date"], index_col="date")["close"]


def claim(**changes: object) -> Claim:
    return make_claim(make_article(), **changes)


def window_return(series: pd.Series, start: str, end: str) -> float:
    inside = series[start:end]
    return (inside.iloc[-1] / inside.iloc[0] - 1) * 100


def drift(pct_per_year: float, start: date, end: date) -> float:
    """The README's drift rule, written out: compound the yearly rate over the calendar
    days between the first and the last close."""
    return ((1 + pct_per_year / 100) ** ((end - start).days / 365.25) - 1) * 100


# -- the four cases of the issue ------------------------------------------------------


def test_track_one_month_long_iwm_is_a_hit(book: PriceBook, prices_dir: Path) -> None:
    """IWM closed 178.04 on 2023-11-28 and 204.04 on 2023-12-28: +14.60%, a hit. Net of
    the 8%/yr drift over those 30 days (+0.63%) it is still +13.97%: a hit net of drift."""
    c = claim(kind="direction", move_pct=None, horizon_end=date(2023, 12, 28))
    outcome = resolve_claim(c, book, AS_OF)
    expected = window_return(closes(prices_dir, "IWM.csv"), "2023-11-28", "2023-12-28")
    assert (outcome.start_price, outcome.end_price) == (178.04, 204.04)
    assert outcome.status == "hit" and outcome.net_status == "hit"
    assert (
        outcome.return_pct == pytest.approx(expected, abs=1e-3) == pytest.approx(14.6035, abs=1e-3)
    )
    assert outcome.drift_pct == pytest.approx(
        drift(8.0, date(2023, 11, 28), date(2023, 12, 28)), abs=1e-4
    )
    assert outcome.drift_pct == pytest.approx(0.6341, abs=1e-3)
    assert outcome.net_return_pct == pytest.approx(expected - outcome.drift_pct, abs=1e-3)
    assert (outcome.best_price, outcome.worst_price) == (204.82, 178.04)  # max and min inside
    assert outcome.hit_date is None  # a direction call has no level to hit


def test_track_double_the_sp500_in_first_half_2024_is_a_miss(
    book: PriceBook, prices_dir: Path
) -> None:
    """IWM 199.52 (2024-01-02) -> 202.89 (2024-06-28): +1.69%. ^GSPC 4742.83 -> 5460.48:
    +15.13%. Doubling needs +30.26%: a miss."""
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
    assert (outcome.start_date, outcome.end_date) == (date(2024, 1, 2), date(2024, 6, 28))
    assert outcome.return_pct == pytest.approx(iwm, abs=1e-3) == pytest.approx(1.6891, abs=1e-3)
    assert outcome.benchmark_return_pct == pytest.approx(spx, abs=1e-3)
    assert outcome.benchmark_return_pct == pytest.approx(15.1313, abs=1e-3)
    assert outcome.excess_return_pct == pytest.approx(iwm - spx, abs=1e-3)
    assert outcome.benchmark_series == "^GSPC"
    assert "2x the benchmark's +15.13% (needed +30.26%)" in outcome.reason


def test_track_iwm_70_percent_with_default_horizon_is_a_miss(
    book: PriceBook, prices_dir: Path
) -> None:
    """Entry 178.04 x 1.7 = 302.67; IWM's best close up to 2024-11-28 was 242.40
    (2024-11-25): a miss, with the at-horizon close of 2024-11-27 (240.95) reported."""
    c = claim(
        move_pct=70.0, horizon_end=date(2024, 11, 28), horizon_assumed=True, horizon_text=None
    )
    outcome = resolve_claim(c, book, AS_OF)
    iwm = closes(prices_dir, "IWM.csv")["2023-11-28":"2024-11-28"]
    assert outcome.status == "miss"
    assert outcome.level == pytest.approx(178.04 * 1.7)
    assert outcome.best_price == iwm.max() == 242.40
    assert (outcome.end_date, outcome.end_price) == (date(2024, 11, 27), 240.95)
    assert outcome.hit_date is None and outcome.days_to_hit is None


def test_track_level_below_entry_is_a_call_down(book: PriceBook, prices_dir: Path) -> None:
    """Mike Wilson's "S&P 500 will finish around 4,500 by the end of 2024", published
    2023-12-18 (entry close 4740.56): extracted as "up" from a neutral verb, graded as a
    call down because 4,500 lies below the entry. The lowest close from 2023-12-18 to
    2024-12-31 is 4688.68 (2024-01-04), never at or below 4,500: a miss, not a day-one hit."""
    c = claim(
        subject="^GSPC",
        kind="target",
        move_pct=None,
        target_low=4500.0,
        target_high=4500.0,
        published=date(2023, 12, 18),
        horizon_start=date(2023, 12, 18),
        horizon_end=date(2024, 12, 31),
    )
    outcome = resolve_claim(c, book, AS_OF)
    spx = closes(prices_dir, "GSPC.csv")["2023-12-18":"2024-12-31"]
    assert spx.iloc[0] > 4500 and spx.min() == 4688.68
    assert (outcome.status, outcome.hit_date, outcome.best_price) == ("miss", None, 4688.68)
    assert "at or below 4,500.00" in outcome.reason


def test_track_spx_5500_6000_target_is_a_hit_on_first_close_above_5500(
    book: PriceBook, prices_dir: Path
) -> None:
    """The range's low end is the level; ^GSPC first closed at or above 5500 on
    2024-07-02 (5509.01), 217 days after the 2023-11-28 entry."""
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
    assert first == date(2024, 7, 2)
    assert outcome.days_to_hit == (first - date(2023, 11, 28)).days == 217
    assert outcome.level == 5500.0


# -- series, scale and splits ---------------------------------------------------------


def test_track_index_level_checked_on_series_it_fits(book: PriceBook) -> None:
    """300 is an IWM price (IWM 178 at entry; ^RUT 1793): graded on IWM, never reached.
    2,000 is a Russell level: graded on ^RUT, first closed above it on 2023-12-14."""
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
    assert index_scale.hit_date == date(2023, 12, 14)


def test_track_index_level_is_never_compared_with_the_etf(book: PriceBook) -> None:
    """With only IWM prices, a Russell level of 2,000 has no series to be checked on."""
    only_etf = PriceBook(closes={"IWM": book.closes["IWM"], "^GSPC": book.closes["^GSPC"]})
    c = claim(subject="^RUT", kind="target", move_pct=None, target_low=2000.0, target_high=2000.0)
    outcome = resolve_claim(c, only_etf, AS_OF)
    assert outcome.status == "no_data" and outcome.series is None
    assert "fits none of the series with prices (IWM near 178.04)" in outcome.reason
    assert "RUT.csv" in outcome.reason


def test_track_pre_split_target_uses_split_adjusted_basis(
    book: PriceBook, prices_dir: Path
) -> None:
    """NVDA's $500 of 2023-05-25 is 50 after the 10:1 split of 2024-06-10; NVDA.csv first
    closes at or above 50 on 2023-11-20 (50.409)."""
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
    assert outcome.status == "hit" and outcome.level == 50.0
    assert outcome.hit_date == nvda[nvda >= 50.0].index[0].date() == date(2023, 11, 20)
    assert "10:1 split" in outcome.reason


# -- the other rules -------------------------------------------------------------------


def test_track_direction_up_in_a_slow_year_is_a_miss_net_of_drift(
    book: PriceBook, prices_dir: Path
) -> None:
    """^GSPC 2930.75 (2018-09-20) -> 2992.07 (2019-09-20): +2.09%, so "up" is a hit. The
    drift over those 365 days is 8.0%/yr compounded: +7.99%, so net of drift it is a miss."""
    c = claim(
        subject="^GSPC",
        kind="direction",
        move_pct=None,
        published=date(2018, 9, 20),
        horizon_start=date(2018, 9, 20),
        horizon_end=date(2019, 9, 20),
    )
    outcome = resolve_claim(c, book, AS_OF)
    expected = window_return(closes(prices_dir, "GSPC.csv"), "2018-09-20", "2019-09-20")
    assert (
        outcome.return_pct == pytest.approx(expected, abs=1e-3) == pytest.approx(2.0923, abs=1e-3)
    )
    assert outcome.drift_pct == pytest.approx(7.9944, abs=1e-3)
    assert (outcome.status, outcome.net_status) == ("hit", "miss")
    assert "a miss net of drift" in outcome.reason
    assert outcome.excess_return_pct == 0.0  # the S&P 500 against itself
    flat = resolve_claim(
        c, book, AS_OF, Settings().with_overrides(grading={"drift_pct_per_year": 0.0})
    )
    assert flat.net_status == "hit" and flat.drift_pct == 0.0


@pytest.mark.parametrize(
    ("subject", "direction", "ratio", "status", "subject_return"),
    [
        # QQQ 401.68 -> 280.28 = -30.22% against ^GSPC 4796.56 -> 3785.38 = -21.08%.
        # "Double the S&P's performance" in a falling market needs beating it by its own
        # size (needed 0.00%), not falling twice as far (-42.16% would have made it a hit).
        ("QQQ", "up", 2.0, "miss", -30.2231),
        # DIA 365.68 -> 307.82 = -15.82% beats -21.08%: outperform is a hit.
        ("DIA", "up", None, "hit", -15.8226),
        # IWM 225.32 -> 169.36 = -24.84% trails -21.08%: underperform is a hit.
        ("IWM", "down", None, "hit", -24.8358),
    ],
)
def test_track_relative_calls_in_the_first_half_of_2022(
    book: PriceBook,
    subject: str,
    direction: str,
    ratio: float | None,
    status: str,
    subject_return: float,
) -> None:
    c = claim(
        subject=subject,
        kind="relative",
        direction=direction,
        move_pct=None,
        benchmark="^GSPC",
        ratio=ratio,
        published=date(2021, 12, 20),
        horizon_start=date(2022, 1, 1),
        horizon_end=date(2022, 6, 30),
    )
    outcome = resolve_claim(c, book, AS_OF)
    assert outcome.status == status
    assert outcome.return_pct == pytest.approx(subject_return, abs=1e-3)
    assert outcome.benchmark_return_pct == pytest.approx(-21.0814, abs=1e-3)
    assert outcome.start_date == date(2022, 1, 3)  # the window's own first trading day


def test_track_down_target_hits_on_first_close_at_or_below(
    book: PriceBook, prices_dir: Path
) -> None:
    """^GSPC from 4399.77 (2023-08-21): first close at or below 4,200 on 2023-10-25
    (4186.77). For a down call the best close is the lowest (4117.37), the worst the
    highest (4783.35)."""
    c = claim(
        subject="^GSPC",
        kind="target",
        direction="down",
        move_pct=None,
        target_low=4200.0,
        target_high=4200.0,
        published=date(2023, 8, 21),
        horizon_start=date(2023, 8, 21),
        horizon_end=date(2023, 12, 31),
    )
    outcome = resolve_claim(c, book, AS_OF)
    spx = closes(prices_dir, "GSPC.csv")["2023-08-21":"2023-12-31"]
    assert outcome.status == "hit"
    assert outcome.hit_date == spx[spx <= 4200].index[0].date() == date(2023, 10, 25)
    assert (outcome.best_price, outcome.worst_price) == (spx.min(), spx.max()) == (4117.37, 4783.35)


def test_track_negated_move_is_a_hit_when_it_did_not_happen(
    book: PriceBook, prices_dir: Path
) -> None:
    """NVDA 48.168 on 2024-01-02 would need 168.59 for +250%; its 2024 high was 148.88
    (its low 47.569, the best close for a call that it will not rally)."""
    c = claim(
        subject="NVDA",
        move_pct=250.0,
        negated=True,
        published=date(2023, 12, 18),
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 12, 31),
    )
    outcome = resolve_claim(c, book, AS_OF)
    assert outcome.status == "hit" and outcome.hit_date is None
    nvda = closes(prices_dir, "NVDA.csv")["2024-01-01":"2024-12-31"]
    assert (outcome.start_price, outcome.level) == (48.168, pytest.approx(48.168 * 3.5))
    assert (outcome.best_price, outcome.worst_price) == (nvda.min(), nvda.max()) == (47.569, 148.88)
    failed = resolve_claim(replace(c, move_pct=100.0), book, AS_OF)  # 96.34 was reached
    assert failed.status == "miss" and failed.hit_date is not None
    assert "so the negated call failed" in failed.reason


def test_track_conditional_vague_undated_and_unpriced(book: PriceBook) -> None:
    conditional = resolve_claim(claim(conditional=True), book, AS_OF)
    assert conditional.status == "excluded" and "Conditional" in conditional.reason
    assert conditional.start_price == 178.04  # the numbers are still shown, for information
    assert conditional.hit_date is None  # but no hit date beside "excluded"
    vague = resolve_claim(claim(move_pct=None), book, AS_OF)
    assert vague.status == "excluded" and "Vague claim: a move with no percentage" in vague.reason
    undated = resolve_claim(
        claim(published=None, horizon_start=None, horizon_end=None), book, AS_OF
    )
    assert undated.status == "no_date" and "--published" in undated.reason
    missing = resolve_claim(claim(subject="TSLA"), book, AS_OF)
    assert missing.status == "no_data" and "TSLA.csv" in missing.reason


def test_track_no_data_names_why_the_provider_failed(book: PriceBook) -> None:
    offline = replace(book, missing={"TSLA": "stooq: cannot reach stooq.com"})
    outcome = resolve_claim(claim(subject="TSLA"), offline, AS_OF)
    assert outcome.reason.startswith("No prices for TSLA (TSLA: stooq: cannot reach stooq.com);")
    assert "save daily prices as TSLA.csv" in outcome.reason and "--prices DIR" in outcome.reason


def test_track_pending_until_window_closes_then_decided(book: PriceBook) -> None:
    c = claim(move_pct=70.0, horizon_end=date(2024, 11, 28))
    early = resolve_claim(c, book, date(2024, 3, 1))
    assert early.status == "pending" and early.as_of == date(2024, 3, 1)
    assert early.end_date is not None and early.end_date <= date(2024, 3, 1)
    assert early.return_pct is not None and early.best_price is not None  # numbers while open
    assert resolve_claim(c, book, date(2024, 12, 2)).status == "miss"
    later_window = replace(
        c,
        kind="relative",
        move_pct=None,
        benchmark="^GSPC",
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 6, 30),
    )
    not_open = resolve_claim(later_window, book, date(2023, 12, 20))
    assert not_open.status == "pending" and "The window opens on 2024-01-01" in not_open.reason


def test_track_window_ending_on_a_holiday_closes_with_the_next_close(book: PriceBook) -> None:
    """A window to 2024-12-25 (no trading): as of that day the last close is 12-24 and
    nothing shows the window is over; as of 12-26 a later close exists, so it is decided
    on the 12-24 close (223.39)."""
    c = claim(
        kind="direction",
        move_pct=None,
        published=date(2024, 11, 25),
        horizon_start=date(2024, 11, 25),
        horizon_end=date(2024, 12, 25),
    )
    assert resolve_claim(c, book, date(2024, 12, 25)).status == "pending"
    decided = resolve_claim(c, book, date(2024, 12, 26))
    assert decided.status == "miss" and (decided.end_date, decided.end_price) == (
        date(2024, 12, 24),
        223.39,
    )


def test_track_stale_prices_keep_a_claim_pending_or_without_data(book: PriceBook) -> None:
    """AOSL.csv ends on 2025-09-29."""
    running = claim(
        subject="AOSL",
        kind="direction",
        move_pct=None,
        published=date(2025, 6, 2),
        horizon_start=date(2025, 6, 2),
        horizon_end=date(2025, 12, 31),
    )
    outcome = resolve_claim(running, book, AS_OF)
    assert outcome.status == "pending" and outcome.end_date == date(2025, 9, 29)
    assert "AOSL's prices end on 2025-09-29; fetch newer prices (AOSL.csv)" in outcome.reason
    after = replace(running, published=date(2025, 10, 6), horizon_start=date(2025, 10, 6))
    outcome = resolve_claim(after, book, AS_OF)
    assert outcome.status == "no_data" and "its prices end on 2025-09-29" in outcome.reason


def test_track_never_uses_prices_after_as_of(book: PriceBook) -> None:
    as_of = date(2024, 2, 15)
    outcome = resolve_claim(claim(move_pct=70.0, horizon_end=date(2024, 11, 28)), book, as_of)
    assert outcome.end_date is not None and outcome.end_date <= as_of


# -- provenance and history ---------------------------------------------------------------


def test_track_outcome_names_its_price_data(book: PriceBook) -> None:
    c = claim(kind="direction", move_pct=None, horizon_end=date(2023, 12, 28))
    outcome = resolve_claim(c, book, AS_OF)
    assert outcome.provider == "csv" and outcome.as_of == AS_OF
    assert outcome.prices_digest is not None and len(outcome.prices_digest) == 16
    assert resolve_claim(c, book, AS_OF).prices_digest == outcome.prices_digest
    edited = book.closes["IWM"].copy()
    edited[pd.Timestamp("2023-12-01")] += 0.01  # one close inside the window
    outside = book.closes["IWM"].copy()
    outside[pd.Timestamp("2024-03-01")] += 0.01
    inside_book = replace(book, closes={**book.closes, "IWM": edited}, _arrays={})
    outside_book = replace(book, closes={**book.closes, "IWM": outside}, _arrays={})
    assert resolve_claim(c, inside_book, AS_OF).prices_digest != outcome.prices_digest
    assert resolve_claim(c, outside_book, AS_OF).prices_digest == outcome.prices_digest


def test_track_reconcile_keeps_decisions_and_records_disagreements() -> None:
    day = date(2025, 1, 2)
    stored = {
        "a": Outcome("a", "hit", day, "r", hit_date=date(2024, 5, 1), prices_digest="1" * 16),
        "b": Outcome("b", "pending", day, "r"),
        "c": Outcome("c", "miss", day, "r"),
        "d": Outcome("d", "excluded", day, "r"),
    }
    fresh = [
        Outcome("a", "hit", AS_OF, "r2", hit_date=date(2024, 5, 2), prices_digest="2" * 16),
        Outcome("b", "hit", AS_OF, "now decided"),
        Outcome("c", "pending", AS_OF, "an earlier as_of says nothing against it"),
        Outcome("d", "excluded", AS_OF, "same", hit_date=date(2024, 7, 16)),
        Outcome("e", "miss", AS_OF, "new claim"),
    ]
    to_save, disagreements = reconcile_outcomes(stored, fresh)
    assert [o.claim_id for o in to_save] == ["b", "e"]
    assert [(d.claim_id, d.stored_digest, d.regrade_digest) for d in disagreements] == [
        ("a", "1" * 16, "2" * 16)
    ]


# -- properties -------------------------------------------------------------------------


claims_strategy = st.builds(
    dict,
    subject=st.sampled_from(["IWM", "SPY", "^GSPC", "QQQ", "NVDA"]),
    kind=st.sampled_from(["target", "move", "relative", "direction"]),
    direction=st.sampled_from(["up", "down"]),
    negated=st.booleans(),
    published=st.dates(date(2016, 8, 1), date(2025, 11, 30)),
    lag=st.integers(0, 60),
    length=st.integers(1, 500),
    move=st.floats(1, 80),
    level_factor=st.floats(0.6, 1.6),
    as_of=st.dates(date(2016, 8, 1), date(2026, 3, 1)),
)


def build(spec: dict[str, object], book: PriceBook, i: int) -> tuple[Claim, date]:
    published = spec["published"]
    assert isinstance(published, date)
    start = published + timedelta(days=int(spec["lag"]))  # type: ignore[call-overload]
    end = start + timedelta(days=int(spec["length"]))  # type: ignore[call-overload]
    series = book.closes[str(spec["subject"])]
    entry = float(series[series.index >= pd.Timestamp(published)].iloc[0])
    level = round(entry * float(spec["level_factor"]), 2)  # type: ignore[arg-type]
    c = claim(
        claim_id=f"p{i}",
        subject=spec["subject"],
        kind=spec["kind"],
        direction=spec["direction"],
        negated=spec["negated"],
        published=published,
        horizon_start=start,
        horizon_end=end,
        move_pct=spec["move"],
        target_low=level,
        target_high=level,
        benchmark="^GSPC" if spec["kind"] == "relative" else None,
    )
    as_of = spec["as_of"]
    assert isinstance(as_of, date)
    return c, as_of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(claims_strategy, min_size=1, max_size=8))
def test_track_property_numbers_match_a_plain_window_slice(
    book: PriceBook, specs: list[dict[str, object]]
) -> None:
    """For random claims on real prices: no price before publication or after as_of is
    used; start, end, extremes and the hit date equal a plain pandas slice of the window;
    grading a batch gives what grading each claim alone gives."""
    built = [build(spec, book, i) for i, spec in enumerate(specs)]
    for (c, as_of), outcome in zip(
        built, [resolve_claim(c, book, a) for c, a in built], strict=True
    ):
        batch = resolve_claims([b for b, a in built if a == as_of], book, as_of)
        assert outcome in batch
        if outcome.start_date is None:
            continue
        assert c.published is not None and c.horizon_start is not None and c.horizon_end is not None
        assert outcome.start_date >= max(c.published, c.horizon_start)
        assert outcome.end_date is not None and outcome.end_date <= min(as_of, c.horizon_end)
        series = book.closes[str(outcome.series)]
        window = series[pd.Timestamp(outcome.start_date) : pd.Timestamp(outcome.end_date)]
        first = series[series.index >= pd.Timestamp(max(c.published, c.horizon_start))]
        assert window.index[0] == first.index[0]
        assert (outcome.start_price, outcome.end_price) == (window.iloc[0], window.iloc[-1])
        assert {outcome.best_price, outcome.worst_price} == {window.max(), window.min()}
        up = c.direction == "up"
        if (
            c.kind == "target"
            and outcome.level is not None
            and outcome.level != outcome.start_price
        ):
            up = (
                outcome.level > outcome.start_price
            )  # a target's side of the entry is its direction
        if outcome.hit_date is not None:
            assert outcome.start_date <= outcome.hit_date <= outcome.end_date
            assert outcome.level is not None
            crossed = window >= outcome.level if up else window <= outcome.level
            assert crossed[crossed].index[0].date() == outcome.hit_date
        elif outcome.level is not None and not math.isnan(outcome.level):
            assert (window.max() < outcome.level) if up else (window.min() > outcome.level)


def test_track_benchmark_script_runs(capsys: pytest.CaptureFixture[str], root: Path) -> None:
    """benchmarks/bench_track.py on a small sample: it prints both rates and the ratio."""
    spec = importlib.util.spec_from_file_location(
        "bench_track", root / "benchmarks" / "bench_track.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--claims", "300", "--sample", "30", "--repeat", "1", "--symbols", "4"])
    printed = capsys.readouterr().out
    assert "vectorised resolve_claims: 300 claims" in printed and "claims/s" in printed
    assert "extrapolated to 300 claims" in printed and "speed-up:" in printed
