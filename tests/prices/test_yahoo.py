"""The yfinance provider, with a stand-in yfinance module.

yfinance is an optional extra and never installed for tests: a small module with the
same `Ticker(symbol).history(...)` / `.splits` surface stands in for it.
"""

from __future__ import annotations

import sys
import types
from datetime import date
from typing import Any, ClassVar

import pandas as pd
import pytest

from pipeline.errors import PriceDataError
from pipeline.prices.providers import make_provider
from pipeline.prices.yahoo import YFinanceProvider
from pipeline.settings import Settings

YFINANCE = Settings().with_overrides(prices={"provider": "yfinance"})


class FakeTicker:
    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def history(self, **kwargs: Any) -> pd.DataFrame:
        FakeTicker.calls.append({"symbol": self.symbol, **kwargs})
        if self.symbol == "NOPE":
            return pd.DataFrame()
        if self.symbol == "BOOM":
            raise RuntimeError("Too Many Requests. Rate limited.")
        index = pd.DatetimeIndex(["2024-06-07", "2024-06-10"]).tz_localize("America/New_York")
        return pd.DataFrame(
            {
                "Open": [119.77, 120.37],
                "High": [121.69, 123.1],
                "Low": [118.02, 117.01],
                "Close": [120.888, 121.79],
                "Adj Close": [120.86, 121.76],
                "Volume": [412385000, 314162700],
                "Dividends": [0.0, 0.0],
                "Stock Splits": [0.0, 10.0],
            },
            index=index.rename("Date"),
        )

    @property
    def splits(self) -> pd.Series:
        index = pd.DatetimeIndex(["2021-07-20", "2024-06-10"]).tz_localize("America/New_York")
        return pd.Series([4.0, 10.0], index=index, name="Stock Splits")


@pytest.fixture
def fake_yfinance(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("yfinance")
    module.Ticker = FakeTicker  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yfinance", module)
    FakeTicker.calls = []


@pytest.mark.usefixtures("fake_yfinance")
def test_yahoo_bars_are_split_adjusted_closes_on_plain_dates() -> None:
    assert isinstance(make_provider(YFINANCE), YFinanceProvider)
    bars = YFinanceProvider().fetch("NVDA", date(2024, 6, 7))
    assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert list(bars.index) == [pd.Timestamp("2024-06-07"), pd.Timestamp("2024-06-10")]
    assert bars["close"].tolist() == [120.888, 121.79] and bars["adj_close"].iloc[0] == 120.86
    assert FakeTicker.calls[0] | {"symbol": "NVDA"} == {
        "symbol": "NVDA",
        "start": "2024-06-07",
        "interval": "1d",
        "auto_adjust": False,
    }


@pytest.mark.usefixtures("fake_yfinance")
def test_yahoo_reports_splits_and_errors() -> None:
    provider = YFinanceProvider()
    assert provider.splits("NVDA") == [(date(2021, 7, 20), 4.0), (date(2024, 6, 10), 10.0)]
    assert provider.fetch("NOPE", date(2030, 1, 1)).empty  # nothing new since a date
    with pytest.raises(PriceDataError, match="yfinance returned no prices for NOPE"):
        provider.fetch("NOPE")
    with pytest.raises(PriceDataError, match=r"yfinance could not fetch BOOM \(Too Many Requests"):
        provider.fetch("BOOM")


def test_yahoo_missing_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yfinance", None)  # makes `import yfinance` fail
    with pytest.raises(PriceDataError, match=r'pip install "thesis-tracker\[yfinance\]"'):
        YFinanceProvider().fetch("IWM")
    with pytest.raises(PriceDataError, match="needs the optional extra"):
        make_provider(YFINANCE)
