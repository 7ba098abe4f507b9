"""Thesis Tracker: read market commentary, extract forecasts, grade them against prices.

The public API, stage by stage (ingest → extract → prices → track → report):

    from pipeline import Store, Settings, run_all
    store = Store("thesis.db")
    settings = Settings().with_overrides(prices={"dir": Path("../shared/prices")})
    summary = run_all(store, [Path("corpus")], settings)
"""

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
from pipeline.track.resolve import grade_frame, reconcile_outcomes, resolve_claim, resolve_claims

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
