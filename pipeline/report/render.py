"""Report: claims next to what happened, and forecaster scorecards.

Input: a `ClaimSource`: a `ReportInput` (claims, outcomes, article texts, price series,
run facts in memory) or a `StoreSource` (the same, read from the store in batches).
Output files in the report folder: index.html (overview, leaderboard, every claim),
claims/<claim_id>.html (evidence in its paragraph, source link, price chart),
forecasters/<name>.html (scorecard), claims.md and summary.md. Every page is
self-contained and opens offline; everything from an article is escaped by Jinja2.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from pipeline.errors import OutputError
from pipeline.extract.instruments import find_mentions
from pipeline.kinds import KINDS, ClaimKindSpec
from pipeline.models import Claim, Failure, Outcome
from pipeline.prices.quality import SeriesFlag
from pipeline.provenance import code_digest, input_digest
from pipeline.report.charts import ChartSpec, chart_digest, price_path_svg
from pipeline.report.flags import Flags, claim_flags, flagged_symbols, flags_by_symbol
from pipeline.report.incremental import MANIFEST as MANIFEST
from pipeline.report.incremental import (
    PAGE_FOLDERS,
    PARTS,
    UNKNOWN,
    BatchKeys,
    BatchRecord,
    BatchRows,
    KeptClaim,
    Previous,
    PriceKeys,
    batch_keys,
    batch_part,
    card_as_printed,
    change_numbers,
    claims_key,
    flagged_of,
    manifest_text,
    read_previous,
    state_key,
)
from pipeline.report.scorecard import (
    MIN_RESOLVED,
    PRIOR_WEIGHT,
    Scorecard,
    build_scorecards,
    shared_labels,
    unique_slugs,
)
from pipeline.report.source import ClaimSource
from pipeline.report.source import ReportInput as ReportInput
from pipeline.symbols import canonical


@dataclass(frozen=True)
class ReportRow:
    claim: Claim
    outcome: Outcome | None
    predicted: str
    page: str
    #: Suspect stretches of the price data the verdict rests on (`report/flags.py`).
    flags: tuple[SeriesFlag, ...] = ()

    @property
    def status(self) -> str:
        return self.outcome.status if self.outcome else "untracked"

    @property
    def kind(self) -> ClaimKindSpec:
        """The claim's kind, for what its chart shows."""
        return KINDS[self.claim.kind]


def describe_claim(claim: Claim) -> str:
    """What was predicted, in plain words: "IWM +70% by 2024-11-28, horizon assumed"."""
    what = KINDS[claim.kind].describe(claim)
    if claim.horizon_end:
        what += f" by {claim.horizon_end.isoformat()}"
        if claim.horizon_start and claim.published and claim.horizon_start > claim.published:
            what += f" (from {claim.horizon_start.isoformat()})"
    if claim.horizon_assumed:
        what += ", horizon assumed"
    flags = [f for f, on in (("negated", claim.negated), ("conditional", claim.conditional)) if on]
    return what + (f" [{', '.join(flags)}]" if flags else "")


def safe_url(value: object) -> str | None:
    """Only http(s) links reach the page: a `javascript:` URL in an article is dropped."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else None


def md_cell(value: object) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no raw HTML and
    no links or images (brackets escaped, so `[x](javascript:...)` stays text)."""
    text = " ".join(str(value).split())
    for char in ("\\", "|", "[", "]", "`"):
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def highlight(text: str, start: int, end: int) -> Markup:
    """The paragraph around [start, end) with that span marked; everything escaped."""
    if not text or not 0 <= start < end <= len(text):
        return Markup("")
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", end)
    right = len(text) if right == -1 else right
    return Markup("{}<mark>{}</mark>{}").format(text[left:start], text[start:end], text[end:right])


#: A staging folder older than this was left by a killed run and is removed.
STALE_STAGE_SECONDS = 3600


@dataclass
class Rendered:
    """What a report did, by path relative to the report folder: the files it wrote
    (`drawn`), the pages it left as they were (their content had not changed: `kept` one
    by one, and `kept_in_batches` pages of listing batches left whole), and the pages that
    could not be rendered (each one a Failure; its file holds a short page that says so,
    so every link still resolves). `digests` are the keys of the pages outside listing
    batches (MANIFEST); a batch's page keys are in its keys file."""

    folder: Path = Path()
    drawn: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    kept_in_batches: int = 0
    digests: dict[str, str] = field(default_factory=dict)
    previous: Previous = field(default_factory=Previous, repr=False)
    batches: dict[int, BatchRecord] = field(default_factory=dict, repr=False)
    kept_batches: set[int] = field(default_factory=set, repr=False)
    staged: list[str] = field(default_factory=list, repr=False)  # claims.md parts, batch keys
    stage: Path = field(default=Path(), repr=False)  # where files are written first

    @property
    def written(self) -> list[Path]:
        return [self.folder / rel for rel in self.drawn]

    @property
    def unchanged(self) -> list[Path]:
        """The pages left as they were one by one (not those of batches kept whole)."""
        return [self.folder / rel for rel in self.kept]

    @property
    def pages_unchanged(self) -> int:
        return len(self.kept) + self.kept_in_batches

    def write(self, rel: str, text: str) -> None:
        """A file of the report, into the staging folder."""
        _write(self.stage / rel, text)
        self.drawn.append(rel)

    def stage_file(self, rel: str, text: str) -> None:
        """A file the next run reads (a part of claims.md, a batch's keys), staged."""
        _write(self.stage / rel, text)
        self.staged.append(rel)


#: The index lists this many of the most recently published claims; with more, every
#: claim is listed on pages of LISTING_ROWS, oldest first (so a day's new claims change
#: only the last pages), and the index stays small however many claims there are.
INDEX_ROWS = 500
LISTING_ROWS = 1000
#: The index's leaderboard shows the first INDEX_FORECASTERS (with more, leaderboard.html
#: lists them all) and its "By forecaster" card the TOP_FORECASTERS with the most claims.
INDEX_FORECASTERS = 200
TOP_FORECASTERS = 20


@dataclass(frozen=True)
class ListingPage:
    """One page of the list of every claim: its rows' positions (1-based) and its links."""

    number: int
    first: int
    last: int
    pages: int

    @property
    def label(self) -> str:  # without the count of pages, so a new page changes no other
        return f"page {self.number}"

    def key(self) -> tuple[int, int, int, bool]:
        """What the page shows of itself: a new page changes only the one before it (its
        link to the next)."""
        return (self.number, self.first, self.last, self.next is not None)

    @property
    def name(self) -> str:
        return f"page-{self.number}.html"

    @property
    def href(self) -> str:  # from the index
        return f"listing/{self.name}"

    @property
    def previous(self) -> str | None:
        return f"page-{self.number - 1}.html" if self.number > 1 else None

    @property
    def next(self) -> str | None:
        return f"page-{self.number + 1}.html" if self.number < self.pages else None


def render_report(
    data: ClaimSource, out_dir: Path, formats: Sequence[str] = ("html", "md")
) -> Rendered:
    """Write the report files into `out_dir`.

    The report is written whole into a staging folder inside `out_dir` first, then moved
    into place file by file (each move atomic), the index last, and only then are pages
    the new report no longer has removed: a reader (or a run killed half-way) sees the
    old report or the new one, and every link of the index it sees resolves. A claim or
    forecaster page that fails to render is one Failure; every other page is written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for left in out_dir.glob(".partial-*"):  # left by a run that was killed
            if time.time() - left.stat().st_mtime > STALE_STAGE_SECONDS:
                shutil.rmtree(left, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=out_dir))
    except OSError as exc:
        raise OutputError.writing(out_dir, exc) from exc
    try:
        done = Rendered(out_dir, previous=read_previous(out_dir), stage=stage)
        _render_into(data, stage, formats, done)
        (stage / MANIFEST).write_text(manifest_text(done.digests, done.batches), encoding="utf-8")
        _publish(stage, out_dir, [*done.drawn, *done.staged], _gone(done))
        done.previous = Previous()
        return done
    except OSError as exc:  # the disk filled up, the folder was taken away
        raise OutputError.writing(out_dir, exc) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _publish(stage: Path, out_dir: Path, staged: list[str], gone: list[str]) -> None:
    index = "index.html"
    made: set[Path] = set()
    # the pages first, then the manifest that describes them, the index last, so every
    # page it links to is in place before it
    last = [MANIFEST, *([index] if (stage / index).exists() else [])]  # none in "md" only
    for rel in [*(r for r in staged if r != index), *last]:
        target = out_dir / rel
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        (stage / rel).replace(target)
    for rel in gone:  # a page of a claim or forecaster no longer in the report
        (out_dir / rel).unlink(missing_ok=True)


def _gone(done: Rendered) -> list[str]:
    """The files of the report in place that the new one no longer has: pages outside
    batches it did not draw or keep, and the pages, part and keys of each batch it drew
    again that are not among the pages it drew (a claim may have moved to another batch)."""
    previous = done.previous
    old = set(previous.pages)
    for number in previous.batches:
        if number not in done.kept_batches:
            old.update(previous.batch_pages(number))
            old.update((batch_part(number), batch_keys(number)))
    if not old:
        return []
    old.difference_update(done.drawn, done.kept, done.staged)
    return sorted(rel for rel in old if rel.split("/", 1)[0] in PAGE_FOLDERS)


@dataclass(frozen=True)
class _Keys:
    """What a page's key is made of (pipeline/report/incremental.py): the state every page
    shares, the price series' digests, and per claim (the summary's positions) its
    change number, the series its pages may show and the last day its chart shows."""

    state: str
    prices: PriceKeys
    seqs: np.ndarray
    symbols: tuple[np.ndarray, list[str]]  # codes by way and claim, and their symbols
    ends: np.ndarray

    def of(self, at: np.ndarray, *shown: object, charts: bool = True) -> str | None:
        """The key of a page (or batch) of the claims at positions `at` that shows
        `shown` besides them; None when a claim has no change number. Without `charts`
        (a page that draws none), a series counts by its flags and provider only."""
        codes, names = self.symbols
        series = self.prices.key(codes[:, at], names, self.ends[at], charts)
        return claims_key(self.state, self.seqs[at], *shown, series)

    def rows(self, at: np.ndarray) -> list[str | None]:
        """A short key for each claim at positions `at` as a row that draws no chart (a
        forecaster page's): the claim's change number, and a digest of the drawing code
        and of its series' flags and providers; None where it has no change number."""
        codes, names = self.symbols
        digests: dict[tuple[int, ...], str] = {}
        out: list[str | None] = []
        for seq, shown in zip(self.seqs[at].tolist(), codes[:, at].T.tolist(), strict=True):
            if seq == UNKNOWN:
                out.append(None)
                continue
            ways = tuple(shown)
            if (digest := digests.get(ways)) is None:
                series = {names[code] for code in ways if code >= 0}
                digest = digests[ways] = input_digest(self.state, self.prices.flags_of(series))
            out.append(f"{seq}.{digest}")
        return out

    def each(self, at: np.ndarray, *shown: Sequence[object]) -> list[str | None]:
        """The key of each claim at positions `at` on its own: what its page, its listing
        row and its line of claims.md show; `shown` holds a value per claim. The same key
        as `of` for that claim alone, without its sorting of arrays (a claim's series all
        count up to its own chart's end)."""
        codes, names = self.symbols
        seqs, ends = self.seqs[at].tolist(), self.ends[at].tolist()
        out: list[str | None] = []
        for i, ways in enumerate(codes[:, at].T.tolist()):
            if seqs[i] == UNKNOWN:
                out.append(None)
                continue
            series = sorted({names[code] for code in ways if code >= 0})
            prices = input_digest("prices", *(f"{s}={self.prices.of(s, ends[i])}" for s in series))
            out.append(
                claims_key(self.state, np.array(seqs[i : i + 1]), *(v[i] for v in shown), prices)
            )
        return out


def _render_into(
    source: ClaimSource, out_dir: Path, formats: Sequence[str], done: Rendered
) -> None:
    """Every page, reading the claims LISTING_ROWS at a time in the listing's order (a
    listing page and its claims' pages per batch); then the forecasters' pages, one
    forecaster's claims at a time; the index and the summaries last. A batch or page
    whose key is unchanged is kept without reading its claims."""
    summary = source.summary()
    flags = flags_by_symbol(source.closes)
    cards = build_scorecards(summary)
    context = _overview(source, summary, cards)
    env = _environment()
    keys = _Keys(
        state_key(_report_code()),
        PriceKeys(source.closes, flags, source.sources),
        change_numbers(summary),
        _symbol_columns(summary),
        _chart_ends(summary),
    )
    order = _listing_order(summary)
    pages = _listing_pages(len(order)) if len(order) > INDEX_ROWS else []
    html, markdown = "html" in formats, "md" in formats
    for folder in ("claims", PARTS, *(["listing"] if pages else [])):
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
    claims_md = _MarkdownClaims(env, out_dir / "claims.md", context) if markdown else None
    listing = _Listing(env, source, summary, flags, context, keys, done, html, claims_md)
    records = [listing.batch(n, page, order) for n, page in enumerate(_batches(len(order), pages))]
    claims_by_symbol = Counter[str]()
    for record in records:
        claims_by_symbol.update(record.symbols)
    context["flagged"] = flagged_symbols(flags, claims_by_symbol)
    context["flagged_claims"] = sum(r.flagged for r in records)
    if html:
        _forecaster_pages(env, source, summary, cards, flags, context, done, keys)
        recent_ids = _texts(summary, "claim_id", order[::-1][:INDEX_ROWS] if pages else order)
        recent = _rows(source, recent_ids, flags)
        index = {
            **context,
            "rows": recent,
            "row_html": _row_html(env, recent, context, ""),
            "listing_pages": pages,
            "per_page": LISTING_ROWS,
            "shown_cards": cards[:INDEX_FORECASTERS],
            "top_forecasters": TOP_FORECASTERS,
        }
        if len(cards) > INDEX_FORECASTERS:
            done.write(
                "leaderboard.html", env.get_template("leaderboard.html.j2").render(**context)
            )
        done.write("index.html", env.get_template("report.html.j2").render(**index))
    if claims_md:
        claims_md.close()
        done.drawn.append("claims.md")
        done.write("summary.md", env.get_template("summary.md.j2").render(**context))


def _batches(total: int, pages: list[ListingPage]) -> list[ListingPage | None]:
    """One entry per batch of LISTING_ROWS claims: its listing page (None without pages)."""
    count = -(-total // LISTING_ROWS)
    return list(pages) if pages else [None] * count


@dataclass
class _Listing:
    """The listing's batches: each one's listing page, claim pages and part of claims.md,
    kept as they are when the batch's key is the one the report in place was drawn from."""

    env: Environment
    source: ClaimSource
    summary: pd.DataFrame
    flags: Flags
    context: dict[str, object]
    keys: _Keys
    done: Rendered
    html: bool
    claims_md: _MarkdownClaims | None

    def batch(self, number: int, page: ListingPage | None, order: np.ndarray) -> BatchRecord:
        """Batch `number` (the claims at `order[number * LISTING_ROWS:]`), kept or drawn;
        what the index needs of it."""
        at = order[number * LISTING_ROWS : (number + 1) * LISTING_ROWS]
        ids = _texts(self.summary, "claim_id", at)
        page_of: Callable[[str], str] = self.context["slug"]  # type: ignore[assignment]
        links = [page_of(f) for f in _texts(self.summary, "forecaster", at)]
        key = self.keys.of(at, page.key() if page else None, ids, links)
        count = len(ids) + (1 if page else 0) if self.html else 0
        if key is not None and (kept := self._kept(number, key, page, count)):
            return kept
        done = self.done
        done.previous.hold_around(number)
        own = self.keys.each(at, ids, links)
        reused = self._reusable(ids, own, page)
        drawn = {
            r.claim.claim_id: r
            for r in _rows(self.source, [i for i in ids if i not in reused], self.flags)
        }
        keys: dict[str, str] = {}
        if self.html:
            _claim_pages(self.env, self.source, list(drawn.values()), self.context, done, keys)
        new_html = _row_html(self.env, list(drawn.values()), self.context, "../") if page else []
        html_of = dict(zip(drawn, new_html, strict=False))
        claims, row_html, lines = [], [], []
        for claim_id, claim_key in zip(ids, own, strict=True):
            if (old := reused.get(claim_id)) is not None:
                if self.html:
                    rel = f"claims/{claim_id}.html"
                    keys[rel] = old.page_key
                    done.kept.append(rel)
                row_html.append(Markup(old.html))
                lines.append(old.md)
                claims.append(KeptClaim(claim_id, claim_key, old.flagged))
            elif (row := drawn.get(claim_id)) is not None:
                row_html.append(html_of.get(claim_id, Markup("")))
                lines.append(self.claims_md.line(row) if self.claims_md else "")
                claims.append(KeptClaim(claim_id, claim_key, flagged_of(row.flags)))
        if self.html and page:
            listing_key = None
            if all(k is not None for k in own):
                listing_key = input_digest(_report_code(), repr((page.key(), own)))
            rows = list(drawn.values())
            _listing_page(self.env, page, row_html, rows, listing_key, self.context, done, keys)
        if self.claims_md:
            done.stage_file(batch_part(number), self.claims_md.add("".join(lines)))
        done.stage_file(batch_keys(number), BatchKeys(keys, tuple(claims)).text())
        done.batches[number] = record = BatchRecord.of(
            key or "", len(keys), (c.flagged for c in claims)
        )
        return record

    def _reusable(
        self, ids: list[str], own: list[str | None], page: ListingPage | None
    ) -> dict[str, _Reused]:
        """The claims of the batch whose own key is the one the report in place drew them
        with (in this batch or one beside it: a claim moves when an earlier one comes in),
        with what was drawn of them: their page stays, their row and line are reused. A
        claim without a key, or whose page, row or line cannot be found, is drawn."""
        previous = self.done.previous
        near = previous.claims_near()
        found: dict[int, BatchRows] = {}
        reused: dict[str, _Reused] = {}
        for claim_id, key in zip(ids, own, strict=True):
            if key is None or (at := near.get(claim_id)) is None or at[1].key != key:
                continue
            number, kept = at
            pages = previous.batch_keys_of(number).pages
            listing = f"listing/page-{number + 1}.html"
            if number not in found:
                shown = listing if page and listing in pages else None
                found[number] = previous.rows_of(number, shown, self.claims_md is not None)
            rows, rel = found[number], f"claims/{claim_id}.html"
            html = rows.html.get(claim_id, "") if page else ""
            md = rows.md.get(claim_id, "") if self.claims_md else ""
            page_key = pages.get(rel, "") if self.html else ""
            if (page and not html) or (self.claims_md and not md):
                continue
            if self.html and not (page_key and previous.exists(rel)):
                continue
            reused[claim_id] = _Reused(html, md, page_key, kept.flagged)
        return reused

    def _kept(
        self, number: int, key: str, page: ListingPage | None, count: int
    ) -> BatchRecord | None:
        """The batch as the report in place has it, if nothing any of its pages shows has
        changed and its listing page, part and keys are there; None otherwise. (Its claim
        pages are not looked for one by one: a page deleted by hand comes back when its
        batch changes, or with every page when the manifest is deleted.)"""
        done, before = self.done, self.done.previous.batches.get(number)
        if before is None or before.key != key or before.pages != count:
            return None
        needed = [batch_keys(number)]
        needed += [f"listing/{page.name}"] if self.html and page else []
        needed += [batch_part(number)] if self.claims_md else []
        if not all(done.previous.exists(rel) for rel in needed):
            return None
        if self.claims_md:
            self.claims_md.copy(done.folder / batch_part(number))
        done.kept_in_batches += count
        done.kept_batches.add(number)
        done.batches[number] = before
        return before


@dataclass(frozen=True)
class _Reused:
    """What the report in place drew of an unchanged claim: its listing row, its line of
    claims.md, its page's key and the symbols whose flags it shows."""

    html: str
    md: str
    page_key: str
    flagged: tuple[str, ...]


def _row_html(
    env: Environment, rows: list[ReportRow], context: dict[str, object], base: str
) -> list[Markup]:
    """Each row's line of a claims table (`base`: the way from the page to the report's
    root)."""
    template = env.get_template("_claim_row.html.j2")
    slug = context["slug"]
    return [Markup(template.render(r=row, base=base, slug=slug)) for row in rows]


def _texts(summary: pd.DataFrame, name: str, at: np.ndarray) -> list[str]:
    """The text in column `name` of the summary's rows at positions `at` (converting only
    those: a whole column of a million claims is a million objects)."""
    return [str(v) for v in summary[name].array.take(at).tolist()]


def _symbol_columns(summary: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The price series each claim's pages may show (graded series, benchmark series, the
    benchmark as written and its canonical symbol): a row of codes per way, a column per
    claim (`[:, positions]`), -1 where there is none; and the symbols the codes stand for."""
    benchmark = shared_labels(summary["benchmark"])
    symbols = {b: canonical(b) for b in set(benchmark.tolist()) if b}
    written = np.array([symbols.get(b) if b else None for b in benchmark.tolist()], dtype=object)
    series = [shared_labels(summary[n]) for n in ("series", "benchmark_series")]
    ways = np.concatenate([*series, benchmark, written])
    ways[ways == ""] = None
    codes, names = pd.factorize(ways, use_na_sentinel=True)
    return codes.astype(np.int32).reshape(4, len(summary)), [str(n) for n in names]


def _chart_ends(summary: pd.DataFrame) -> np.ndarray:
    """The last day each claim's chart shows (`_chart_spec`: the horizon's end, else the
    outcome's end, else its start), in ns; the earliest time for a claim without one."""
    ends = [pd.to_datetime(summary[n], errors="coerce") for n in ("end_date", "start_date")]
    end = pd.to_datetime(summary["horizon_end"], errors="coerce")
    for fallback in ends:
        end = end.fillna(fallback)
    days: np.ndarray = end.to_numpy(dtype="datetime64[ns]").astype(np.int64)  # NaT: the least
    return days


def _listing_order(summary: pd.DataFrame) -> np.ndarray:
    """The summary's row positions oldest first (undated first); on one day, in the
    source's order (the store's: by article, in reading order). The listing's and
    claims.md's order: a day's new claims come last, so they change the last pages only."""
    published = summary["published"].astype(object).fillna("")
    return np.asarray(published.sort_values(kind="stable").index, dtype=np.intp)


def _rows(source: ClaimSource, ids: Sequence[str], flags: Flags) -> list[ReportRow]:
    return [_row(claim, outcome, flags) for claim, outcome in source.load(ids)]


class _MarkdownClaims:
    """claims.md, written as the batches come: the header, then each batch's rows (a
    template's last newline is dropped by Jinja, so the header's is written here)."""

    def __init__(self, env: Environment, path: Path, context: dict[str, object]) -> None:
        self.path, self.row = path, env.get_template("_claim_row.md.j2")
        self.file = path.open("w", encoding="utf-8")
        self.file.write(env.get_template("claims.md.j2").render(**context) + "\n")

    def line(self, row: ReportRow) -> str:
        """A claim's line (one line, ending in a newline)."""
        return self.row.render(r=row) + "\n"

    def add(self, text: str) -> str:
        """A batch's lines; returned, to be kept as its part (the next run reuses it, or
        the lines of its unchanged claims)."""
        self.file.write(text)
        return text

    def copy(self, part: Path) -> None:
        """A batch's rows as an earlier run wrote them."""
        with part.open(encoding="utf-8") as kept:
            shutil.copyfileobj(kept, self.file)

    def close(self) -> None:
        self.file.close()


def _row(claim: Claim, outcome: Outcome | None, flags: Flags) -> ReportRow:
    page = f"claims/{claim.claim_id}.html"
    return ReportRow(
        claim, outcome, describe_claim(claim), page, claim_flags(claim, outcome, flags)
    )


def _overview(
    source: ClaimSource, summary: pd.DataFrame, cards: list[Scorecard]
) -> dict[str, object]:
    published = summary["published"].dropna()
    by_forecaster = _most_common(summary["forecaster"].astype(str))
    return {
        "total": len(summary),
        "cards": cards,
        "slug": unique_slugs([name for name, _ in by_forecaster]).__getitem__,
        "as_of": source.as_of,
        "sources": sorted(source.sources.items()),
        "by_status": _most_common(summary["status"].fillna("untracked")),
        "by_forecaster": by_forecaster,
        "by_kind": _most_common(summary["kind"].astype(str)),
        "period": (
            (date.fromisoformat(published.min()), date.fromisoformat(published.max()))
            if len(published)
            else None
        ),
        "min_resolved": MIN_RESOLVED,
        "prior_weight": PRIOR_WEIGHT,
    }


def _most_common(column: pd.Series) -> list[tuple[str, int]]:
    """Each value with its count, most common first, ties in the order values first
    appear (as `Counter.most_common`), counted without a Python object per row."""
    codes, values = pd.factorize(column, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    order = np.argsort(-counts, kind="stable")
    return [(str(values[i]), int(counts[i])) for i in order]


def _report_code() -> str:
    """The digest of the code that draws pages, part of every page's input digest."""
    return code_digest("pipeline.report", "pipeline.kinds")


def _listing_pages(total: int) -> list[ListingPage]:
    count = -(-total // LISTING_ROWS)
    return [
        ListingPage(n + 1, n * LISTING_ROWS + 1, min(total, (n + 1) * LISTING_ROWS), count)
        for n in range(count)
    ]


def _listing_page(
    env: Environment,
    page: ListingPage,
    row_html: list[Markup],
    rows: list[ReportRow],
    key: str | None,
    context: dict[str, object],
    done: Rendered,
    keys: dict[str, str],
) -> None:
    """One page of the list of every claim, oldest first (`row_html`, each row drawn),
    drawn only if its rows changed: its key is `key` (from its claims' own keys), or
    without one the digest of `rows` (then every row of the page is in them); the key
    goes into `keys`."""
    page_of: Callable[[str], str] = context["slug"]  # type: ignore[assignment]

    def draw() -> str:
        template = env.get_template("listing.html.j2")
        return template.render({**context, "row_html": row_html, "page": page})

    def inputs() -> str:
        if key is not None:
            return key
        shown = [(r.claim, r.outcome, r.flags, page_of(r.claim.forecaster)) for r in rows]
        return input_digest(_report_code(), repr((page.key(), shown)))

    _write_page(env, f"listing/{page.name}", f"listing {page.label}", draw, inputs, done, keys)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline.report", "templates"),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2",), default_for_string=True, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mdcell"] = md_cell
    env.filters["safe_url"] = safe_url
    env.filters["pct"] = lambda v: "" if v is None or pd.isna(v) else f"{v:+.1f}%"
    env.filters["share"] = lambda v: "" if v is None or pd.isna(v) else f"{v * 100:.0f}%"
    env.filters["pval"] = lambda v: "" if v is None or pd.isna(v) else f"{v:.3f}"
    return env


def _claim_pages(
    env: Environment,
    source: ClaimSource,
    rows: list[ReportRow],
    context: dict[str, object],
    done: Rendered,
    keys: dict[str, str],
) -> None:
    """The page of each claim in `rows` (a batch), drawn only if its inputs changed; their
    keys go into `keys`."""
    template = env.get_template("claim.html.j2")
    page_of: Callable[[str], str] = context["slug"]  # type: ignore[assignment]
    texts = source.texts_of({r.claim.article_id for r in rows})
    mentioned: dict[str, list[tuple[str, str]]] = {}
    text_digests = {a: input_digest(text) for a, text in texts.items()}
    code = _report_code()

    def page(row: ReportRow) -> str:
        c, spec = row.claim, _chart_spec(row, source.closes)
        text = texts.get(c.article_id, "")
        if c.article_id not in mentioned:
            mentioned[c.article_id] = mentions_in(text)
        return template.render(
            row=row,
            mentions=mentioned[c.article_id],
            paragraph=highlight(text, c.evidence_start, c.evidence_end) or escape(c.evidence),
            chart=Markup(price_path_svg(spec) if spec else ""),
            forecaster_page=f"../forecasters/{page_of(c.forecaster)}.html",
        )

    def digest(row: ReportRow) -> str:
        c, spec = row.claim, _chart_spec(row, source.closes)
        text = text_digests.get(c.article_id) or input_digest("")
        chart = chart_digest(spec) if spec else ""
        inputs = (repr(c), repr(row.outcome), repr(row.flags), page_of(c.forecaster), chart)
        return input_digest(code, text, *inputs)

    for row in rows:
        rel = f"claims/{row.claim.claim_id}.html"
        draw, inputs = partial(page, row), partial(digest, row)
        _write_page(env, rel, f"claim {row.claim.claim_id}", draw, inputs, done, keys)


def mentions_in(text: str) -> list[tuple[str, str]]:
    """The instruments an article names: each symbol once, with the ways it was written."""
    written: dict[str, list[str]] = {}
    for m in find_mentions(text):
        forms = written.setdefault(m.symbol, [])
        if m.text not in forms:
            forms.append(m.text)
    return [(symbol, ", ".join(forms)) for symbol, forms in sorted(written.items())]


def _chart_spec(row: ReportRow, closes: dict[str, pd.Series]) -> ChartSpec | None:
    """What the claim's price chart draws, or None when it has no chart."""
    o, c = row.outcome, row.claim
    if o is None or o.series is None or o.start_date is None or o.series not in closes:
        return None
    kind = KINDS[c.kind]
    bench = None
    if kind.benchmark and c.benchmark:
        bench = next(
            (closes[s] for s in (c.benchmark, canonical(c.benchmark)) if s in closes), None
        )
    low, high = kind.chart_band(c, o) if kind.chart_band else (None, None)
    return ChartSpec(
        closes=closes[o.series],
        start=o.start_date,
        end=c.horizon_end or o.end_date or o.start_date,
        entry_price=o.start_price,
        target_low=low,
        target_high=high,
        hit_date=o.hit_date,
        benchmark=bench,
    )


def _forecaster_pages(
    env: Environment,
    source: ClaimSource,
    summary: pd.DataFrame,
    cards: list[Scorecard],
    flags: Flags,
    context: dict[str, object],
    done: Rendered,
    keys: _Keys,
) -> None:
    """Each forecaster's page, reading that forecaster's claims only, and only when the
    page must be drawn: its key (`keys`) is the card as printed, its percentile, and its
    claims' ids, change numbers and price series. A source without change numbers has
    each page's claims read to tell."""
    (done.stage / "forecasters").mkdir(parents=True, exist_ok=True)
    template = env.get_template("forecaster.html.j2")
    row_template = env.get_template("_forecaster_row.html.j2")
    page_of: Callable[[str], str] = context["slug"]  # type: ignore[assignment]
    positions = summary.groupby(summary["forecaster"].astype(str), sort=False).indices
    code = _report_code()
    none = np.array([], dtype=np.intp)

    ranked = sum(card.ranked for card in cards)

    def top(rank: int, card: Scorecard) -> int | None:
        """The page's place on the leaderboard as a percentile (in the top N%): unlike the
        rank, it stays as it is when a forecaster enters above, so the page is not drawn
        again for it; the leaderboard gives the rank."""
        return -(-100 * rank // ranked) if card.ranked else None

    def graded(at: np.ndarray) -> str | None:
        """The latest day the forecaster's claims were graded on (the page says so: not
        the run's grading date, which would redraw every page each day)."""
        days = summary["as_of"].array.take(at).dropna()
        return str(days.max()) if len(days) else None

    def page(
        rank: int, card: Scorecard, at: np.ndarray, rel: str, mine: Callable[[], list[ReportRow]]
    ) -> str:
        """The page, its calls' rows kept from the page in place where a row's key is the
        one it was drawn from: only the calls that changed are read and drawn."""
        ids = _texts(summary, "claim_id", at)
        own = keys.rows(at)
        before = done.previous.keyed_rows_of(rel)
        fresh = [
            i for i, k in zip(ids, own, strict=True) if k is None or before.get(i, ("",))[0] != k
        ]
        read = mine() if len(fresh) == len(ids) else _rows(source, fresh, flags)
        drawn = {r.claim.claim_id: r for r in read}
        row_html = []
        for claim_id, key in zip(ids, own, strict=True):
            if (row := drawn.get(claim_id)) is not None:
                row_html.append(Markup(row_template.render(r=row, key=key)))
            elif claim_id in before:
                row_html.append(Markup(before[claim_id][1]))
        shown = {"card": card, "top": top(rank, card), "row_html": row_html, "graded": graded(at)}
        return template.render({**context, **shown})

    def digest(
        rank: int, card: Scorecard, at: np.ndarray, mine: Callable[[], list[ReportRow]]
    ) -> str:
        mine_ids = _texts(summary, "claim_id", at)
        percentile = top(rank, card)
        printed = card_as_printed(card, env.filters)
        if key := keys.of(at, percentile, printed, mine_ids, charts=False):
            return key  # the page draws no chart: its claims' closes do not count
        shown = [(r.claim.claim_id, r.outcome, r.flags) for r in mine()]
        return input_digest(code, repr((percentile, card, graded(at), shown)))

    for rank, card in enumerate(cards, 1):
        rel = f"forecasters/{page_of(card.forecaster)}.html"
        at = positions.get(card.forecaster, none)
        mine = cache(partial(_rows, source, _texts(summary, "claim_id", at), flags))
        draw = partial(page, rank, card, at, rel, mine)
        inputs = partial(digest, rank, card, at, mine)
        _write_page(env, rel, f"forecaster {card.forecaster}", draw, inputs, done, done.digests)


def _write_page(
    env: Environment,
    rel: str,
    item: str,
    render: Callable[[], str],
    inputs: Callable[[], str],
    done: Rendered,
    keys: dict[str, str],
) -> None:
    """One page, isolated: if rendering it fails, the file says so in a short page (the
    index links to it) and the error is one Failure; the other pages are not affected.
    A page whose inputs have the digest they had when the report in place was drawn is
    left as it is. The page's key goes into `keys`."""
    try:
        digest = inputs()
        if done.previous.has(rel, digest):
            done.kept.append(rel)
            keys[rel] = digest
            return
        html = render()
        keys[rel] = digest
    except Exception as exc:
        failure = Failure.unexpected(item, "report", exc)
        done.failures.append(failure)
        html = env.get_template("failed.html.j2").render(item=item, reason=failure.reason)
    done.write(rel, html)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
