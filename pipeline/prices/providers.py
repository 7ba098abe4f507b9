"""Providers: the price sources a run can use, registered by name.

Input: Settings. Output: a PriceProvider (or None: read the cache only). No side effects
until the provider fetches. A new provider is one module (a PriceProvider and a factory
taking Settings) plus one entry in REGISTRY; the CLI's `--provider` choices come from it.
"""

from __future__ import annotations

from collections.abc import Callable

from pipeline.errors import ThesisError
from pipeline.prices.book import CsvFolderProvider, PriceProvider
from pipeline.prices.stooq import stooq_from_settings
from pipeline.prices.yahoo import YFinanceProvider, yfinance_from_settings
from pipeline.settings import Settings

__all__ = ["PROVIDERS", "REGISTRY", "YFinanceProvider", "make_provider"]


def csv_from_settings(settings: Settings) -> CsvFolderProvider:
    """The CSV folder at `settings.prices.dir`.

    Raises:
        ThesisError: no folder is set (PriceDataError: it does not exist).
    """
    if settings.prices.dir is None:
        raise ThesisError("the csv provider reads a folder: pass --prices DIR")
    return CsvFolderProvider(settings.prices.dir)


def cache_only(settings: Settings) -> None:
    """No provider: grade from the prices already cached in the store."""
    del settings  # nothing to configure


#: Name -> factory. Order matters only for messages and `--help`.
REGISTRY: dict[str, Callable[[Settings], PriceProvider | None]] = {
    "stooq": stooq_from_settings,
    "yfinance": yfinance_from_settings,
    "cache": cache_only,
    "csv": csv_from_settings,
}
PROVIDERS = tuple(REGISTRY)


def make_provider(settings: Settings) -> PriceProvider | None:
    """The CSV folder when `settings.prices.dir` is set, else the provider registered as
    `settings.prices.provider` (None for `cache`: no fetching at all).

    Raises:
        ThesisError: an unknown provider name, a missing prices folder, or yfinance asked
            for without the optional extra.
    """
    name = "csv" if settings.prices.dir is not None else settings.prices.provider
    factory = REGISTRY.get(name)
    if factory is None:
        raise ThesisError(
            f"unknown price provider {name!r}; choose one of {', '.join(REGISTRY)}, "
            "or pass --prices DIR"
        )
    return factory(settings)
