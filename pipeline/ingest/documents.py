"""Ingest: read files, folders, web pages, feeds and sitemaps into Articles.

Input: paths (a folder is read recursively) and http(s) URLs (a feed or sitemap is
followed to the pages it lists that were not fetched before, at most
`max_items_per_source` per run). Output: Articles and Failures, one per item, so a bad
file or page never stops a batch. Side effects: only through the Fetcher (network,
raw-page cache) and the link queue; the caller stores the results.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

from bs4 import UnicodeDammit

from pipeline.engine import WORKER_DIED, map_items
from pipeline.errors import IngestError
from pipeline.ingest.discover import kind_of, links_from_feed, links_from_sitemap
from pipeline.ingest.fetch import Fetcher
from pipeline.ingest.parse import parse_html, parse_text
from pipeline.ingest.queue import LinkQueue, plan_links
from pipeline.limits import Budget, BudgetError
from pipeline.models import Article, Failure, Link, Page
from pipeline.provenance import code_digest, input_digest
from pipeline.settings import Settings

SUFFIXES = {
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}
MAX_BYTES = 20 * 1024 * 1024
#: A sitemap index may point to sitemaps; deeper nesting than this is not followed.
MAX_SITEMAP_DEPTH = 2
TEXT_TYPES = {"text/plain": "text", "text/markdown": "markdown", "text/x-markdown": "markdown"}
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SKIP_DIRS = {"gold", ".git", "__pycache__"}
SKIP_NAMES = ("README", "CHANGELOG", "LICENSE")
UNBOUNDED = Budget()


@dataclass(frozen=True)
class Overrides:
    """Metadata the user supplies for a single file (`--published`, `--author`, `--source`)."""

    published: date | None = None
    author: str | None = None
    source: str | None = None

    def __bool__(self) -> bool:
        return any((self.published, self.author, self.source))


def find_documents(sources: Sequence[Path]) -> list[Path]:
    """Expand folders into the article files they hold, in a stable order.

    Raises:
        IngestError: a source does not exist.
    """
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            found.extend(
                sorted(
                    p
                    for p in source.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in SUFFIXES
                    and not p.name.upper().startswith(SKIP_NAMES)
                    and not SKIP_DIRS.intersection(p.relative_to(source).parts[:-1])
                )
            )
        elif source.is_file():
            found.append(source)
        else:
            raise IngestError("no such file or folder; check the path", str(source))
    return found


def ingest_paths(
    sources: Sequence[Path],
    overrides: Overrides | None = None,
    *,
    budget: Budget = UNBOUNDED,
    known: Mapping[str, Failure] | None = None,
    settings: Settings | None = None,
) -> Iterator[Article | Failure]:
    """Read every document under `sources`; yield an Article or a Failure for each, in
    order.

    Each file is read within `budget`, in the processes `settings` asks for (workers, a
    Dask scheduler; None: this process). A file in `known` (stored failures by input
    digest) that has not changed since it failed, read by the same code, is not read
    again: its stored Failure is yielded as it was.

    Raises:
        IngestError: a source does not exist, or overrides were given for more than one file.
    """
    tasks = _file_tasks(sources, overrides, budget, known or {})
    yield from map_items(read_item, tasks, settings, read_lost)


@dataclass(frozen=True)
class FileTask:
    """A file to parse, with its bytes: read here once (for its digest too), so the process
    that parses it needs no access to the file."""

    path: Path
    data: bytes | None  # None: empty or over MAX_BYTES, refused without reading
    digest: str | None
    overrides: Overrides | None
    budget: Budget


@dataclass(frozen=True)
class PageTask:
    """A fetched page to parse; `item` is the URL its Failure names (the one asked for)."""

    page: Page
    hint: Link | None
    item: str
    budget: Budget
    overrides: Overrides | None = None


#: One unit of ingest's parsing; a Failure met before parsing passes through as it is.
ReadTask = FileTask | PageTask | Failure


def read_item(task: ReadTask) -> Article | Failure:
    """Parse one file or fetched page within its budget; any error of its own is its
    Failure. The unit of work ingest hands the engine (pipeline/engine.py)."""
    if isinstance(task, Failure):
        return task
    if isinstance(task, FileTask):
        return _read_file(task)
    return _parse_page(task)


def read_lost(task: ReadTask) -> Failure:
    """The Failure of a file or page whose worker process died on it twice."""
    if isinstance(task, Failure):
        return task
    if isinstance(task, FileTask):
        reason = f"reading the file: {WORKER_DIED}"
        return Failure(item=str(task.path), stage="ingest", reason=reason, input_digest=task.digest)
    return Failure(item=task.item, stage="ingest", reason=f"parsing the page: {WORKER_DIED}")


def _file_tasks(
    sources: Sequence[Path],
    overrides: Overrides | None,
    budget: Budget,
    known: Mapping[str, Failure],
) -> Iterator[FileTask | Failure]:
    """A task for each document under `sources`; a file unchanged since it failed (same
    code) is its stored Failure, a file that cannot be read a new one."""
    documents = find_documents(sources)
    if overrides and len(documents) != 1:
        raise IngestError(
            f"--published/--author/--source apply to a single file, but {len(documents)} were given; "
            "put the metadata in each file's front matter instead"
        )
    code = code_digest("pipeline.ingest") + repr(overrides)
    for path in documents:
        try:
            task = _file_task(path, overrides, budget, code)
        except OSError as exc:
            reason = (
                f"cannot read the file ({exc.strerror or exc}); check it exists and is readable"
            )
            yield Failure(item=str(path), stage="ingest", reason=reason)
            continue
        yield known.get(task.digest or "", task)


def _file_task(path: Path, overrides: Overrides | None, budget: Budget, code: str) -> FileTask:
    """The file's bytes and digest (none for a file refused at once: empty, too large)."""
    if not 0 < path.stat().st_size <= MAX_BYTES:
        return FileTask(path, None, None, overrides, budget)
    data = path.read_bytes()
    return FileTask(path, data, input_digest(code, data), overrides, budget)


def _read_file(task: FileTask) -> Article | Failure:
    item, digest = str(task.path), task.digest
    try:
        with task.budget.bounded():
            return read_document(task.path, task.overrides, data=task.data)
    except IngestError as exc:
        return Failure(item=item, stage="ingest", reason=exc.message, input_digest=digest)
    except BudgetError as exc:
        reason = task.budget.reason(exc, "reading the file")
        return Failure(item=item, stage="ingest", reason=reason, input_digest=digest)
    except OSError as exc:
        reason = f"cannot read the file ({exc.strerror or exc}); check it exists and is readable"
        return Failure(item=item, stage="ingest", reason=reason)
    except Exception as exc:
        return Failure.unexpected(item, "ingest", exc, digest)


def _parse_page(task: PageTask) -> Article | Failure:
    try:
        with task.budget.bounded():
            return apply_overrides(article_from_page(task.page, task.hint), task.overrides)
    except IngestError as exc:
        return Failure(item=task.item, stage="ingest", reason=exc.message)
    except BudgetError as exc:
        reason = task.budget.reason(exc, "parsing the page")
        return Failure(item=task.item, stage="ingest", reason=reason)
    except Exception as exc:
        return Failure.unexpected(task.item, "ingest", exc)


def ingest_sources(
    sources: Sequence[Path | str],
    fetcher: Fetcher | None = None,
    overrides: Overrides | None = None,
    queue: LinkQueue | None = None,
    known: Mapping[str, Failure] | None = None,
) -> Iterator[Article | Failure]:
    """Read files and folders (Path) and http(s) URLs (str): pages, feeds or sitemaps.

    With a `queue` (the store), a feed or sitemap gives at most `max_items_per_source`
    links per call and the rest wait in the queue for the next; the caller takes each
    link off the queue once it stores what the link gave (pipeline/run.py does). Without
    one, nothing could keep the rest, so every new link is read. Files and pages are read
    within the settings' ingest budget; `known` is as for `ingest_paths`.

    Raises:
        IngestError: a path does not exist, a URL is given without a fetcher, or
            overrides were given for more than one item.
    """
    paths = [s for s in sources if isinstance(s, Path)]
    urls = [s for s in sources if isinstance(s, str)]
    if overrides and urls and (paths or len(urls) > 1):
        raise IngestError(
            "--published/--author/--source apply to a single file or page; "
            "put the metadata in each file's front matter instead"
        )
    settings = fetcher.settings if fetcher else None
    budget = settings.budget("ingest") if settings else UNBOUNDED
    tasks = chain(
        _file_tasks(paths, overrides, budget, known or {}) if paths else (),
        _url_tasks(urls, fetcher, queue, overrides),
    )
    yield from map_items(read_item, tasks, settings, read_lost)


def _url_tasks(
    urls: Sequence[str],
    fetcher: Fetcher | None,
    queue: LinkQueue | None,
    overrides: Overrides | None,
) -> Iterator[ReadTask]:
    if not urls:
        return
    if fetcher is None:
        raise IngestError("URLs need a Fetcher; pass one, or use pipeline.run.ingest")
    for url in urls:
        for task in _tasks_of_url(url, fetcher, queue):
            yield replace(task, overrides=overrides) if isinstance(task, PageTask) else task


def ingest_url(
    url: str, fetcher: Fetcher, queue: LinkQueue | None = None
) -> Iterator[Article | Failure]:
    """One URL: a page becomes an Article. A feed or sitemap (a sitemap index and the
    sitemaps it lists are one source) is followed to the pages it lists that were not
    fetched before; with a `queue`, to at most `max_items_per_source` of them, newest
    first, the rest queued for the next run (pipeline/ingest/queue.py). Each problem
    becomes a Failure. Pages are parsed in this process."""
    return map(read_item, _tasks_of_url(url, fetcher, queue))


def _tasks_of_url(url: str, fetcher: Fetcher, queue: LinkQueue | None) -> Iterator[ReadTask]:
    """`ingest_url`'s pages, fetched here and left to parse, and its Failures."""
    read = _read_url(url, fetcher)
    if not isinstance(read, Listing):
        yield read
        return
    yield from read.items
    cap = fetcher.settings.fetch.max_items_per_source
    plan = plan_links(url, read.links, fetcher.cache, queue, cap)
    for link in plan.revalidate:
        yield _fetch_link(link, fetcher, revalidate=True)
    for link in plan.fetch:  # a page a cut-short run fetched but did not store: the cache
        yield _fetch_link(link, fetcher, revalidate=False)


@dataclass
class Listing:
    """What a feed or sitemap lists: its links (with those of the child sitemaps of an
    index), and what its child sitemaps gave instead (a Failure, a page)."""

    links: list[Link] = field(default_factory=list)
    items: list[PageTask | Failure] = field(default_factory=list)


def _read_url(url: str, fetcher: Fetcher, depth: int = 0) -> PageTask | Failure | Listing:
    """The page at `url` (to parse), the links of the feed or sitemap there (child
    sitemaps followed MAX_SITEMAP_DEPTH deep), or a Failure."""
    settings = fetcher.settings.fetch
    try:
        page = fetcher.fetch_page(url, revalidate=settings.refresh)
        kind = kind_of(page, settings.max_page_bytes)
        if page.from_cache and kind != "page":  # listings change: ask again (conditional GET)
            page = fetcher.fetch_page(url, revalidate=True)
            kind = kind_of(page, settings.max_page_bytes)
        if kind == "page":
            return PageTask(page, None, url, fetcher.settings.budget("ingest"))
        if kind == "feed":
            return Listing(links_from_feed(page))
        links, children = links_from_sitemap(page, settings.max_page_bytes)
    except IngestError as exc:
        return Failure(item=url, stage="ingest", reason=exc.message)
    except Exception as exc:
        return Failure.unexpected(url, "ingest", exc)
    listing = Listing(links)
    for child in children if depth < MAX_SITEMAP_DEPTH else []:
        found = _read_url(child, fetcher, depth + 1)
        if isinstance(found, Listing):
            listing.links += found.links
            listing.items += found.items
        else:
            listing.items.append(found)
    return listing


def _fetch_link(link: Link, fetcher: Fetcher, revalidate: bool) -> PageTask | Failure:
    try:
        page = fetcher.fetch_page(link.url, revalidate=revalidate)
        if kind_of(page, fetcher.settings.fetch.max_page_bytes) != "page":
            raise IngestError("a feed or sitemap item is itself a feed or sitemap; skipped")
    except IngestError as exc:
        return Failure(item=link.url, stage="ingest", reason=exc.message)
    except Exception as exc:
        return Failure.unexpected(link.url, "ingest", exc)
    return PageTask(page, link, link.url, fetcher.settings.budget("ingest"))


def article_from_page(page: Page, hint: Link | None = None) -> Article:
    """Parse a fetched page; what a feed said about the item fills metadata the page lacks.

    Raises:
        IngestError: the page cannot be decoded or parsed.
    """
    params = dict(
        part.strip().split("=", 1) for part in page.content_type.split(";")[1:] if "=" in part
    )
    charset = params.get("charset", "").strip("\"' ") or None
    kind = TEXT_TYPES.get(page.media_type)
    if not page.body.strip():
        raise IngestError("the server sent an empty page", page.url)
    text = decode(page.body, page.url, html=kind is None, declared=charset)
    article = (
        parse_text(text, page.url, kind)
        if kind
        else parse_html(text, url=page.final_url, location=page.url)
    )
    if hint is None:
        return article
    changes: dict[str, Any] = {}
    if hint.published and article.published is None:
        changes.update(published=hint.published, published_source="feed")
    if hint.author and not article.author:
        changes["author"] = hint.author
    if hint.title and not article.title:
        changes["title"] = hint.title
    return replace(article, **changes) if changes else article


def read_document(
    path: Path, overrides: Overrides | None = None, *, data: bytes | None = None
) -> Article:
    """Read one file into an Article; `data`, if given, is the file's bytes, read before
    (a worker parses them without access to the file).

    Raises:
        IngestError: the file is empty, binary, too large, undecodable or of an unknown type.
    """
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise IngestError(
            f"unsupported file type {path.suffix!r}; use one of {', '.join(sorted(SUFFIXES))}",
            str(path),
        )
    size = len(data) if data is not None else path.stat().st_size
    if size == 0:
        raise IngestError("the file is empty; remove it or add the article text", str(path))
    if size > MAX_BYTES:
        raise IngestError(
            f"the file is {size / 2**20:.0f} MB, over the {MAX_BYTES // 2**20} MB limit for one article",
            str(path),
        )
    if data is None:
        data = path.read_bytes()
    text = decode(data, str(path), html=kind == "html")
    article = (
        parse_html(text, location=str(path))
        if kind == "html"
        else parse_text(text, str(path), kind)
    )
    return apply_overrides(article, overrides)


def decode(data: bytes, item: str, *, html: bool = False, declared: str | None = None) -> str:
    """Decode bytes: a BOM, then UTF-8, then the charset the server or page declares,
    then a guess for legacy single-byte text.

    Raises:
        IngestError: the bytes are binary, broken UTF-8, or in no recognisable encoding.
    """
    for bom, codec in BOMS:
        if data.startswith(bom):
            return _strict(data, codec, item)
    if b"\x00" in data[:8192]:
        raise IngestError(
            "the file is binary, not text; export the article as HTML, text or Markdown", item
        )
    try:
        return _check_text(data.decode("utf-8-sig"), item)
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):
            raise IngestError(
                f"the text is not valid UTF-8 (byte {data[exc.start]:#04x} at offset "
                f"{exc.start} breaks it) though it mostly is; re-save it as UTF-8",
                item,
            ) from exc
    if declared and _codec(declared):
        return _strict(data, declared, item)
    guess = UnicodeDammit(data, is_html=html)
    if guess.unicode_markup is None or guess.original_encoding in (None, "ascii"):
        raise IngestError(
            "the text is not valid UTF-8 and its encoding is unknown; re-save it as UTF-8", item
        )
    return _check_text(guess.unicode_markup, item)


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few broken bytes (rather than text in a legacy encoding)."""
    valid = len(UTF8_MULTIBYTE.findall(data))
    broken = data.decode("utf-8", errors="replace").count("\ufffd")
    return valid >= 2 * broken


def _strict(data: bytes, codec: str, item: str) -> str:
    try:
        return _check_text(data.decode(codec), item)
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(
            f"the text does not decode as {codec} ({exc}); re-save it as UTF-8", item
        ) from exc


def _check_text(text: str, item: str) -> str:
    sample = text[:8192]
    if sample and len(CONTROL.findall(sample)) > len(sample) / 100:
        raise IngestError(
            "the file is binary, not text; export the article as HTML, text or Markdown", item
        )
    return text


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def apply_overrides(article: Article, overrides: Overrides | None) -> Article:
    """Apply user-supplied metadata; the article id does not change (it derives from the text)."""
    if not overrides:
        return article
    changes: dict[str, Any] = {}
    if overrides.published:
        changes.update(published=overrides.published, published_source="override")
    if overrides.author:
        changes["author"] = overrides.author
    if overrides.source:
        changes["source"] = overrides.source
    return replace(article, **changes)
