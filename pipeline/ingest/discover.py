"""Discover: the article links a feed or a sitemap lists, and the sources file.

Input: fetched Pages (RSS/Atom feeds, XML sitemaps, sitemap indexes) or a TOML
sources file. Output: Links (URL plus whatever the feed says about the item) and
SourceList. Pure: fetching is the caller's job (pipeline/fetch.py).
"""

from __future__ import annotations

import gzip
import io
import tomllib
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser
from lxml import etree

from pipeline.errors import IngestError
from pipeline.ingest.dates import parse_date
from pipeline.models import Link, Page

Kind = Literal["feed", "sitemap", "page"]
XML_TYPES = ("xml", "rss", "atom", "rdf", "gzip")
SOURCE_KEYS = {"feeds": "feed", "sitemaps": "sitemap", "urls": "page", "paths": "path"}


@dataclass(frozen=True)
class SourceList:
    """What a sources file asks for: URLs (feeds, sitemaps, pages) and local paths."""

    urls: tuple[str, ...]
    paths: tuple[Path, ...]


def kind_of(page: Page, max_bytes: int) -> Kind:
    """Whether a fetched page is a feed, a sitemap or an ordinary page."""
    media = page.media_type
    body = xml_body(page, max_bytes) if "gzip" in media else page.body
    head = body[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not (head.startswith(b"<?xml") or any(t in media for t in XML_TYPES)):
        return "page"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    return "page"


def links_from_feed(page: Page) -> list[Link]:
    """Every item an RSS or Atom feed links to, in feed order.

    Raises:
        IngestError: the body is not a feed feedparser can read.
    """
    parsed = feedparser.parse(page.body, response_headers={"content-location": page.final_url})
    links = []
    for entry in parsed.entries:
        href = entry.get("link")
        if not href:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        links.append(
            Link(
                url=urljoin(page.final_url, href),
                title=entry.get("title") or None,
                author=entry.get("author") or None,
                published=date(when.tm_year, when.tm_mon, when.tm_mday) if when else None,
            )
        )
    if parsed.get("bozo") and not links:
        raise IngestError(
            f"the feed is not valid RSS or Atom ({parsed.get('bozo_exception')}); check the URL",
            page.url,
        )
    return links


def links_from_sitemap(page: Page, max_bytes: int) -> tuple[list[Link], list[str]]:
    """The page links of a sitemap, and the child sitemaps of a sitemap index.

    Raises:
        IngestError: the body is not well-formed XML.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, recover=False
    )
    try:
        root = etree.fromstring(xml_body(page, max_bytes), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(
            f"the sitemap is not well-formed XML ({exc}); check the URL", page.url
        ) from exc
    pages: list[Link] = []
    children: list[str] = []
    for element in root:
        name = etree.QName(element).localname
        values = {etree.QName(child).localname: (child.text or "").strip() for child in element}
        if not values.get("loc"):
            continue
        url = urljoin(page.final_url, values["loc"])
        if name == "sitemap":
            children.append(url)
        elif name == "url":
            pages.append(Link(url=url, lastmod=parse_date(values.get("lastmod"))))
    return pages, children


def xml_body(page: Page, max_bytes: int) -> bytes:
    """The body, gunzipped when it is gzip data (sitemap.xml.gz), never past `max_bytes`.

    Raises:
        IngestError: the gzip data is corrupt or expands past the limit.
    """
    if not page.body.startswith(b"\x1f\x8b"):
        return page.body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(page.body)) as stream:
            data = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise IngestError(f"the gzip data is corrupt ({exc})", page.url) from exc
    if len(data) > max_bytes:
        raise IngestError(
            f"the file expands past the {max_bytes // 2**20} MB limit; it was not read", page.url
        )
    return data


def load_sources(path: Path) -> SourceList:
    """Read a sources file: lists named feeds, sitemaps, urls (http/https) and paths.

    Paths are relative to the sources file.

    Raises:
        IngestError: the file is missing, not TOML, or has unknown keys or non-string items.
    """
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise IngestError(f"cannot read the sources file ({exc}); fix the TOML", str(path)) from exc
    unknown = sorted(set(data) - set(SOURCE_KEYS))
    if unknown:
        raise IngestError(
            f"unknown key(s) {', '.join(unknown)}; use {', '.join(SOURCE_KEYS)} (lists of strings)",
            str(path),
        )
    for key, value in data.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise IngestError(f"{key} must be a list of strings", str(path))
    urls = [u for key in ("feeds", "sitemaps", "urls") for u in data.get(key, [])]
    paths = [path.parent / p for p in data.get("paths", [])]
    return SourceList(tuple(urls), tuple(paths))
