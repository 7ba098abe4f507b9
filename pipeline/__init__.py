"""Thesis Tracker: read market commentary, extract forecasts, grade them against prices.

The public API, stage by stage (ingest → extract → prices → track → report):

    from pipeline import Store, Settings, run_all
    store = Store("thesis.db")
    summary = run_all(store, [Path("corpus")], Settings(prices_dir=Path("../shared/prices")))
"""

from .dedupe import DuplicateIndex
from .discover import load_sources
from .errors import ExtractError, IngestError, PriceDataError, StoreError, ThesisError
from .extract import claims_from_doc, extract_claims, make_nlp
from .fetch import Fetcher
from .ingest import Overrides, ingest_paths, ingest_sources, read_document
from .models import Article, Claim, Disagreement, Duplicate, Failure, Outcome, Page, Tag
from .parse import parse_html, parse_text
from .prices import CsvFolderProvider, PriceBook, symbols_for, update_prices
from .providers import YFinanceProvider, make_provider
from .report import describe_claim, render_report
from .run import extract, ingest, load_prices, report, run_all, track
from .settings import Settings, load_settings
from .stooq import StooqProvider
from .store import Store
from .track import grade_frame, reconcile_outcomes, resolve_claim, resolve_claims

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
