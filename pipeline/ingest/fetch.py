"""Fetch: polite HTTP for ingest (pages, feeds, sitemaps, robots.txt).

Input: http(s) URLs and the settings. Output: Pages (status, content type, raw bytes).
Side effects: network requests, at most one at a time per host, and the raw-page cache
(`PageCache`, the store) so that a re-run does not fetch a page again.

Politeness: robots.txt is honoured (RFC 9309, with Crawl-delay), requests to one host
are spaced by `fetch_delay` seconds, 429 and 5xx answers are retried with exponential
backoff that respects Retry-After, bodies are capped, and every request names itself
with a clear User-Agent. Revalidation uses ETag / Last-Modified (a 304 keeps the copy).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from protego import Protego

from pipeline.errors import IngestError
from pipeline.models import Page
from pipeline.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
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
MAX_REDIRECTS = 5


class PageCache(Protocol):
    """Where fetched pages are kept between runs (the store implements it)."""

    def cached_page(self, url: str) -> Page | None: ...

    def save_page(self, page: Page) -> None: ...


@dataclass
class _Robots:
    parser: Protego | None  # None: robots.txt was unreachable, so nothing may be fetched
    reason: str = ""


@dataclass
class Fetcher:
    """Fetches URLs politely; one per run (it remembers robots.txt and request times).

    Use as a context manager, or call `close()`.
    """

    settings: Settings
    cache: PageCache | None = None
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep
    _robots: dict[str, _Robots] = field(default_factory=dict, init=False)
    _last_request: dict[str, float] = field(default_factory=dict, init=False)
    _last_status: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = httpx.Client(
                headers={"User-Agent": self.settings.user_agent},
                timeout=self.settings.fetch_timeout,
                follow_redirects=False,
            )

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
        if self.client is not None:
            self.client.close()

    def fetch_page(self, url: str, *, revalidate: bool = False) -> Page:
        """The resource at `url`: the cached copy, or a fresh one over HTTP.

        Args:
            url: an http(s) URL.
            revalidate: ask the server whether the cached copy is still current
                (conditional GET); without it a cached copy is returned as is.

        Raises:
            IngestError: the URL is not http(s), robots.txt disallows it, the server
                refused or kept failing, or the answer is too large or not readable.
        """
        url = check_url(url)
        cached = self.cache.cached_page(url) if self.cache else None
        if cached is not None and not revalidate:
            return cached
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

    # -- one request, with retries -----------------------------------------------

    def _get(self, url: str, headers: dict[str, str], cached: Page | None) -> Page:
        attempts = self.settings.fetch_retries + 1
        for attempt in range(attempts):
            self._throttle(url)
            try:
                page, wait = self._request(url, headers, cached)
            except httpx.TransportError as exc:
                if attempt + 1 == attempts:
                    raise IngestError(
                        f"could not fetch the page after {attempts} tries ({_describe(exc)}); "
                        "check the address and your connection",
                        url,
                    ) from exc
                self.sleep(self._backoff(attempt))
                continue
            if page is not None:
                return page
            if attempt + 1 < attempts:
                self.sleep(wait if wait is not None else self._backoff(attempt))
        raise IngestError(
            f"the server kept answering with an error ({self._last_status}) after {attempts} "
            "tries; try again later",
            url,
        )

    def _request(
        self, url: str, headers: dict[str, str], cached: Page | None
    ) -> tuple[Page | None, float | None]:
        """A Page, or (None, seconds to wait) when the answer says to try again.

        Redirects are followed here, not by httpx, so that every hop is checked against
        its own site's robots.txt and rate limit.
        """
        assert self.client is not None
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            with self.client.stream("GET", target, headers=headers) as response:
                if response.is_redirect and response.headers.get("location"):
                    target = check_url(urljoin(target, response.headers["location"]))
                    self._check_robots(target)
                    self._throttle(target)
                    continue
                return self._answer(url, response, cached)
        raise IngestError(f"the page redirects more than {MAX_REDIRECTS} times", url)

    def _answer(
        self, url: str, response: httpx.Response, cached: Page | None
    ) -> tuple[Page | None, float | None]:
        status = response.status_code
        if status == 304 and cached is not None:
            return cached, None
        if status in RETRY_STATUSES:
            self._last_status = status
            return None, self._retry_after(response, url)
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
        body = self._read_capped(response, url)
        return (
            Page(
                url=url,
                final_url=str(response.url),
                status=status,
                content_type=content_type,
                body=body,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
                fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            ),
            None,
        )

    def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        limit = self.settings.max_page_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise IngestError(_too_large(int(declared), limit), url)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise IngestError(_too_large(size, limit, more=True), url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _retry_after(self, response: httpx.Response, url: str) -> float | None:
        value = response.headers.get("retry-after", "").strip()
        if not value:
            return None
        if value.isdigit():
            seconds = float(value)
        else:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                return None
            seconds = max((when - datetime.now(UTC)).total_seconds(), 0.0)
        if seconds > self.settings.fetch_max_wait:
            raise IngestError(
                f"the server answered {response.status_code} and asked to wait {seconds:.0f} s, "
                f"longer than the {self.settings.fetch_max_wait:.0f} s limit; try again later",
                url,
            )
        return seconds

    def _backoff(self, attempt: int) -> float:
        return float(min(self.settings.fetch_backoff * 2**attempt, self.settings.fetch_max_wait))

    def _throttle(self, url: str) -> None:
        host = _origin(url)
        robots = self._robots.get(host)
        delay = self.settings.fetch_delay
        if robots is not None and robots.parser is not None:
            crawl_delay = robots.parser.crawl_delay(self.settings.user_agent)
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
        if not robots.parser.can_fetch(url, self.settings.user_agent):
            raise IngestError(
                "robots.txt disallows fetching this page for our User-Agent; it was skipped", url
            )

    def _load_robots(self, origin: str) -> _Robots:
        """Parse /robots.txt. Per RFC 9309: a 4xx answer allows everything; a 5xx answer
        or no answer at all means nothing may be fetched from the site for now."""
        assert self.client is not None
        robots_url = origin + "/robots.txt"
        self._throttle(robots_url)
        try:
            response = self.client.get(robots_url, follow_redirects=True)
        except httpx.TransportError as exc:
            return _Robots(None, f"robots.txt could not be fetched ({_describe(exc)}); try later")
        if response.status_code >= 500:
            return _Robots(
                None, f"robots.txt answered {response.status_code}, so the site is skipped for now"
            )
        if response.status_code >= 400:
            return _Robots(Protego.parse(""))
        return _Robots(Protego.parse(response.text[: self.settings.max_page_bytes]))


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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def _too_large(size: int, limit: int, more: bool = False) -> str:
    over = "more than " if more else ""
    return (
        f"the page is {over}{size / 2**20:.1f} MB, over the {limit / 2**20:.0f} MB limit "
        "for one article; it was not downloaded"
    )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
