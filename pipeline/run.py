"""Run: the one place that knows the order of stages (ingest → extract → prices → track → report).

Each function here runs one stage against the store and returns a summary; `run_all`
chains them. Bad items become Failure rows; the batch always goes on.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from pipeline.engine import map_items
from pipeline.extract.claims import EXTRACTOR_VERSION, extract_article, extraction_lost
from pipeline.ingest.dedupe import DuplicateIndex, article_keys, fingerprint
from pipeline.ingest.documents import Overrides, find_documents, ingest_sources
from pipeline.ingest.fetch import Fetcher
from pipeline.ingest.parse import language_name
from pipeline.iterate import T, batches
from pipeline.models import (
    Article,
    Claim,
    Disagreement,
    Failure,
    Outcome,
)
from pipeline.prices.book import PriceBook, symbols_needed, update_prices
from pipeline.prices.providers import make_provider
from pipeline.provenance import code_digest, input_digest
from pipeline.report.render import render_report
from pipeline.report.source import ReportInput, StoreSource
from pipeline.settings import Settings
from pipeline.store.database import Store
from pipeline.symbols import load_equivalents
from pipeline.track.resolve import reconcile_outcomes, resolve_claims

BATCH = 50


@dataclass
class Summary:
    """What a run did, for the CLI to print and tests to check."""

    articles_new: int = 0
    articles_seen: int = 0
    articles_updated: int = 0  # new versions of stored articles (a corrected page or file)
    claims_withdrawn: int = 0  # claims a corrected version no longer makes
    duplicates: int = 0
    claims_new: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    as_of: date | None = None
    written: list[Path] = field(default_factory=list)
    pages: int = 0
    counts: bool = True  # print the article and claim counts (not for report-only runs)
    net_of_drift: dict[str, int] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    skipped_language: int = 0
    not_retried: int = 0  # failed items unchanged since they failed (same code, same input)
    graded: int | None = None  # claims track graded (the others' decisions stand)
    pages_unchanged: int = 0  # report pages left as they were (their inputs had not changed)
    repaired: list[str] = field(default_factory=list)  # symbols whose prices were corrected
    regraded: bool = False
    queued: dict[str, int] = field(default_factory=dict)  # feed or sitemap -> links left
    item_cap: int = 0  # settings.fetch.max_items_per_source of the run

    def lines(self) -> list[str]:
        out = []
        if self.counts:
            out += [
                f"articles: {self.articles_seen} read, {self.articles_new} new, "
                f"{self.articles_updated} updated",
                f"claims: {self.claims_new} new"
                + (f", {self.claims_withdrawn} withdrawn" if self.claims_withdrawn else ""),
            ]
            if self.articles_updated:
                out.append(
                    f"  {self.articles_updated} article(s) changed since they were stored: "
                    "each is kept as a new version (articles.revision_of) and re-extracted"
                )
            if self.claims_withdrawn:
                out.append(
                    f"  {self.claims_withdrawn} claim(s) a corrected version no longer makes "
                    "are kept on the record as withdrawn (claims.withdrawn_by)"
                )
            if self.skipped_language:
                out.append(
                    f"  {self.skipped_language} article(s) not in English were kept but not "
                    "extracted (their reason is in articles.skip_reason)"
                )
            out += self._queue_lines()
        if self.outcomes:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
            out.append(f"outcomes as of {self.as_of}: {counts}")
            total = sum(self.outcomes.values())
            if self.graded is not None and self.graded < total:
                out.append(
                    f"  graded {self.graded} of {total} claims; the other decisions stand "
                    "(their prices are unchanged; --regrade decides every claim again)"
                )
        if self.net_of_drift:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(self.net_of_drift.items()))
            out.append(f"direction calls net of the market's drift: {counts}")
        if self.repaired:
            out.append(
                f"prices corrected for {', '.join(self.repaired)}: decisions made on the old "
                "prices were decided again"
            )
        if self.disagreements:
            rewritten = self.regraded or self.repaired
            kept = "old verdicts kept" if rewritten else "stored kept"
            out.append(
                f"history: {len(self.disagreements)} re-grade(s) differ from stored decisions "
                f"({kept}; see the outcome_history table)"
            )
            out += [f"  {d.line()}" for d in self.disagreements]
        out += [f"wrote {p}" for p in self.written]
        if self.pages > len(self.written):
            out.append(
                f"  and {self.pages - len(self.written)} claim and forecaster pages beside them"
            )
        if self.pages_unchanged:
            out.append(
                f"  {self.pages_unchanged} pages left as they were (nothing they show changed)"
            )
        if self.failures:
            again = (
                f" ({self.not_retried} unchanged since they failed before, with the same "
                "code: not tried again)"
                if self.not_retried
                else ""
            )
            out.append(f"failed: {len(self.failures)}{again}")
            out += [f"  {f.stage}: {f.item}: {f.reason}" for f in self.failures]
        return out

    def _queue_lines(self) -> list[str]:
        """How many links wait for the next run, and where (when more than one source)."""
        if not self.queued:
            return []
        total = sum(self.queued.values())
        lines = [
            f"{total} link{'' if total == 1 else 's'} queued for the next run (cap "
            f"{self.item_cap} per source; raise [thesis.fetch] max_items_per_source)"
        ]
        if len(self.queued) > 1:
            lines += [f"  {source}: {n}" for source, n in sorted(self.queued.items())]
        return lines


def _progress(items: Iterable[T], settings: Settings, total: int | None, desc: str) -> Iterator[T]:
    # disable=None: tqdm draws only when stderr is a terminal.
    yield from tqdm(
        items, total=total, desc=desc, disable=None if settings.progress else True, leave=False
    )


def ingest(
    store: Store,
    sources: Sequence[Path | str],
    settings: Settings,
    overrides: Overrides | None = None,
) -> Summary:
    """Read files, folders and URLs into the store, one transaction per batch of articles.

    A URL (str) may be a page, a feed or a sitemap; pages are fetched politely and
    cached (see pipeline/fetch.py). A feed or sitemap gives at most
    `settings.fetch.max_items_per_source` new links a run; the rest wait in the store's
    link queue for the next run. Copies of stored articles are recorded as duplicates;
    they are found through the store's index of originals (see pipeline/ingest/dedupe.py),
    which articles stored before it existed join first, a thousand at a time.
    """
    summary = Summary(item_cap=settings.fetch.max_items_per_source)
    paths = [s for s in sources if isinstance(s, Path)]
    total = len(find_documents(paths)) if len(paths) == len(sources) else None
    missing = store.texts_without_fingerprint()  # articles stored by an older version
    store.save_fingerprints({article_id: fingerprint(text) for article_id, text in missing})
    for stored in store.originals_without_keys():  # stored before the near-copy index
        store.save_article_keys([article_keys(*row) for row in stored])
    index = DuplicateIndex(known=store)
    with Fetcher(settings, cache=store) as fetcher:
        known = store.failures_by_input("ingest")
        items = ingest_sources(sources, fetcher, overrides, queue=store, known=known)
        for batch in batches(_progress(items, settings, total, "ingest"), BATCH):
            with store.transaction():  # a link leaves the queue with what it gave, or not at all
                _save_batch(store, batch, index, summary, update_metadata=bool(overrides))
            summary.not_retried += sum(
                f.input_digest in known for f in batch if isinstance(f, Failure)
            )
    summary.queued = store.queued_counts([s for s in sources if isinstance(s, str)])
    return summary


def _save_batch(
    store: Store,
    batch: Sequence[Article | Failure],
    index: DuplicateIndex,
    summary: Summary,
    *,
    update_metadata: bool,
) -> None:
    """Store one batch of ingest: originals, new versions, copies, duplicates and failures;
    the links they came from leave the link queue."""
    checked = [index.check(a) for a in batch if isinstance(a, Article)]
    originals = [a for a, found in checked if found is None]
    copies = [a for a, found in checked if found is not None and a.duplicate_of]
    failures = [f for f in batch if isinstance(f, Failure)]
    summary.articles_seen += len(checked)
    revisions = [a for a in originals if a.revision_of]
    fresh = [a for a in originals if not a.revision_of]
    summary.articles_new += store.save_articles(fresh, update_metadata=update_metadata)
    summary.articles_updated += store.save_articles(revisions)
    store.save_articles(copies)
    store.save_article_keys(
        [article_keys(a.article_id, a.location, a.url, a.fingerprint) for a in originals]
    )
    index.batch_stored()
    summary.duplicates += store.save_duplicates([d for _, d in checked if d])
    store.save_failures(failures)
    summary.failures += failures
    store.dequeue_links([a.location for a, _ in checked] + [f.item for f in failures])


def extraction_version(settings: Settings) -> str:
    """The version stored with each extraction: the rules, and the options that change what
    they read (inferred dates, the NER fallback that re-credits claims)."""
    version = EXTRACTOR_VERSION + ("+inferred-dates" if settings.grading.use_inferred_dates else "")
    return version + ("+ner" if settings.extract.use_ner else "")


#: Articles read from the store at a time for extraction: the stage holds a few of these
#: reads (and what the workers hold), never every pending article with its raw page.
EXTRACT_READ = 500


def extract(store: Store, settings: Settings) -> Summary:
    """Extract claims from every article not yet read by this extractor version, reading
    the articles from the store EXTRACT_READ at a time as the workers need them."""
    summary = Summary()
    version = extraction_version(settings)
    ids = store.article_ids(needing_extraction=version)
    failed_before = store.failures_by_input("extract")
    read: deque[Article] = deque()  # read, and not yet paired with its result

    def to_extract(articles: list[Article]) -> list[Article]:
        skipped = [(a.article_id, reason) for a in articles if (reason := _skip_reason(a))]
        if skipped:
            store.mark_skipped(skipped, version)
            summary.skipped_language += len(skipped)
            set_aside = {article_id for article_id, _ in skipped}
            articles = [a for a in articles if a.article_id not in set_aside]
        if settings.grading.use_inferred_dates:
            articles = [_with_inferred_date(a) for a in articles]
        return _not_failed_before(failed_before, articles, version, summary)

    def pending() -> Iterator[Article]:
        for start in range(0, len(ids), EXTRACT_READ):
            for article in to_extract(store.articles(ids=ids[start : start + EXTRACT_READ])):
                read.append(article)
                yield article

    work = partial(extract_article, settings=settings)
    results = ((read.popleft(), r) for r in map_items(work, pending(), settings, extraction_lost))
    for batch in batches(_progress(results, settings, len(ids), "extract"), BATCH):
        done = [(a, claims) for a, claims in batch if not isinstance(claims, Failure)]
        failed = [
            replace(failure, input_digest=_extraction_input(a, version))
            for a, failure in batch
            if isinstance(failure, Failure)
        ]
        summary.claims_new += store.save_extraction(
            [(a.article_id, claims) for a, claims in done], version
        )
        revised = [(a.article_id, a.revision_of) for a, _ in done if a.revision_of]
        summary.claims_withdrawn += store.mark_withdrawn(revised)
        store.save_failures(failed)  # the article stays queued, tried once it or the code changes
        summary.failures += failed
    return summary


def _extraction_input(article: Article, version: str) -> str:
    """What extraction read: its code, its version and options, and the article's text."""
    code = code_digest("pipeline.extract", "pipeline.kinds")
    return input_digest(code, version, article.text, str(article.published))


def _not_failed_before(
    known: Mapping[str, Failure], pending: list[Article], version: str, summary: Summary
) -> list[Article]:
    """`pending` without the articles whose extraction failed before on the same text with
    the same code (`known`: stored failures by input digest): their stored failures go
    into `summary` as they were."""
    if not known:
        return pending
    keep = []
    for article in pending:
        failed = known.get(_extraction_input(article, version))
        if failed is None:
            keep.append(article)
        else:
            summary.failures.append(failed)
            summary.not_retried += 1
    return keep


def _skip_reason(article: Article) -> str | None:
    """Why extraction sets an article aside: today only a language other than English."""
    if article.language and article.language != "en":
        name = language_name(article.language)
        return (
            f"not English: the text reads as {name} ({article.language}); the extraction "
            "rules read English commentary only, so the article is kept but not extracted"
        )
    return None


def _with_inferred_date(article: Article) -> Article:
    """With --use-inferred-dates: an undated article is graded from its inferred date."""
    if article.published is None and article.published_inferred is not None:
        return replace(article, published=article.published_inferred)
    return article


def load_prices(store: Store, settings: Settings) -> tuple[PriceBook, list[Failure]]:
    """Prices for every symbol the stored claims need: from --prices, else the online
    provider, on top of the cache."""
    equivalents = load_equivalents(settings.extract.lexicon)
    wanted = symbols_needed(store.claim_symbols(), settings.grading.default_benchmark, equivalents)
    book, failures = update_prices(store, make_provider(settings), wanted, equivalents=equivalents)
    store.save_failures(failures)
    return book, failures


#: The `meta` key of the grading code's digest when every claim was last graded.
GRADING_CODE = "grading_code"
#: The `meta` keys of each series' digest as last graded ("series:IWM").
SERIES_DIGEST = "series:"


def _series_digests(book: PriceBook) -> dict[str, str]:
    """A digest of each series the book holds, closes and splits, with its last day
    ("digest@2024-06-28"): a decision made on a series whose digest has changed since (a
    corrected cache, however it happened) is graded again, and a verdict that differs is
    recorded in the outcome history."""
    out = {}
    for symbol, closes in book.closes.items():
        last = closes.index.max().date().isoformat() if len(closes) else ""
        out[symbol] = f"{_series_digest(closes, book.splits.get(symbol, []))}@{last}"
    return out


def _series_digest(closes: pd.Series, splits: object) -> str:
    digest = hashlib.sha256(pd.util.hash_pandas_object(closes, index=True).to_numpy().tobytes())
    digest.update(repr(splits).encode())
    return digest.hexdigest()[:16]


def _digest_of(stored: str) -> str:
    return stored.partition("@")[0]


def _only_grown(before: str, book: PriceBook, symbol: str) -> bool:
    """Whether the series is the one digested as `before` with later closes added and
    nothing else changed (the next day's prices): no decision can rest on a close after
    the last day it was graded on, so decided claims are not graded again for it."""
    digest, _, last = before.partition("@")
    closes = book.closes.get(symbol)
    if not last or closes is None:
        return False
    kept = closes[closes.index <= pd.Timestamp(last)]
    return len(kept) < len(closes) and _series_digest(kept, book.splits.get(symbol, [])) == digest


#: Claims graded and stored at a time: a stage holds one batch of claims, never them all.
TRACK_BATCH = 20_000


def track(store: Store, settings: Settings, book: PriceBook | None = None) -> Summary:
    """Grade the claims whose outcome can change: those not yet decided, and decisions made
    on prices corrected since. Decided outcomes are never rewritten, except on corrected
    prices or with `regrade`. When the grading code or the grading settings change (a new
    release, another default benchmark or drift), every claim is graded once more, so a
    re-grade that differs from a stored decision is recorded in the outcome history and
    listed in the summary. Claims are read, graded and stored TRACK_BATCH at a time."""
    summary = Summary(counts=False)
    if book is None:
        book, summary.failures = load_prices(store, settings)
    as_of = settings.grading.as_of or book.last_date() or date.today()
    # the grading code and the settings that change verdicts (benchmark, drift, dates)
    rules = replace(settings.grading, as_of=None, regrade=False)
    code = input_digest(code_digest("pipeline.track", "pipeline.kinds"), repr(rules))
    everything = settings.grading.regrade or store.meta(GRADING_CODE) != code
    digests = _series_digests(book)
    seen = store.meta_like(SERIES_DIGEST)
    moved = {  # (a digest stored before the last day was kept with it compares alike)
        s for s, d in digests.items() if _digest_of(seen.get(SERIES_DIGEST + s, d)) != _digest_of(d)
    }
    changed = {s for s in moved if not _only_grown(seen[SERIES_DIGEST + s], book, s)}
    same_book = not moved and seen.keys() == {SERIES_DIGEST + s for s in digests}
    if everything:
        ids = store.claim_ids()
    else:  # a stored decision stands unless the prices it rests on changed
        added = bool({SERIES_DIGEST + s for s in digests} - seen.keys())
        ids = store.claims_to_grade(as_of, book.repaired | changed, same_book, added)
    summary.graded = len(ids)
    failed: list[Failure] = []
    for start in range(0, len(ids), TRACK_BATCH):
        batch = ids[start : start + TRACK_BATCH]
        fresh, failures = _resolve_each(store.claims(batch), book, as_of, settings)
        store.save_failures(failures)
        failed += failures
        to_save, disagreements = reconcile_outcomes(
            store.outcomes(batch), fresh, book.repaired, settings.grading.regrade
        )
        store.save_outcomes(to_save)
        store.save_disagreements(disagreements)
        summary.disagreements += disagreements
    summary.failures += failed
    summary.repaired = sorted(book.repaired)
    summary.regraded = settings.grading.regrade
    facts = {SERIES_DIGEST + symbol: digest for symbol, digest in digests.items()}
    if not failed:  # every decision was checked by this code
        facts[GRADING_CODE] = code
    store.set_meta(facts, replace=SERIES_DIGEST)
    summary.as_of = as_of
    summary.outcomes, summary.net_of_drift = store.outcome_counts()
    return summary


def _resolve_each(
    claims: list[Claim], book: PriceBook, as_of: date, settings: Settings
) -> tuple[list[Outcome], list[Failure]]:
    """Outcomes for all claims at once (vectorised); if that fails unexpectedly, claim by
    claim, so one claim's error is one Failure and every other claim is still graded."""
    try:
        return resolve_claims(claims, book, as_of, settings), []
    except Exception:
        outcomes: list[Outcome] = []
        failed: list[Failure] = []
        for claim in claims:
            try:
                outcomes += resolve_claims([claim], book, as_of, settings)
            except Exception as exc:
                failed.append(Failure.unexpected(f"claim {claim.claim_id}", "track", exc))
        return outcomes, failed


def report(
    store: Store,
    settings: Settings,
    as_of: date | None = None,
    formats: Sequence[str] = ("html", "md"),
) -> Summary:
    """Write the report (HTML pages and/or Markdown) to settings.report.out_dir."""
    data = report_input(store, settings, as_of)
    rendered = render_report(data, settings.report.out_dir, formats)
    counts = (
        _count(data.outcomes.values())
        if isinstance(data, ReportInput)
        else store.outcome_counts()[0]
    )
    summary = Summary(as_of=data.as_of, outcomes=counts, counts=False)
    summary.written = [rendered.folder / rel for rel in rendered.drawn if "/" not in rel]
    summary.pages = len(rendered.drawn)
    summary.pages_unchanged = rendered.pages_unchanged
    store.save_failures(rendered.failures)
    summary.failures += rendered.failures
    return summary


def report_input(
    store: Store, settings: Settings, as_of: date | None = None
) -> ReportInput | StoreSource:
    """What the report shows: the claims on the record with their stored outcomes, read
    from the store in batches, and the price series the charts and the price-data flags
    need (the graded series and benchmarks, from the cache).

    With an explicit `as_of`, claims are graded again in memory as of that date (stored
    decisions are history and are not rewritten), and everything is held in memory.
    """
    cached = store.price_symbols()
    sources = {symbol: provider for symbol, (_, _, provider) in cached.items()}

    def closes(wanted: set[str]) -> dict[str, pd.Series]:
        return {s: store.prices(s)["close"].dropna() for s in wanted if s in cached}

    if as_of is None:
        return StoreSource(
            store,
            closes,
            as_of=settings.grading.as_of or store.latest_grading_date(),
            sources=sources,
        )
    claims = store.claims()
    book, _ = load_prices(store, settings)
    outcomes = {o.claim_id: o for o in resolve_claims(claims, book, as_of, settings)}
    graded = {s for o in outcomes.values() for s in (o.series, o.benchmark_series) if s}
    wanted = graded | {c.benchmark for c in claims if c.benchmark}
    return ReportInput(claims, outcomes, store.article_texts(), closes(wanted), as_of, sources)


def run_all(
    store: Store,
    sources: Sequence[Path | str],
    settings: Settings,
    overrides: Overrides | None = None,
) -> Summary:
    """Every stage in order: ingest, extract, prices, track, report."""
    summary = ingest(store, sources, settings, overrides)
    extracted = extract(store, settings)
    summary.claims_new, summary.skipped_language = (
        extracted.claims_new,
        extracted.skipped_language,
    )
    summary.claims_withdrawn = extracted.claims_withdrawn
    summary.failures += extracted.failures
    summary.not_retried += extracted.not_retried
    tracked = track(store, settings)
    summary.failures += tracked.failures
    summary.outcomes, summary.as_of = tracked.outcomes, tracked.as_of
    summary.net_of_drift, summary.disagreements = tracked.net_of_drift, tracked.disagreements
    summary.repaired, summary.regraded = tracked.repaired, tracked.regraded
    summary.graded = tracked.graded
    reported = report(store, settings)
    summary.written, summary.pages = reported.written, reported.pages
    summary.pages_unchanged = reported.pages_unchanged
    summary.failures += reported.failures
    return summary


def _count(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts
