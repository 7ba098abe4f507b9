"""Thesis Tracker: read market commentary, extract forecasts, grade them against prices.

The public API, stage by stage (ingest → extract → prices → track → report):

    from pipeline import Store, Settings, run_all
    store = Store("thesis.db")
    settings = Settings().with_overrides(prices={"dir": Path("../shared/prices")})
    summary = run_all(store, [Path("corpus")], settings)

Names are imported on first use (PEP 562 `__getattr__`), so `import pipeline` and the
`thesis` command start without loading spaCy, scikit-learn or pandas until a stage needs them.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.errors import ExtractError, IngestError, PriceDataError, StoreError, ThesisError
    from pipeline.extract.claims import claims_from_doc, extract_claims, make_nlp
    from pipeline.ingest.dedupe import DuplicateIndex
    from pipeline.ingest.discover import load_sources
    from pipeline.ingest.documents import Overrides, ingest_paths, ingest_sources, read_document
    from pipeline.ingest.fetch import Fetcher
    from pipeline.ingest.parse import parse_html, parse_text
    from pipeline.models import Article, Claim, Disagreement, Duplicate, Failure, Outcome, Page, Tag
    from pipeline.prices.book import CsvFolderProvider, PriceBook, symbols_for, update_prices
    from pipeline.prices.providers import make_provider
    from pipeline.prices.stooq import StooqProvider
    from pipeline.prices.yahoo import YFinanceProvider
    from pipeline.report.render import describe_claim, render_report
    from pipeline.run import extract, ingest, load_prices, report, run_all, track
    from pipeline.settings import Settings, load_settings
    from pipeline.store.database import Store
    from pipeline.track.resolve import (
        grade_frame,
        reconcile_outcomes,
        resolve_claim,
        resolve_claims,
    )

#: Each public name and the module that defines it, imported when first asked for.
_EXPORTS = {
    "Article": "pipeline.models",
    "Claim": "pipeline.models",
    "CsvFolderProvider": "pipeline.prices.book",
    "Disagreement": "pipeline.models",
    "Duplicate": "pipeline.models",
    "DuplicateIndex": "pipeline.ingest.dedupe",
    "ExtractError": "pipeline.errors",
    "Failure": "pipeline.models",
    "Fetcher": "pipeline.ingest.fetch",
    "IngestError": "pipeline.errors",
    "Outcome": "pipeline.models",
    "Overrides": "pipeline.ingest.documents",
    "Page": "pipeline.models",
    "PriceBook": "pipeline.prices.book",
    "PriceDataError": "pipeline.errors",
    "Settings": "pipeline.settings",
    "StooqProvider": "pipeline.prices.stooq",
    "Store": "pipeline.store.database",
    "StoreError": "pipeline.errors",
    "Tag": "pipeline.models",
    "ThesisError": "pipeline.errors",
    "YFinanceProvider": "pipeline.prices.yahoo",
    "claims_from_doc": "pipeline.extract.claims",
    "describe_claim": "pipeline.report.render",
    "extract": "pipeline.run",
    "extract_claims": "pipeline.extract.claims",
    "grade_frame": "pipeline.track.resolve",
    "ingest": "pipeline.run",
    "ingest_paths": "pipeline.ingest.documents",
    "ingest_sources": "pipeline.ingest.documents",
    "load_prices": "pipeline.run",
    "load_settings": "pipeline.settings",
    "load_sources": "pipeline.ingest.discover",
    "make_nlp": "pipeline.extract.claims",
    "make_provider": "pipeline.prices.providers",
    "parse_html": "pipeline.ingest.parse",
    "parse_text": "pipeline.ingest.parse",
    "read_document": "pipeline.ingest.documents",
    "reconcile_outcomes": "pipeline.track.resolve",
    "render_report": "pipeline.report.render",
    "report": "pipeline.run",
    "resolve_claim": "pipeline.track.resolve",
    "resolve_claims": "pipeline.track.resolve",
    "run_all": "pipeline.run",
    "symbols_for": "pipeline.prices.book",
    "track": "pipeline.run",
    "update_prices": "pipeline.prices.book",
}

__all__ = [
    "Article",
    "Claim",
    "CsvFolderProvider",
    "Disagreement",
    "Duplicate",
    "DuplicateIndex",
    "ExtractError",
    "Failure",
    "Fetcher",
    "IngestError",
    "Outcome",
    "Overrides",
    "Page",
    "PriceBook",
    "PriceDataError",
    "Settings",
    "StooqProvider",
    "Store",
    "StoreError",
    "Tag",
    "ThesisError",
    "YFinanceProvider",
    "claims_from_doc",
    "describe_claim",
    "extract",
    "extract_claims",
    "grade_frame",
    "ingest",
    "ingest_paths",
    "ingest_sources",
    "load_prices",
    "load_settings",
    "load_sources",
    "make_nlp",
    "make_provider",
    "parse_html",
    "parse_text",
    "read_document",
    "reconcile_outcomes",
    "render_report",
    "report",
    "resolve_claim",
    "resolve_claims",
    "run_all",
    "symbols_for",
    "track",
    "update_prices",
]


class _StageFunction:
    """A stage function of pipeline.run whose name is also a subpackage's (`extract`, ...).

    Reading `pipeline.extract` gives the function, whichever was imported first, as when this
    module imported everything eagerly; the import system binding the subpackage is ignored.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(importlib.import_module("pipeline.run"), self.name)

    def __set__(self, instance: object, value: object) -> None:
        """Keep the function: the subpackage stays reachable through sys.modules."""


class _Package(ModuleType):
    extract = _StageFunction()
    ingest = _StageFunction()
    report = _StageFunction()
    track = _StageFunction()


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and cache the name in this module."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
