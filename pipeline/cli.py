"""The `thesis` command: parse options, call one library function, print the result.

Expected errors (bad options included) print `Error: ...` and exit 1. A batch in which
some articles failed finishes, prints each failure, and exits 3.

Stages and their libraries (spaCy, scikit-learn, pandas, lxml, httpx, ...) are imported in
the command that needs them, so `--help`, `--version` and usage errors start in a blink.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pipeline.errors import ThesisError

if TYPE_CHECKING:
    from pipeline import run as stages
    from pipeline.settings import Settings
    from pipeline.store.database import Store

F = TypeVar("F", bound=Callable[..., Any])
EXIT_ERROR = 1
EXIT_ITEMS_FAILED = 3


class IsoDate(click.ParamType[date, Any]):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)


class LazyChoice(click.Choice[str]):
    """A Choice whose values are a module's constant, read when first needed (parsing,
    a command's `--help`), so that building the command group imports no stage."""

    def __init__(self, module: str, constant: str) -> None:
        self.source = (module, constant)
        self.case_sensitive = True
        self._choices: tuple[str, ...] | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        if self._choices is None:
            module, constant = self.source
            self._choices = tuple(getattr(importlib.import_module(module), constant))
        return self._choices

    @choices.setter
    def choices(self, values: tuple[str, ...]) -> None:
        self._choices = values


def expected_errors(func: F) -> F:
    """Turn ThesisError into `Error: ...` and exit code 1, with no traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ThesisError as exc:
            raise click.ClickException(str(exc)) from exc
        except sqlite3.DatabaseError as exc:  # a damaged file, not a bug: say what to do
            from pipeline.settings import Settings
            from pipeline.store.database import damaged_database

            ctx = click.get_current_context(silent=True)
            settings = ctx.obj if ctx is not None and isinstance(ctx.obj, Settings) else None
            db = settings.db_path if settings is not None else "the database"
            raise click.ClickException(f"{db}: {damaged_database(db, exc)}") from exc

    return wrapper  # type: ignore[return-value]


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    settings: Settings = ctx.obj
    return settings.with_overrides(**overrides)


def _store(settings: Settings) -> Store:
    from pipeline.store.database import Store

    return Store(settings.db_path)


#: Stages whose failures are items set aside (articles, claims, pages): exit code 3 says some were.
ITEM_STAGES = ("ingest", "extract", "track", "report")


def _finish(summary: stages.Summary, ingest_failures: bool = True) -> None:
    for line in summary.lines():
        click.echo(line)
    if ingest_failures and any(f.stage in ITEM_STAGES for f in summary.failures):
        raise SystemExit(EXIT_ITEMS_FAILED)


prices_option = click.option(
    "--prices",
    "prices_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of <SYMBOL>.csv price files.",
)
provider_option = click.option(
    "--provider",
    "price_provider",
    type=LazyChoice("pipeline.prices.providers", "PROVIDERS"),
    help="Online price source when --prices is not given (default stooq; cache: no fetching).",
)
as_of_option = click.option(
    "--as-of", "as_of", type=IsoDate(), help="Resolve claims as if today were this date."
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder (default reports/).",
)
sources_argument = click.argument("sources", nargs=-1, type=str)


def ingest_options(func: F) -> F:
    """--sources FILE, --refresh and --use-inferred-dates (ingest and run)."""
    func = click.option(
        "--use-inferred-dates",
        is_flag=True,
        default=None,
        help="Grade undated articles from the date their text pins down (marked inferred).",
    )(func)
    func = click.option(
        "--refresh",
        is_flag=True,
        default=None,
        help="Ask servers whether cached pages changed (conditional GET) instead of reusing them.",
    )(func)
    option = click.option(
        "--sources",
        "sources_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TOML file listing feeds, sitemaps, urls and paths; fetches only what is new.",
    )
    return option(func)


def _sources(values: tuple[str, ...], sources_file: Path | None) -> list[Path | str]:
    """Command-line sources as paths and URLs, plus those a sources file lists."""
    from pipeline.ingest.discover import load_sources
    from pipeline.ingest.fetch import is_url

    items: list[Path | str] = [v if is_url(v) else Path(v) for v in values]
    if sources_file is not None:
        listed = load_sources(sources_file)
        items += [*listed.paths, *listed.urls]
    if not items:
        raise ThesisError("give at least one file, folder or URL, or --sources FILE")
    return items


def engine_options(func: F) -> F:
    """--workers N and --scheduler ADDRESS: where parsing and extraction run."""
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Parse and extract on the Dask cluster of this scheduler (tcp://host:8786; "
        "needs the [dask] extra).",
    )(func)
    option = click.option(
        "--workers",
        type=click.IntRange(min=0),
        help="Processes that parse and extract (default: one per core; 1: this one alone).",
    )
    return option(func)


def override_options(func: F) -> F:
    func = click.option("--source", "source_name", help="Source name for a single file.")(func)
    func = click.option("--author", help="Author for a single file.")(func)
    option = click.option("--published", type=IsoDate(), help="Published date for a single file.")
    return option(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite database (default thesis.db, or $THESIS_DB).",
)
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML settings file: a [thesis] table, and [thesis.fetch], [thesis.extract], "
    "[thesis.prices], [thesis.grading], [thesis.report] tables (README, Settings).",
)
@click.option(
    "--lexicon",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra instruments CSV (symbol,kind,proxy,scale_hint,aliases); repeatable.",
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.version_option(package_name="thesis-tracker")
@click.pass_context
@expected_errors
def main(
    ctx: click.Context,
    db_path: Path | None,
    config: Path | None,
    lexicon: tuple[Path, ...],
    quiet: bool,
) -> None:
    """Thesis Tracker: what was predicted, by whom, and did it come true?

    \b
    Example:
        thesis run corpus/ --prices ../shared/prices
    """
    from pipeline.settings import load_settings

    settings = load_settings(config).with_overrides(
        db_path=db_path, extract={"lexicon": lexicon or None}
    )
    ctx.obj = settings.with_overrides(progress=False) if quiet else settings


@main.command()
@sources_argument
@override_options
@ingest_options
@engine_options
@click.pass_context
@expected_errors
def ingest(
    ctx: click.Context,
    sources: tuple[str, ...],
    published: date | None,
    author: str | None,
    source_name: str | None,
    sources_file: Path | None,
    refresh: bool | None,
    use_inferred_dates: bool | None,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Read articles from files, folders, web pages, RSS/Atom feeds and XML sitemaps.

    \b
    Example:
        thesis ingest corpus/
        thesis ingest notes/iwm.txt --published 2023-11-28 --author "Jane Doe"
        thesis ingest https://example.com/feed.xml
        thesis ingest --sources sources.toml
    """
    from pipeline import run as stages
    from pipeline.ingest.documents import Overrides

    settings = _settings(
        ctx,
        fetch={"refresh": refresh},
        grading={"use_inferred_dates": use_inferred_dates},
        workers=workers,
        scheduler=scheduler,
    )
    overrides = Overrides(published, author, source_name)
    items = _sources(sources, sources_file)
    with _store(settings) as store:
        summary = stages.ingest(store, items, settings, overrides or None)
    _finish(summary)


@main.command()
@click.option(
    "--use-inferred-dates",
    is_flag=True,
    default=None,
    help="Grade undated articles from the date their text pins down (marked inferred).",
)
@engine_options
@click.pass_context
@expected_errors
def extract(
    ctx: click.Context, use_inferred_dates: bool | None, workers: int | None, scheduler: str | None
) -> None:
    """Extract claims from articles not yet read by this extractor version.

    \b
    Example:
        thesis extract
        thesis extract --workers 4
    """
    from pipeline import run as stages

    settings = _settings(
        ctx,
        grading={"use_inferred_dates": use_inferred_dates},
        workers=workers,
        scheduler=scheduler,
    )
    with _store(settings) as store:
        summary = stages.extract(store, settings)
    _finish(summary)


@main.command()
@prices_option
@provider_option
@click.pass_context
@expected_errors
def prices(ctx: click.Context, prices_dir: Path | None, price_provider: str | None) -> None:
    """Load daily prices for every symbol the claims need into the cache.

    \b
    Example:
        thesis prices --prices ../shared/prices
        thesis prices --provider yfinance
    """
    from pipeline import run as stages

    settings = _settings(ctx, prices={"dir": prices_dir, "provider": price_provider})
    with _store(settings) as store:
        book, failures = stages.load_prices(store, settings)
    for symbol in sorted(book.closes):
        series = book.closes[symbol]
        click.echo(
            f"{symbol}: {len(series)} days, {series.index.min().date()} to {series.index.max().date()}"
        )
    for failure in failures:
        click.echo(f"missing {failure.item}: {failure.reason}")


@main.command()
@prices_option
@provider_option
@as_of_option
@click.option(
    "--regrade",
    is_flag=True,
    default=None,
    help="Decide every claim again from the current prices (old verdicts kept in history).",
)
@click.pass_context
@expected_errors
def track(
    ctx: click.Context,
    prices_dir: Path | None,
    price_provider: str | None,
    as_of: date | None,
    regrade: bool | None,
) -> None:
    """Grade claims against prices: hit, miss, pending, no_data, no_date or excluded.

    \b
    Example:
        thesis track --prices ../shared/prices --as-of 2024-12-31
    """
    from pipeline import run as stages

    settings = _settings(
        ctx,
        prices={"dir": prices_dir, "provider": price_provider},
        grading={"as_of": as_of, "regrade": regrade},
    )
    with _store(settings) as store:
        summary = stages.track(store, settings)
    _finish(summary)


@main.command()
@out_option
@prices_option
@provider_option
@as_of_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "all"]),
    default="all",
    show_default=True,
    help="html: index, claim and forecaster pages; md: claims.md and summary.md (printed too).",
)
@click.pass_context
@expected_errors
def report(
    ctx: click.Context,
    out_dir: Path | None,
    prices_dir: Path | None,
    price_provider: str | None,
    as_of: date | None,
    fmt: str,
) -> None:
    """Write the claims-versus-outcomes report and forecaster scorecards.

    With --prices or --provider, claims are graded (and stored) first. With --as-of they
    are graded in memory as of that date for this report only: stored decisions are history.

    \b
    Example:
        thesis report --out reports/
        thesis report --format md
    """
    from pipeline import run as stages

    settings = _settings(
        ctx,
        report={"out_dir": out_dir},
        prices={"dir": prices_dir, "provider": price_provider},
        grading={"as_of": as_of},
    )
    formats = ("html", "md") if fmt == "all" else (fmt,)
    with _store(settings) as store:
        if (prices_dir or price_provider) and not as_of:
            stages.track(store, settings)
        summary = stages.report(store, settings, as_of, formats=formats)
    if fmt == "md":
        click.echo((settings.report.out_dir / "summary.md").read_text(encoding="utf-8"))
    _finish(summary)


@main.command()
@click.argument("name")
@click.pass_context
@expected_errors
def audit(ctx: click.Context, name: str) -> None:
    """Print a forecaster's scorecard: hit rate with a 95% interval, tests against 50% and
    against always-up, returns, and breakdowns by kind, horizon and hedge.

    \b
    Example:
        thesis audit "Tom Lee"
    """
    from pipeline.report.audit import audit_text, find_scorecard

    settings = _settings(ctx)
    with _store(settings) as store:
        card = find_scorecard(store, name)
    click.echo(audit_text(card))


@main.command(name="run")
@sources_argument
@out_option
@prices_option
@provider_option
@as_of_option
@override_options
@ingest_options
@engine_options
@click.pass_context
@expected_errors
def run_command(
    ctx: click.Context,
    sources: tuple[str, ...],
    out_dir: Path | None,
    prices_dir: Path | None,
    price_provider: str | None,
    as_of: date | None,
    published: date | None,
    author: str | None,
    source_name: str | None,
    sources_file: Path | None,
    refresh: bool | None,
    use_inferred_dates: bool | None,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Run every stage: ingest, extract, prices, track, report.

    \b
    Example:
        thesis run corpus/ --prices ../shared/prices
        thesis run corpus/ --workers 2
        thesis run corpus/ --scheduler tcp://10.0.0.5:8786
    """
    from pipeline import run as stages
    from pipeline.ingest.documents import Overrides

    settings = _settings(
        ctx,
        report={"out_dir": out_dir},
        prices={"dir": prices_dir, "provider": price_provider},
        grading={"as_of": as_of, "use_inferred_dates": use_inferred_dates},
        fetch={"refresh": refresh},
        workers=workers,
        scheduler=scheduler,
    )
    overrides = Overrides(published, author, source_name)
    items = _sources(sources, sources_file)
    with _store(settings) as store:
        summary = stages.run_all(store, items, settings, overrides or None)
    _finish(summary)


@main.command()
@click.argument("table", type=LazyChoice("pipeline.report.export", "TABLES"))
@click.option(
    "--format",
    "fmt",
    type=LazyChoice("pipeline.report.export", "FORMATS"),
    default="jsonl",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: stdout).",
)
@click.pass_context
@expected_errors
def export(ctx: click.Context, table: str, fmt: str, output: Path | None) -> None:
    """Export claims, outcomes, articles, forecaster scorecards or instrument mentions.

    Formats: JSON Lines, CSV or Parquet. Mentions (article_id, url, symbol, text, start,
    end) are found in the stored article texts, with any --lexicon.

    \b
    Example:
        thesis export claims --format jsonl
        thesis export outcomes --format parquet -o outcomes.parquet
        thesis export mentions --format csv -o mentions.csv
    """
    from pipeline.report.export import export_table

    settings = _settings(ctx)
    with _store(settings) as store:
        count = export_table(store, table, fmt, output, settings.extract.lexicon)
    if output is not None:
        click.echo(f"wrote {count} {table} to {output}")


@main.command(name="eval")
@click.argument("gold_dir", type=click.Path(path_type=Path))
@click.option("--show-errors", is_flag=True, help="List missed and extra claims.")
@prices_option
@click.pass_context
@expected_errors
def eval_command(
    ctx: click.Context, gold_dir: Path, show_errors: bool, prices_dir: Path | None
) -> None:
    """Score extraction against gold files: precision, recall, F1 overall and per field.

    With --prices, a level target's direction is set by the close on the day it was
    published, as extraction does in a run with --prices.

    \b
    Example:
        thesis eval corpus/gold
        thesis eval ../shared/devset/gold --prices ../shared/prices --show-errors
    """
    from pipeline.extract.evaluate import evaluate_gold

    result = evaluate_gold(gold_dir, _settings(ctx, prices={"dir": prices_dir}))
    click.echo(result.table())
    if show_errors:
        for line in result.misses:
            click.echo(f"missed: {line}")
        for line in result.extras:
            click.echo(f"extra:  {line}")


@main.command()
@click.option(
    "--port",
    type=int,
    default=8001,
    show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open a browser.")
@click.pass_context
@expected_errors
def serve(ctx: click.Context, port: int, open_browser: bool) -> None:
    """Browse the database in Datasette, with canned queries (needs the [serve] extra).

    \b
    Example:
        pip install -e ".[serve]"
        thesis serve --open
    """
    from pipeline.report.serve import serve_database

    settings = _settings(ctx)
    raise SystemExit(serve_database(settings.db_path, port, open_browser))


def run_cli(argv: list[str] | None = None) -> None:
    """Console entry point: click's usage errors exit 1 like every other expected error."""
    try:
        main.main(args=argv, prog_name="thesis", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        raise SystemExit(EXIT_ERROR) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(EXIT_ERROR) from None


@main.command()
@click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled sentences (JSON Lines: text, side, label); default: the shipped set.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Model folder (default models/).",
)
@click.pass_context
@expected_errors
def train(ctx: click.Context, data: Path | None, out_dir: Path | None) -> None:
    """Train the catalyst/risk sentence classifier and save it with its model card.

    \b
    Example:
        thesis train
        thesis train --data my_sentences.jsonl --out models/
    """
    from pipeline.extract.train import default_data, train_tagger

    settings = _settings(ctx, extract={"model_dir": out_dir})
    card = train_tagger(data or default_data(), settings.extract.model_dir)
    click.echo(f"trained {card.version} on {card.examples} sentences ({len(card.labels)} classes)")
    click.echo(
        f"{card.cv_folds}-fold cross-validated macro F1: {card.cv_macro_f1_mean:.3f} +/- {card.cv_macro_f1_std:.3f}"
    )
    click.echo(
        f"training data sha256 {card.data_sha256[:16]}..., saved to {settings.extract.model_dir}"
    )
