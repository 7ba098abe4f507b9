"""Fetch: polite HTTP for ingest (pages, feeds, sitemaps, robots.txt).

Input: http(s) URLs and the settings. Output: Pages (status, content type, raw bytes).
Side effects: network requests, at most one at a time per host, and the raw-page cache
(`PageCache`, the store) so that a re-run does not fetch a page again.

Politeness: requests go through the one HTTP client (`pipeline/http.py`: timeouts, 429 and
5xx retried with exponential backoff that respects Retry-After, bodies capped, one clear
User-Agent). On top of it this module is the crawl policy: robots.txt is honoured (RFC
9309, with Crawl-delay) on every redirect hop, and requests to one host are spaced by
`settings.fetch.delay` seconds. Revalidation uses ETag / Last-Modified (a 304 keeps the copy).
Byte budgets (`max_host_bytes`, `max_total_bytes`) bound what one run reads from a host and
in all; once one is spent, the URLs it covers are refused before connecting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from protego import Protego

from pipeline.errors import IngestError
from pipeline.http import (
    MAX_REDIRECTS,
    HttpClient,
    HttpError,
    KeptFailingError,
    TooLargeError,
    TooManyRedirectsError,
    UnreachableError,
    describe,
)
from pipeline.models import Page
from pipeline.settings import Settings

#: What ingest can read: web pages, plain text, feeds and sitemaps (possibly gzipped).
READABLE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "text/markdown",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-gzip",
        "application/gzip",
    }
)
MAX_CRAWL_DELAY = 60.0


class PageCache(Protocol):
    """Where fetched pages are kept between runs (the store implements it)."""

    def cached_page(self, url: str) -> Page | None: ...

    def save_page(self, page: Page) -> None: ...


@dataclass
class _Robots:
    parser: Protego | None  # None: robots.txt was unreachable, so nothing may be fetched
    reason: str = ""


@dataclass
class ByteBudget:
    """Bytes one run has read (decoded), per host and in all, against its budgets (0: no
    limit). A fetch is allowed while its host's and the run's budgets are not spent, so
    the last fetch allowed may pass a budget by up to one page."""

    per_host: int
    total: int
    read: dict[str, int] = field(default_factory=dict)
    read_total: int = 0

    def check(self, url: str) -> None:
        """Refuse `url` if its host's budget, or the run's, is spent.

        Raises:
            IngestError: naming the host, what was read, the budget and its setting.
        """
        host = _host(url)
        spent = self.read.get(host, 0)
        if self.per_host and spent >= self.per_host:
            raise IngestError(
                f"the byte budget for {host} is spent ({_size(spent)} read from it this run, "
                f"max_host_bytes = {self.per_host}); it was not fetched: raise "
                "max_host_bytes in [thesis.fetch] to read more from one host",
                url,
            )
        if self.total and self.read_total >= self.total:
            raise IngestError(
                f"the run's byte budget is spent ({_size(self.read_total)} read from all "
                f"hosts, max_total_bytes = {self.total}); nothing more is fetched from {host} "
                "or any host: raise max_total_bytes in [thesis.fetch] to read more in one run",
                url,
            )

    def count(self, url: str, size: int) -> None:
        """`size` bytes read from `url`'s host."""
        host = _host(url)
        self.read[host] = self.read.get(host, 0) + size
        self.read_total += size


@dataclass
class Fetcher:
    """Fetches URLs politely; one per run (it remembers robots.txt, request times and the
    bytes read against the run's budgets, `budget`).

    Use as a context manager, or call `close()`.
    """

    settings: Settings
    cache: PageCache | None = None
    http: HttpClient | None = None
    sleep: Callable[[float], None] = time.sleep
    _robots: dict[str, _Robots] = field(default_factory=dict, init=False)
    _last_request: dict[str, float] = field(default_factory=dict, init=False)
    budget: ByteBudget = field(init=False)

    def __post_init__(self) -> None:
        fetch = self.settings.fetch
        self.budget = ByteBudget(fetch.max_host_bytes, fetch.max_total_bytes)
        if self.http is None:
            self.http = HttpClient(self.settings.fetch.http_policy(), sleep=self.sleep)

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def fetch_page(self, url: str, *, revalidate: bool = False) -> Page:
        """The resource at `url`: the cached copy, or a fresh one over HTTP.

        Args:
            url: an http(s) URL.
            revalidate: ask the server whether the cached copy is still current
                (conditional GET); without it a cached copy is returned as is.

        Raises:
            IngestError: the URL is not http(s), a byte budget it falls under is spent,
                robots.txt disallows it, the server refused or kept failing, or the answer
                is too large or not readable.
        """
        url = check_url(url)
        cached = self.cache.cached_page(url) if self.cache else None
        if cached is not None and not revalidate:
            return cached
        self.budget.check(url)
        self._check_robots(url)
        headers = {}
        if cached is not None and cached.etag:
            headers["If-None-Match"] = cached.etag
        if cached is not None and cached.last_modified:
            headers["If-Modified-Since"] = cached.last_modified
        page = self._get(url, headers, cached)
        if self.cache is not None and not page.from_cache:
            self.cache.save_page(page)
        return page

    # -- one request: the client retries, this side checks each hop ------------------

    def _get(self, url: str, headers: dict[str, str], cached: Page | None) -> Page:
        assert self.http is not None
        try:
            with self.http.stream(url, headers=headers, on_request=self._before) as response:
                return self._answer(url, response, cached)
        except HttpError as exc:
            if isinstance(exc, TooLargeError) and not exc.declared:
                self.budget.count(exc.url, exc.size)  # read (and decoded) up to the cap
            raise IngestError(self._failure(exc), url) from exc

    def _before(self, url: str) -> None:
        """Before every request, redirect hops included: the byte budgets, its own site's
        robots.txt and rate limit."""
        url = check_url(url)
        self.budget.check(url)
        self._check_robots(url)
        self._throttle(url)

    def _failure(self, exc: HttpError) -> str:
        if isinstance(exc, UnreachableError) and exc.deadline:
            return (
                f"the server took over {self.settings.fetch.deadline:g} s to send the page, "
                "the deadline for one request; raise deadline in [thesis.fetch] for a slow site"
            )
        if isinstance(exc, UnreachableError):
            return (
                f"could not fetch the page after {exc.attempts} tries ({describe(exc.cause)}); "
                "check the address and your connection"
            )
        if isinstance(exc, KeptFailingError) and exc.asked is not None:
            return (
                f"the server answered {exc.status} and asked to wait {exc.asked:.0f} s, "
                f"longer than the {self.settings.fetch.max_wait:.0f} s limit; try again later"
            )
        if isinstance(exc, KeptFailingError):
            return (
                f"the server kept answering with an error ({exc.status}) after {exc.attempts} "
                "tries; try again later"
            )
        if isinstance(exc, TooLargeError):
            return _too_large(exc.size, exc.limit, more=not exc.declared)
        if isinstance(exc, TooManyRedirectsError):
            return f"the page redirects more than {MAX_REDIRECTS} times"
        return exc.message

    def _answer(self, url: str, response: httpx.Response, cached: Page | None) -> Page:
        assert self.http is not None
        status = response.status_code
        if status == 304 and cached is not None:
            return cached
        if status >= 400:
            raise IngestError(
                f"the server answered {status} {response.reason_phrase}; check the URL", url
            )
        content_type = response.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        if media and media not in READABLE_TYPES:
            raise IngestError(
                f"the content type is {media}, not a web page, feed or sitemap; "
                "Thesis Tracker reads HTML, text, RSS/Atom and XML sitemaps",
                url,
            )
        body = self.http.read_capped(response)
        self.budget.count(str(response.url), len(body))
        return Page(
            url=url,
            final_url=str(response.url),
            status=status,
            content_type=content_type,
            body=body,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def _throttle(self, url: str) -> None:
        host = _origin(url)
        robots = self._robots.get(host)
        delay = self.settings.fetch.delay
        if robots is not None and robots.parser is not None:
            crawl_delay = robots.parser.crawl_delay(self.settings.fetch.user_agent)
            if crawl_delay:
                delay = max(delay, min(float(crawl_delay), MAX_CRAWL_DELAY))
        last = self._last_request.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = time.monotonic()

    # -- robots.txt -------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        robots = self._robots[origin]
        if robots.parser is None:
            raise IngestError(robots.reason, url)
        if not robots.parser.can_fetch(url, self.settings.fetch.user_agent):
            raise IngestError(
                "robots.txt disallows fetching this page for our User-Agent; it was skipped", url
            )

    def _load_robots(self, origin: str) -> _Robots:
        """Parse /robots.txt. Per RFC 9309: a 4xx answer allows everything; a 5xx answer
        or no answer at all means nothing may be fetched from the site for now."""
        assert self.http is not None
        robots_url = origin + "/robots.txt"
        self._throttle(robots_url)
        try:
            response = self.http.get(
                robots_url, retry=False, truncate=True, max_bytes=ROBOTS_MAX_BYTES
            )
        except HttpError as exc:
            why = describe(exc.cause) if isinstance(exc, UnreachableError) else exc.message
            return _Robots(None, f"robots.txt could not be fetched ({why}); try later")
        self.budget.count(robots_url, len(response.content))
        if response.status_code >= 500:
            return _Robots(
                None, f"robots.txt answered {response.status_code}, so the site is skipped for now"
            )
        if response.status_code >= 400:
            return _Robots(Protego.parse(""))
        return _Robots(Protego.parse(response.text))


#: RFC 9309 asks crawlers to read at least 500 KiB of robots.txt; more is not read.
ROBOTS_MAX_BYTES = 512 * 1024


def check_url(url: str) -> str:
    """The URL, if it is http(s) with a host.

    Raises:
        IngestError: another scheme (ftp:, file:, javascript:) or no host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(
            f"only http and https URLs can be fetched, not {parts.scheme or 'a bare'}: address",
            url,
        )
    if not parts.hostname:
        raise IngestError("the URL has no host name; write it as https://host/path", url)
    return url.strip()


def is_url(source: str) -> bool:
    """Whether a command-line source names a URL rather than a file or folder."""
    return "://" in source[:16] or source.lower().startswith(("http:", "https:"))


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _size(size: int) -> str:
    if size < 2**20:
        return f"{size} bytes"
    if size < 2**30:
        return f"{size / 2**20:.1f} MiB"
    return f"{size / 2**30:.2f} GiB"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def _too_large(size: int, limit: int, more: bool = False) -> str:
    over = "more than " if more else ""
    return (
        f"the page is {over}{size / 2**20:.1f} MB, over the {limit / 2**20:.0f} MB limit "
        "for one article; it was not downloaded"
    )
