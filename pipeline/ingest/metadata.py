"""Metadata: title, author, published date, site name and canonical URL of an HTML page.

Input: the parsed page (an lxml tree, before chrome is removed), its URL and the site
rules. Output: a dict of Article fields. Pure. Sources, most trusted first: JSON-LD,
OpenGraph and article meta tags, <time> and byline elements, then a date in the URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from lxml.html import HtmlElement

from pipeline.ingest.dates import date_from_url, first_date, parse_date
from pipeline.ingest.sites import SiteRules, element_text, select

BYLINE_PREFIX = re.compile(r"^\s*(?:by|written by|posted by|author:?)\s+", re.IGNORECASE)
BYLINE_END = re.compile(r"\s*(?:[,|·•–—]|\bon\b|\bupdated\b|\bpublished\b|\d).*$", re.IGNORECASE)
NAME = re.compile(r"^[A-Z][\w.'’-]*(?: (?:[A-Z][\w.'’-]*|de|van|von|der|la|le)){0,4}$")
#: A forum or social handle ("ridgeline_trader", "@tape_reader").
HANDLE = re.compile(r"^@?[A-Za-z][\w.-]{2,30}$")
NOT_NAMES = frozenset({"admin", "administrator", "staff", "editor", "editors", "author", "guest"})
ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "Report", "DiscussionForumPosting")


def meta_from_html(root: HtmlElement, url: str | None, rules: SiteRules) -> dict[str, Any]:
    """Article metadata from the page head and byline; keys only where a value was found."""
    meta: dict[str, Any] = {k: v for k, v in _json_ld(root).items() if v}
    head = _head_meta(root)
    for key, value in head.items():
        meta.setdefault(key, value)
    if not meta.get("author") and (author := _byline_author(root, rules)):
        meta["author"] = author
    meta.setdefault("source", rules.source)
    if url and not meta.get("url"):
        meta["url"] = url
    published, how = _published(root, meta.pop("published", None), url, meta.get("url"), rules)
    if published:
        meta["published"], meta["published_source"] = published, how
    return {k: v for k, v in meta.items() if v}


def _json_ld(root: HtmlElement) -> dict[str, Any]:
    for script in root.iter("script"):
        if str(script.get("type", "")).strip().lower() != "application/ld+json":
            continue
        for item in _json_ld_items(script.text or ""):
            kind = item.get("@type", "")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(str(k) in ARTICLE_TYPES for k in kinds) or "datePublished" in item:
                publisher = item.get("publisher")
                return {
                    "title": _text(item.get("headline")),
                    "author": _ld_author(item.get("author")),
                    "published": item.get("datePublished"),
                    "source": _text(publisher.get("name")) if isinstance(publisher, dict) else None,
                    "url": _ld_url(item),
                }
    return {}


def _json_ld_items(text: str) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return
    stack = data if isinstance(data, list) else [data]
    for item in stack:
        if isinstance(item, dict):
            yield item
            yield from (g for g in item.get("@graph", []) if isinstance(g, dict))


def _ld_author(author: Any) -> str | None:
    if isinstance(author, list):
        names = [_ld_author(a) for a in author]
        return ", ".join(n for n in names if n) or None
    if isinstance(author, dict):
        return _text(author.get("name"))
    return _text(author)


def _ld_url(item: dict[str, Any]) -> str | None:
    for value in (item.get("url"), item.get("mainEntityOfPage")):
        if isinstance(value, dict):
            value = value.get("@id")
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return value
    return None


def _head_meta(root: HtmlElement) -> dict[str, Any]:
    tags: dict[str, str] = {}
    for tag in root.iter("meta"):
        value = str(tag.get("content") or "").strip()
        for attr in ("property", "name", "itemprop"):
            key = str(tag.get(attr) or "").strip().lower()
            if key and value:
                tags.setdefault(key, value)

    def content(*keys: str) -> str | None:
        return next((tags[k.lower()] for k in keys if k.lower() in tags), None)

    meta: dict[str, Any] = {
        "title": content("og:title", "twitter:title", "citation_title"),
        "author": _not_url(content("author", "article:author", "parsely-author", "dc.creator")),
        "source": content("og:site_name", "application-name"),
        "published": content(
            "article:published_time",
            "og:published_time",
            "datePublished",
            "parsely-pub-date",
            "pubdate",
            "publish-date",
            "date",
            "dc.date",
            "dc.date.issued",
        ),
    }
    title = next(iter(root.xpath("//head/title | //title")), None)
    if not meta["title"] and title is not None and title.text:
        meta["title"] = " ".join(title.text.split())
    canonical = canonical_url(root)
    meta["url"] = canonical if canonical and canonical.startswith("http") else content("og:url")
    return {k: v for k, v in meta.items() if v}


def canonical_url(root: HtmlElement) -> str | None:
    """The page's <link rel="canonical"> address, if it has one."""
    for link in root.iter("link"):
        if "canonical" in str(link.get("rel", "")).lower().split() and link.get("href"):
            return str(link.get("href")).strip()
    return None


def _byline_author(root: HtmlElement, rules: SiteRules) -> str | None:
    for selector in rules.author:
        for element in select(root, selector)[:3]:
            if name := _clean_name(element_text(element)):
                return name
    return None


def _clean_name(text: str) -> str | None:
    text = BYLINE_END.sub("", BYLINE_PREFIX.sub("", " ".join(text.split())))
    if text.lower().lstrip("@") in NOT_NAMES or len(text) > 60:
        return None
    return text if NAME.match(text) or HANDLE.match(text) else None


def _published(
    root: HtmlElement, value: Any, url: str | None, canonical: str | None, rules: SiteRules
) -> tuple[date | None, str | None]:
    if found := parse_date(value):
        return found, "html_meta"
    for selector in rules.published:
        for element in select(root, selector)[:3]:
            when = parse_date(element.get("datetime") or element.get("content"))
            when = when or first_date(element_text(element))
            if when:
                return when, "byline"
    for address in (canonical, url):
        if found := date_from_url(address):
            return found, "url"
    return None, None


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


def _not_url(value: str | None) -> str | None:
    return None if value is None or value.startswith(("http://", "https://")) else value
