"""The price cache: what is fetched, when, and what the book then holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from pipeline.errors import PriceDataError
from pipeline.http import HttpPolicy
from pipeline.prices.book import (
    CsvFolderProvider,
    PriceBook,
    known_splits,
    merge_splits,
    update_prices,
)
from pipeline.prices.stooq import StooqProvider
from pipeline.store.database import Store

DAY1, DAY2 = date(2026, 1, 5), date(2026, 1, 6)


@dataclass
class FakeProvider:
    """A provider serving frames from memory and recording what it was asked."""

    bars: dict[str, pd.DataFrame]
    split_events: dict[str, list[tuple[date, float]]] = field(default_factory=dict)
    name: str = "fake"
    remote: bool = True
    calls: list[tuple[str, date | None]] = field(default_factory=list)
    broken: bool = False

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        self.calls.append((symbol, start))
        if self.broken or symbol not in self.bars:
            raise PriceDataError(f"nothing for {symbol}", symbol)
        frame = self.bars[symbol]
        return frame if start is None else frame[frame.index >= pd.Timestamp(start)]

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        return self.split_events.get(symbol, [])


@pytest.fixture
def iwm(prices_dir: Path) -> pd.DataFrame:
    return CsvFolderProvider(prices_dir).fetch("IWM")


def test_prices_csv_provider_reads_from_a_date_and_its_splits(prices_dir: Path) -> None:
    provider = CsvFolderProvider(prices_dir)
    bars = provider.fetch("IWM", date(2025, 12, 29))
    assert list(bars.index.strftime("%Y-%m-%d")) == ["2025-12-29", "2025-12-30", "2025-12-31"]
    assert provider.splits("NVDA") == [(date(2021, 7, 20), 4.0), (date(2024, 6, 10), 10.0)]
    with pytest.raises(PriceDataError, match=r"no TSLA\.csv in"):
        provider.fetch("TSLA")


def test_prices_fetch_whole_series_once_then_only_missing_dates(
    store: Store, iwm: pd.DataFrame
) -> None:
    provider = FakeProvider({"IWM": iwm[:"2023-12-15"]})
    book, failures = update_prices(store, provider, ["IWM"], today=DAY1)
    assert failures == [] and provider.calls == [("IWM", None)]
    assert book.closes["IWM"].index.max() == pd.Timestamp("2023-12-15")
    assert book.providers["IWM"] == "fake"

    update_prices(
        store, provider, ["IWM"], today=DAY1
    )  # same day: a remote source is not asked again
    assert len(provider.calls) == 1

    provider.bars["IWM"] = iwm[:"2023-12-29"]
    book, _ = update_prices(store, provider, ["IWM"], today=DAY2)
    assert provider.calls[-1] == (
        "IWM",
        date(2023, 12, 15),
    )  # from the last cached date, to check it
    assert book.closes["IWM"].index.max() == pd.Timestamp("2023-12-29")
    assert book.closes["IWM"].equals(iwm[:"2023-12-29"]["close"].rename("close"))


def test_prices_refetch_the_whole_series_when_the_basis_changed(
    store: Store, iwm: pd.DataFrame
) -> None:
    provider = FakeProvider({"IWM": iwm[:"2023-12-15"]})
    update_prices(store, provider, ["IWM"], today=DAY1)
    split = iwm[:"2023-12-29"].copy()
    split[["open", "high", "low", "close"]] /= 2  # a 2:1 split re-bases the whole history
    provider.bars["IWM"] = split
    book, _ = update_prices(store, provider, ["IWM"], today=DAY2)
    assert provider.calls[1:] == [("IWM", date(2023, 12, 15)), ("IWM", None)]
    assert book.closes["IWM"]["2023-11-28"] == pytest.approx(178.04 / 2)
    assert len(book.closes["IWM"]) == len(split)


def test_prices_another_provider_on_the_same_basis_extends_the_cache(
    store: Store, iwm: pd.DataFrame
) -> None:
    update_prices(store, FakeProvider({"IWM": iwm[:"2023-12-15"]}, name="a"), ["IWM"], today=DAY1)
    other = FakeProvider({"IWM": iwm[:"2023-12-29"]}, name="b")
    book, _ = update_prices(store, other, ["IWM"], today=DAY1)
    assert other.calls == [("IWM", date(2023, 12, 15))]
    assert book.providers["IWM"] == "a+b"


def test_prices_local_folder_is_read_every_run(store: Store, prices_dir: Path) -> None:
    provider = CsvFolderProvider(prices_dir)
    update_prices(store, provider, ["SPY"], today=DAY1)
    store.replace_prices("SPY", provider.fetch("SPY")[:"2024-12-31"], "csv")
    book, _ = update_prices(store, provider, ["SPY"], today=DAY1)
    assert book.closes["SPY"].index.max() == pd.Timestamp("2025-12-31")


def test_prices_refresh_failure_keeps_the_cache_and_says_so(
    store: Store, iwm: pd.DataFrame
) -> None:
    provider = FakeProvider({"IWM": iwm[:"2023-12-15"]})
    update_prices(store, provider, ["IWM"], today=DAY1)
    provider.broken = True
    book, failures = update_prices(store, provider, ["IWM"], today=DAY2)
    assert book.has("IWM")
    assert [f.reason for f in failures] == [
        "could not refresh (fake: nothing for IWM); using cached prices up to 2023-12-15"
    ]


def test_prices_missing_symbols_name_the_file_unless_an_equivalent_covers_them(
    store: Store, iwm: pd.DataFrame
) -> None:
    provider = FakeProvider({"IWM": iwm})
    book, failures = update_prices(store, provider, ["IWM", "^RUT", "TSLA"], today=DAY1)
    assert [f.item for f in failures] == ["TSLA"]  # ^RUT is covered by IWM
    assert "save daily prices as TSLA.csv (header date,open," in failures[0].reason
    assert book.missing == {"^RUT": "fake: nothing for ^RUT", "TSLA": "fake: nothing for TSLA"}


def test_prices_without_a_provider_reads_only_the_cache(store: Store, iwm: pd.DataFrame) -> None:
    store.save_prices("IWM", iwm[:"2023-12-29"], "csv")
    book, failures = update_prices(store, None, ["IWM", "SPY"], today=DAY1)
    assert book.has("IWM") and not book.has("SPY") and failures == []
    assert "no provider" in book.missing["SPY"]


def test_prices_split_events_are_stored_and_merged_without_doubles(
    store: Store, iwm: pd.DataFrame
) -> None:
    # The provider dates NVDA's 10:1 split three days before the shipped file does.
    provider = FakeProvider({"NVDA": iwm}, split_events={"NVDA": [(date(2024, 6, 7), 10.0)]})
    book, _ = update_prices(store, provider, ["NVDA"], today=DAY1)
    assert store.splits() == {"NVDA": [(date(2024, 6, 7), 10.0)]}
    assert book.splits["NVDA"] == [(date(2021, 7, 20), 4.0), (date(2024, 6, 7), 10.0)]
    assert known_splits()["AAPL"] == [(date(2014, 6, 9), 7.0), (date(2020, 8, 31), 4.0)]
    merged = merge_splits({"X": [(date(2020, 1, 1), 2.0)]}, {"X": [(date(2020, 1, 20), 2.0)]})
    assert merged == {"X": [(date(2020, 1, 1), 2.0), (date(2020, 1, 20), 2.0)]}


def test_prices_split_factor_counts_only_splits_the_series_reflects(prices_dir: Path) -> None:
    provider = CsvFolderProvider(prices_dir)
    nvda = provider.fetch("NVDA")["close"]
    splits = {"NVDA": provider.splits("NVDA")}
    full = PriceBook(closes={"NVDA": nvda}, splits=splits)
    assert full.split_factor("NVDA", date(2023, 5, 25)) == 10.0
    assert full.split_factor("NVDA", date(2020, 5, 25)) == 40.0
    assert full.split_factor("NVDA", date(2024, 6, 10)) == 1.0
    # A series that ends before the split is still on the old basis: no conversion.
    early = PriceBook(closes={"NVDA": nvda[:"2024-05-31"]}, splits=splits)
    assert early.split_factor("NVDA", date(2023, 5, 25)) == 1.0


def test_prices_stooq_cache_asks_only_for_missing_dates(
    httpserver: HTTPServer, store: Store, iwm: pd.DataFrame
) -> None:
    def body(frame: pd.DataFrame) -> str:
        rows = [
            f"{d:%Y-%m-%d},{r.open},{r.high},{r.low},{r.close},{r.volume:.0f}"
            for d, r in frame.iterrows()
        ]
        return "\n".join(["Date,Open,High,Low,Close,Volume", *rows]) + "\n"

    path = "/q/d/l/"
    httpserver.expect_ordered_request(
        path, query_string={"s": "iwm.us", "i": "d"}
    ).respond_with_data(body(iwm["2023-11-01":"2023-12-15"]))
    httpserver.expect_ordered_request(path).respond_with_data(body(iwm["2023-12-15":"2023-12-29"]))
    stooq = StooqProvider(
        base_url=httpserver.url_for(path), policy=HttpPolicy(retries=0, allow_private=True)
    )
    update_prices(store, stooq, ["IWM"], today=DAY1)
    book, failures = update_prices(store, stooq, ["IWM"], today=DAY2)
    second = httpserver.log[1][0].args
    assert (second["d1"], second["s"]) == ("20231215", "iwm.us") and failures == []
    assert book.closes["IWM"].index.max() == pd.Timestamp("2023-12-29")
    assert book.providers["IWM"] == "stooq" and len(httpserver.log) == 2
