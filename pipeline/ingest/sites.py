"""Site rules: which parts of a page are chrome, where the article and its byline live.

Input: a parsed page (BeautifulSoup) and its URL. Output: the SiteRules that apply,
merged from data/sites.toml. `prune_page` removes chrome from the soup in place.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup, Comment, Doctype, Tag

RULE_KEYS = frozenset(
    {"name", "hosts", "generator", "source", "drop", "content", "summary", "author", "published"}
)

#: Elements whose text is credited to the element around them when looking for the
#: article's container: inline markup and paragraph-like blocks.
PASS_THROUGH = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "br",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
        "wbr",
        "p",
        "li",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "figcaption",
    ]
)
#: Less text than this in one element is no article (a menu, a cookie notice).
HOLDER_MIN_CHARS = 200
#: Elements whose text is never article text.
UNREAD = frozenset({"script", "style", "noscript", "template", "head", "title", "option"})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteRules:
    """The selectors that apply to one page: site-specific first, then the generic ones."""

    names: tuple[str, ...] = ()
    source: str | None = None
    drop: tuple[str, ...] = ()
    content: tuple[str, ...] = ()
    summary: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    published: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Site:
    name: str
    hosts: tuple[str, ...]
    generator: str | None
    values: dict[str, Any] = field(hash=False)


@cache
def load_sites() -> tuple[dict[str, Any], tuple[_Site, ...]]:
    """The generic rules and the per-site rules shipped in data/sites.toml.

    Raises:
        ValueError: a rule names an unknown key (a typo in the data file).
    """
    raw = tomllib.loads(
        resources.files("pipeline.ingest").joinpath("data", "sites.toml").read_text("utf-8")
    )
    sites = []
    for table in raw.get("site", []):
        unknown = set(table) - RULE_KEYS
        if unknown:
            raise ValueError(f"sites.toml: unknown key(s) {sorted(unknown)} in {table.get('name')}")
        sites.append(
            _Site(
                name=table["name"],
                hosts=tuple(h.lower() for h in table.get("hosts", [])),
                generator=table.get("generator"),
                values=table,
            )
        )
    return raw["generic"], tuple(sites)


def rules_for(soup: BeautifulSoup, url: str | None) -> SiteRules:
    """The rules for a page: every matching [[site]] table, then [generic]."""
    generic, sites = load_sites()
    host = (urlsplit(url).hostname or "").lower() if url else ""
    generator = _generator(soup)
    matched = [
        site
        for site in sites
        if (host and any(host == h or host.endswith("." + h) for h in site.hosts))
        or (site.generator and generator.startswith(site.generator.lower()))
    ]

    def merged(key: str) -> tuple[str, ...]:
        out: list[str] = []
        for values in [*(s.values for s in matched), generic]:
            out.extend(values.get(key, []))
        return tuple(out)

    return SiteRules(
        names=tuple(s.name for s in matched),
        source=next((s.values["source"] for s in matched if "source" in s.values), None),
        drop=merged("drop"),
        content=merged("content"),
        summary=merged("summary"),
        author=merged("author"),
        published=merged("published"),
    )


def take_summary(soup: BeautifulSoup, rules: SiteRules) -> list[str]:
    """Remove the summary box (if any) and return its bullets as "- ..." lines."""
    for selector in rules.summary:
        box = soup.select_one(selector)
        if box is None:
            continue
        items = [" ".join(li.get_text(" ", strip=True).split()) for li in box.find_all("li")]
        box.decompose()
        return ["Summary", *(f"- {item}" for item in items if item)]
    return []


def prune_page(soup: BeautifulSoup, rules: SiteRules) -> Tag | BeautifulSoup:
    """Remove chrome in place and return the element that holds the article.

    A drop rule never removes the element that holds most of the page's text (see
    `text_holder`),
    nor any element around it: on real sites the article itself can carry a class that
    also names chrome (a gated body marked `.paywall`, a blog post inside `.widget`, a page
    wrapped in one `<form>`). Such a match is kept and logged, not removed.
    """
    protected = text_holder_and_ancestors(soup)
    for element in compiled(rules.drop).select(soup):
        if element.name in ("html", "body") or element.decomposed:
            continue
        if id(element) in protected:
            log.debug("drop rule matched the element holding the article's text; kept it")
            continue
        element.decompose()
    for selector in rules.content:
        found = soup.select_one(selector)
        if found is not None and found.get_text(strip=True):
            return found
    return soup


def text_holder(soup: BeautifulSoup) -> Tag | None:
    """The element whose text blocks hold the most text: the one the article lives in.

    Each piece of text is credited to its nearest enclosing element that is neither
    inline markup (a, span, em ...) nor a paragraph-like block (p, li, h2 ...): the
    container of a post's paragraphs, or the div whose text is broken by <br> (as on
    many blogs). Text in scripts, styles and comments counts for nothing. None when no
    element holds HOLDER_MIN_CHARS of text.
    """
    totals: dict[int, int] = {}
    holders: dict[int, Tag] = {}
    for string in soup.find_all(string=True):
        if isinstance(string, Comment | Doctype) or not (size := len(string.strip())):
            continue
        element = string.parent
        while isinstance(element, Tag) and element.name in PASS_THROUGH:
            element = element.parent
        if not isinstance(element, Tag) or element.name in UNREAD:
            continue
        totals[id(element)] = totals.get(id(element), 0) + size
        holders[id(element)] = element
    best = max(totals, key=lambda key: totals[key], default=None)
    if best is None or totals[best] < HOLDER_MIN_CHARS:
        return None  # no article-sized text anywhere: nothing to protect
    return holders[best]


def text_holder_and_ancestors(soup: BeautifulSoup) -> set[int]:
    """Ids of the text holder (see `text_holder`) and of every element around it."""
    holder = text_holder(soup)
    if holder is None:
        return set()
    return {id(holder), *(id(parent) for parent in holder.parents)}


@lru_cache(maxsize=64)
def compiled(selectors: tuple[str, ...]) -> soupsieve.SoupSieve:
    """All selectors as one compiled selector list: one pass over the page, not one each."""
    return soupsieve.compile(", ".join(selectors))


def _generator(soup: BeautifulSoup) -> str:
    tag = soup.find("meta", attrs={"name": "generator"})
    if isinstance(tag, Tag) and tag.get("content"):
        return str(tag["content"]).strip().lower()
    return ""
