"""Bad price data never decides a claim: rows are checked at the door, for every provider."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import PriceDataError
from pipeline.prices.book import CsvFolderProvider, update_prices, validate_bars
from pipeline.store.database import Store

HEADER = "date,open,high,low,close,adj_close,volume\n"


def _rows(count: int, start: float = 100.0) -> list[str]:
    days = pd.bdate_range("2024-01-02", periods=count)
    return [f"{d:%Y-%m-%d},1,1,1,{start + i * 0.1:.2f},1,10\n" for i, d in enumerate(days)]


def test_bad_rows_are_left_out_and_named(tmp_path: Path, store: Store) -> None:
    rows = _rows(200)
    rows[40] = rows[40].replace(rows[40].split(",")[4], "inf")
    rows[80] = rows[80].replace(rows[80].split(",")[4], "-5")
    rows[81] = rows[81].replace(rows[81].split(",")[4], "0")
    rows[82] = rows[82].replace(rows[82].split(",")[4], "1e308")
    rows[83] = rows[83].replace(rows[83].split(",")[4], "")
    rows[120] = "2024-02-30,1,1,1,50,1,10\n"
    rows[121] = rows[119]  # the same date again
    (tmp_path / "IWM.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    book, failures = update_prices(store, CsvFolderProvider(tmp_path), ["IWM"], date(2025, 1, 1))
    closes = book.closes["IWM"]
    assert all(math.isfinite(v) and 0 < v < 1e7 for v in closes)
    assert len(closes) == 193 and closes.index.is_monotonic_increasing
    cached = store.prices("IWM")["close"]
    assert len(cached) == 193 and cached.between(1, 1e6).all()
    message = " ".join(f.reason for f in failures if f.item == "IWM")
    assert "7 row(s) rejected" in message
    assert f"{tmp_path / 'IWM.csv'} row 42: close 'inf' is not a price" in message
    assert "row 82: close '-5'" in message and "and 2 more" in message


def test_a_file_mostly_of_bad_rows_is_refused_whole(tmp_path: Path, store: Store) -> None:
    rows = _rows(20)
    for i in range(0, 20, 3):
        rows[i] = rows[i].replace(rows[i].split(",")[4], "nan")
    (tmp_path / "IWM.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    book, failures = update_prices(store, CsvFolderProvider(tmp_path), ["IWM"], date(2025, 1, 1))
    assert not book.has("IWM") and store.prices("IWM").empty
    assert any("7 of 20 rows are not usable prices" in f.reason for f in failures)


def test_validate_bars_refuses_for_any_provider() -> None:
    index = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    frame = pd.DataFrame({"close": [1.0, float("inf"), float("nan")]}, index=index)
    with pytest.raises(PriceDataError, match="2 of 3 rows"):
        validate_bars(frame, "IWM", "stooq")
    days = pd.bdate_range("2024-01-02", periods=20)
    closes = [100.0 + i for i in range(20)]
    closes[5] = float("inf")
    clean, problems = validate_bars(pd.DataFrame({"close": closes}, index=days), "IWM", "stooq")
    assert len(clean) == 19 and "stooq data row 6: close inf" in problems[0]


def test_a_yahoo_download_header_is_read(tmp_path: Path) -> None:
    (tmp_path / "IWM.csv").write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-02,1,2,0.5,1.5,1.4,10\n",
        encoding="utf-8",
    )
    bars = CsvFolderProvider(tmp_path).fetch("IWM")
    assert bars.loc["2024-01-02", "adj_close"] == 1.4 and bars.loc["2024-01-02", "close"] == 1.5
