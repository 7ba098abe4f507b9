"""The records that flow between stages: Article, Claim, Outcome, Failure.

All are frozen dataclasses. Their field names are a contract shared with the
exports (`thesis export ...`), the gold files and the report. Conversions to
rows and frames happen at the edges (`store`, `export`), not here.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, Literal

ClaimKind = Literal["target", "move", "relative", "direction"]
Direction = Literal["up", "down"]
Status = Literal["hit", "miss", "pending", "no_data", "no_date", "excluded"]
FINAL_STATUSES: frozenset[str] = frozenset({"hit", "miss", "excluded"})


def stable_id(*parts: object) -> str:
    """A short content-derived id: the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Article:
    """One piece of commentary, with its analysed text and the raw copy kept for audit.

    `published_source` says where the date came from (front_matter, json_ld, html_meta,
    time_element, byline, updated, url, feed, text_header, text_dateline, override,
    inferred); `updated` is a later date the page gives as its last update. An inferred date
    (the latest date the text itself names) lives in `published_inferred`, never in
    `published`, so it is not treated as certain unless the user opts in.
    `duplicate_of` names the first article this one repeats (the same text elsewhere, or
    a near-copy); duplicates are stored for audit but never extracted, so no claim counts
    twice. `revision_of` names the stored version this one replaces: the same URL (or
    file) with changed text, as when a site corrects a story. A replaced version is kept
    but no longer read; its claims that the new version no longer makes are withdrawn.
    """

    article_id: str
    location: str
    title: str | None
    author: str | None
    published: date | None
    published_source: str | None
    source: str | None
    url: str | None
    text: str
    raw: str
    raw_format: str
    published_inferred: date | None = None
    published_inferred_from: str | None = None
    duplicate_of: str | None = None
    duplicate_reason: str | None = None
    fingerprint: str | None = None
    language: str | None = None  # ISO 639-1 code detected from the text; None if too short
    updated: date | None = None  # when the page says it was last updated, if it says so
    revision_of: str | None = None  # the stored version this one corrects (same URL or file)
    skip_reason: str | None = None  # why extraction set the article aside (set by extract)

    @classmethod
    def build(cls, *, location: str, text: str, raw: str, raw_format: str, **meta: Any) -> Article:
        """Create an Article whose id derives from its analysed text."""
        article_id = stable_id("article", " ".join(text.split()))
        defaults: dict[str, Any] = {
            "title": None,
            "author": None,
            "published": None,
            "published_source": None,
            "source": None,
            "url": None,
        }
        defaults.update(meta)
        return cls(
            article_id=article_id,
            location=location,
            text=text,
            raw=raw,
            raw_format=raw_format,
            **defaults,
        )


@dataclass(frozen=True)
class Page:
    """A fetched web resource as it came over the wire, kept as the raw-page cache."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str | None = None
    from_cache: bool = False

    @property
    def media_type(self) -> str:
        """The content type without parameters, lower-case ("text/html")."""
        return self.content_type.split(";")[0].strip().lower()


@dataclass(frozen=True)
class Link:
    """An item a feed or sitemap points to, with the metadata the listing gives."""

    url: str
    title: str | None = None
    author: str | None = None
    published: date | None = None
    lastmod: date | None = None


@dataclass(frozen=True)
class Duplicate:
    """An item recognised as a copy of an article already stored (`duplicate_of`).

    `kind` is same_content or near_copy (same_url in databases written before a changed
    page became a new version); `reason` says it in words.
    """

    item: str
    duplicate_of: str
    kind: str
    reason: str


@dataclass(frozen=True)
class ArticleKeys:
    """What duplicate detection looks up about an original (not a duplicate) article.

    `location` is where it was first read, `url_key` its normalised URL, `signature` its
    MinHash values (64 little-endian uint32, None when the fingerprint is damaged) and
    `bands` the LSH band hashes of the signature (see `pipeline/ingest/dedupe.py`); read
    back from the store, `bands` is empty. Stored in the tables `dedupe_keys` and
    `minhash_bands`.
    """

    article_id: str
    location: str
    url_key: str | None
    signature: bytes | None
    bands: tuple[int, ...] = ()


@dataclass(frozen=True)
class Tag:
    """A labelled span of text: a catalyst or a risk."""

    label: str
    text: str


@dataclass(frozen=True)
class Claim:
    """One checkable forecast, with the sentence it came from."""

    claim_id: str
    article_id: str
    url: str | None
    title: str | None
    published: date | None
    forecaster: str
    forecaster_org: str | None
    forecaster_role: Literal["author", "quoted"]
    subject: str
    subject_text: str
    kind: ClaimKind
    direction: Direction
    target_low: float | None
    target_high: float | None
    move_pct: float | None
    benchmark: str | None
    ratio: float | None
    horizon_start: date | None
    horizon_end: date | None
    horizon_text: str | None
    horizon_assumed: bool
    hedge: str | None
    conditional: bool
    negated: bool
    evidence: str
    evidence_start: int
    evidence_end: int
    catalysts: tuple[Tag, ...] = field(default_factory=tuple)
    risks: tuple[Tag, ...] = field(default_factory=tuple)
    # Analyst calls: the rating (strong_buy, buy, hold, sell, strong_sell) and the one it
    # replaced, the previous target, what was done (raise, cut, initiate, reiterate,
    # maintain, set, upgrade, downgrade), and whether the figure is a consensus of many.
    rating: str | None = None
    previous_rating: str | None = None
    previous_target: float | None = None
    action: str | None = None
    consensus: bool = False
    # Set when a corrected version of the article no longer makes this claim: the id of
    # that version. A withdrawn claim stays on the record (it was published) and is graded.
    withdrawn_by: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict in the export contract (dates as ISO strings)."""
        return _record(self)

    def same_call(self) -> tuple[object, ...]:
        """What makes two claims the same call, across versions of one article: who said
        it about what, which way, how far and by when (not where in the text it sits)."""
        return (
            self.forecaster.casefold(),
            self.subject,
            self.kind,
            self.direction,
            self.target_low,
            self.target_high,
            self.move_pct,
            self.benchmark,
            self.ratio,
            self.horizon_end,
            self.rating,
        )


@dataclass(frozen=True)
class Outcome:
    """How a claim fared against prices, decided as of `as_of`.

    `level` is the price the claim had to reach on `series` (split-adjusted), `drift_pct` the
    market's normal drift over the window and `net_status` a direction call graded net of it;
    `provider` and `prices_digest` name the price data the decision was made on.
    """

    claim_id: str
    status: Status
    as_of: date
    reason: str
    series: str | None = None
    start_date: date | None = None
    start_price: float | None = None
    end_date: date | None = None
    end_price: float | None = None
    return_pct: float | None = None
    benchmark_return_pct: float | None = None
    excess_return_pct: float | None = None
    best_price: float | None = None
    worst_price: float | None = None
    hit_date: date | None = None
    days_to_hit: int | None = None
    level: float | None = None
    benchmark_series: str | None = None
    drift_pct: float | None = None
    net_return_pct: float | None = None
    net_status: str | None = None
    provider: str | None = None
    prices_digest: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict in the export contract (dates as ISO strings)."""
        return _record(self)


@dataclass(frozen=True)
class Disagreement:
    """A re-grade that differs from a stored decision. The stored decision is kept."""

    claim_id: str
    stored_status: str
    stored_as_of: date
    stored_digest: str | None
    regrade_status: str
    regrade_as_of: date
    regrade_digest: str | None
    regrade_provider: str | None
    regrade_reason: str

    @property
    def disagreement_id(self) -> str:
        return stable_id("regrade", self.claim_id, self.regrade_status, self.regrade_digest)

    def line(self) -> str:
        """One line for the CLI: what is stored, and what the re-grade says."""
        return (
            f"{self.claim_id}: stored {self.stored_status} (as of {self.stored_as_of}, "
            f"prices {self.stored_digest or '-'}), "
            f"re-grade {self.regrade_status} (as of {self.regrade_as_of}, "
            f"{self.regrade_provider or 'no'} prices {self.regrade_digest or '-'}): "
            f"{self.regrade_reason}"
        )


@dataclass(frozen=True)
class Failure:
    """An item a stage could not process, and why, in words a person can act on."""

    item: str
    stage: str
    reason: str
    # The stage's code and the item's content when it failed (pipeline/provenance.py): a
    # re-run tries the item again only once this changes. None: tried on every run.
    input_digest: str | None = None

    @property
    def failure_id(self) -> str:
        if self.input_digest is None:
            return stable_id("failure", self.stage, self.item, self.reason)
        return stable_id("failure", self.stage, self.item, self.reason, self.input_digest)

    @classmethod
    def unexpected(
        cls, item: str, stage: str, exc: BaseException, input_digest: str | None = None
    ) -> Failure:
        """A Failure for an error no rule foresaw: the item is set aside and the batch goes
        on. The reason names the exception's class and message."""
        message = " ".join(str(exc).split())[:300] or "no message"
        return cls(
            item=item,
            stage=stage,
            reason=f"unexpected {type(exc).__name__}: {message}. The item was set aside and "
            "the batch went on; it is tried again once it or the code changes. Please "
            "report it with the item attached.",
            input_digest=input_digest,
        )

    def to_record(self) -> dict[str, Any]:
        return {"failure_id": self.failure_id, **asdict(self)}


def _record(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = [asdict(v) for v in value]
        out[f.name] = value
    return out
