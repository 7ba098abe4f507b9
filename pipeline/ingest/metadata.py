"""Metadata: title, author, published date, site name and canonical URL of an HTML page.

Input: the parsed page (BeautifulSoup, before chrome is removed), its URL and the site
rules. Output: a dict of Article fields. Pure. Sources, most trusted first: JSON-LD,
OpenGraph and article meta tags, <time> and byline elements, then a date in the URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from bs4 import BeautifulSoup, Tag

from pipeline.ingest.dates import date_from_url, first_date, parse_date
from pipeline.ingest.sites import SiteRules

BYLINE_PREFIX = re.compile(r"^\s*(?:by|written by|posted by|author:?)\s+", re.IGNORECASE)
BYLINE_END = re.compile(r"\s*(?:[,|·•–—]|\bon\b|\bupdated\b|\bpublished\b|\d).*$", re.IGNORECASE)
NAME = re.compile(r"^[A-Z][\w.'’-]*(?: (?:[A-Z][\w.'’-]*|de|van|von|der|la|le)){0,4}$")
#: A forum or social handle ("ridgeline_trader", "@tape_reader").
HANDLE = re.compile(r"^@?[A-Za-z][\w.-]{2,30}$")
NOT_NAMES = frozenset({"admin", "administrator", "staff", "editor", "editors", "author", "guest"})
ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "Report", "DiscussionForumPosting")


def meta_from_html(soup: BeautifulSoup, url: str | None, rules: SiteRules) -> dict[str, Any]:
    """Article metadata from the page head and byline; keys only where a value was found."""
    meta: dict[str, Any] = {k: v for k, v in _json_ld(soup).items() if v}
    head = _head_meta(soup)
    for key, value in head.items():
        meta.setdefault(key, value)
    if not meta.get("author") and (author := _byline_author(soup, rules)):
        meta["author"] = author
    meta.setdefault("source", rules.source)
    if url and not meta.get("url"):
        meta["url"] = url
    published, how = _published(soup, meta.pop("published", None), url, meta.get("url"), rules)
    if published:
        meta["published"], meta["published_source"] = published, how
    return {k: v for k, v in meta.items() if v}


def _json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    for script in soup.find_all("script", type="application/ld+json"):
        for item in _json_ld_items(script.get_text()):
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


def _head_meta(soup: BeautifulSoup) -> dict[str, Any]:
    tags: dict[str, str] = {}
    for tag in soup.find_all("meta"):
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
    if not meta["title"] and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and str(canonical.get("href", "")).startswith("http"):
        meta["url"] = str(canonical["href"])
    else:
        meta["url"] = content("og:url")
    return {k: v for k, v in meta.items() if v}


def _byline_author(soup: BeautifulSoup, rules: SiteRules) -> str | None:
    for selector in rules.author:
        for element in soup.select(selector)[:3]:
            if name := _clean_name(element.get_text(" ", strip=True)):
                return name
    return None


def _clean_name(text: str) -> str | None:
    text = BYLINE_END.sub("", BYLINE_PREFIX.sub("", " ".join(text.split())))
    if text.lower().lstrip("@") in NOT_NAMES or len(text) > 60:
        return None
    return text if NAME.match(text) or HANDLE.match(text) else None


def _published(
    soup: BeautifulSoup, value: Any, url: str | None, canonical: str | None, rules: SiteRules
) -> tuple[date | None, str | None]:
    if found := parse_date(value):
        return found, "html_meta"
    for selector in rules.published:
        for element in soup.select(selector)[:3]:
            when = parse_date(element.get("datetime") or element.get("content"))
            when = when or first_date(element.get_text(" ", strip=True))
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
