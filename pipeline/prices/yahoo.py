"""Yahoo Finance: daily bars and split events through the optional yfinance package.

Input: a symbol. Output: Yahoo's split-adjusted daily bars and its split events. Side
effects: yfinance's own HTTP requests. yfinance is an optional extra
(`pip install "thesis-tracker[yfinance]"`) and is imported only when asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date
from types import ModuleType

import pandas as pd

from pipeline.errors import PriceDataError
from pipeline.prices.book import COLUMNS
from pipeline.settings import Settings

#: yfinance's history starts here unless a later start is asked for.
EARLIEST = date(1990, 1, 1)


def yfinance_from_settings(settings: Settings) -> YFinanceProvider:
    """The yfinance provider; fails here, once, when the optional extra is not installed.

    Raises:
        PriceDataError: yfinance is not installed.
    """
    _yfinance()
    return YFinanceProvider()


@dataclass
class YFinanceProvider:
    """Daily bars and split events from Yahoo Finance through the yfinance package.

    Bars are Yahoo's split-adjusted OHLC (`auto_adjust=False`) with `Adj Close` kept as
    adj_close, so closes match the CSV folder's basis.
    """

    name: str = "yfinance"
    remote: bool = True

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        ticker = _yfinance().Ticker(symbol)
        try:
            history = ticker.history(
                start=(start or EARLIEST).isoformat(), interval="1d", auto_adjust=False
            )
        except Exception as exc:  # yfinance raises many types (HTTP, JSON, rate limits)
            raise PriceDataError(f"yfinance could not fetch {symbol} ({exc})", symbol) from exc
        if history is None or history.empty:
            if start is not None:
                return pd.DataFrame(columns=COLUMNS[1:], index=pd.DatetimeIndex([], name="date"))
            raise PriceDataError(f"yfinance returned no prices for {symbol}", symbol)
        return _bars(history)

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        try:
            series = _yfinance().Ticker(symbol).splits
        except Exception as exc:  # see fetch
            raise PriceDataError(f"yfinance could not list splits of {symbol} ({exc})") from exc
        return [
            (pd.Timestamp(when).date(), float(ratio)) for when, ratio in series.items() if ratio
        ]


def _bars(history: pd.DataFrame) -> pd.DataFrame:
    index = pd.DatetimeIndex(history.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    renamed = history.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    renamed.index = index.normalize().rename("date")
    return renamed.reindex(columns=COLUMNS[1:]).sort_index()


def _yfinance() -> ModuleType:
    try:
        return importlib.import_module("yfinance")
    except ImportError as exc:
        raise PriceDataError(
            'the yfinance provider needs the optional extra: pip install "thesis-tracker[yfinance]"'
        ) from exc
