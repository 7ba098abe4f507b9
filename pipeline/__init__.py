"""Thesis Tracker: read market commentary, extract forecasts, grade them against prices.

The public API, stage by stage (ingest → extract → prices → track → report):

    from pipeline import Store, Settings, run_all
    store = Store("thesis.db")
    summary = run_all(store, [Path("corpus")], Settings(prices_dir=Path("../shared/prices")))
"""

from .errors import ExtractError, IngestError, PriceDataError, StoreError, ThesisError
from .extract import claims_from_doc, extract_claims, make_nlp
from .ingest import Overrides, ingest_paths, read_document
from .models import Article, Claim, Disagreement, Failure, Outcome, Tag
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
    "ExtractError",
    "Failure",
    "IngestError",
    "Outcome",
    "Overrides",
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
    "load_prices",
    "load_settings",
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
