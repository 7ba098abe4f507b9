"""Choosing a price provider by name from the registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline.errors import PriceDataError, ThesisError
from pipeline.prices import providers
from pipeline.prices.book import CsvFolderProvider
from pipeline.prices.providers import PROVIDERS, REGISTRY, make_provider
from pipeline.prices.stooq import StooqProvider
from pipeline.settings import Settings


def _with(**prices: object) -> Settings:
    return Settings().with_overrides(prices=prices)


def test_providers_make_provider_follows_settings(prices_dir: Path) -> None:
    assert isinstance(make_provider(_with(dir=prices_dir)), CsvFolderProvider)
    stooq = make_provider(
        Settings().with_overrides(
            prices={"stooq_url": "http://127.0.0.1:1/x"}, fetch={"retries": 1, "timeout": 9.0}
        )
    )
    assert isinstance(stooq, StooqProvider) and stooq.base_url == "http://127.0.0.1:1/x"
    assert stooq.policy.retries == 1 and stooq.policy.timeout == 9.0
    assert stooq.policy.connect_timeout == 5.0 and not stooq.policy.retry_connect
    assert make_provider(_with(provider="cache")) is None
    with pytest.raises(
        ThesisError, match="unknown price provider 'bloomberg'; choose one of stooq"
    ):
        make_provider(_with(provider="bloomberg"))


def test_providers_csv_by_name_needs_a_folder(prices_dir: Path) -> None:
    assert isinstance(make_provider(_with(provider="csv", dir=prices_dir)), CsvFolderProvider)
    with pytest.raises(ThesisError, match="the csv provider reads a folder: pass --prices DIR"):
        make_provider(_with(provider="csv"))


def test_providers_the_cli_offers_every_registered_provider() -> None:
    assert PROVIDERS == tuple(REGISTRY) == ("stooq", "yfinance", "cache", "csv")
    choice = next(p for p in cli.track.params if p.name == "price_provider")
    assert tuple(choice.type.choices) == PROVIDERS  # type: ignore[attr-defined]


class Constant:
    """A provider that is one module's worth of code: a flat price for every symbol."""

    name = "constant"
    remote = False

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        if symbol == "NOPE":
            raise PriceDataError("no such symbol", symbol)
        index = pd.DatetimeIndex(pd.date_range("2024-01-02", periods=3), name="date")
        return pd.DataFrame({"close": [100.0] * 3}, index=index)

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        return []


def test_providers_a_new_provider_is_one_registry_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(providers.REGISTRY, "constant", lambda settings: Constant())
    provider = make_provider(_with(provider="constant"))
    assert isinstance(provider, Constant)
    assert provider.fetch("IWM")["close"].tolist() == [100.0] * 3
