"""Metadata: title, author, published and updated dates, site name and canonical URL.

Input: the parsed page (an lxml tree, before chrome is removed), its URL and the site
rules. Output: a dict of Article fields. Pure. Sources, most trusted first: JSON-LD,
OpenGraph and article meta tags, <time> and byline elements, byline lines in the page
("By NAME | DATE", "Posted by u/name · DATE", "Updated DATE"), then a date in the URL.
`published_source` names the form the date was read from (json_ld, html_meta,
time_element, byline, updated, url); a date the page gives as an update is kept apart
in `updated` and stands in for the published date only when the page gives no other.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from pipeline.ingest.dates import date_from_url, first_date, parse_date
from pipeline.ingest.sites import SiteRules, compiled, element_text

BYLINE_PREFIX = re.compile(r"^\s*(?:by|written by|posted by|author:?)\s+", re.IGNORECASE)
BYLINE_END = re.compile(
    r"\s*(?:[,|·•–—]|\s-\s|\bon\b|\bupdated\b|\bpublished\b|\bfor\b|\d"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*$",
    re.IGNORECASE,
)
NAME_WORD = r"[A-Z][\w.'’-]*"
NAME = re.compile(
    rf"^{NAME_WORD}(?: (?:{NAME_WORD}|de|van|von|der|la|le|da|di|bin)){{0,4}}"
    rf"(?: and {NAME_WORD}(?: {NAME_WORD}){{0,3}})?$"
)
#: A forum or social handle ("ridgeline_trader", "@tape_reader", "u/ridgeline").
HANDLE = re.compile(r"^(?:@|u/)?[A-Za-z][\w.-]{2,30}$")
#: A handle that shows it is one: a prefix, a digit or underscore, or inner capitals.
MARKED_HANDLE = re.compile(r"^(?:@|u/)\S+$|^\S*[\d_]\S*$|^[a-z]+[A-Z]\S*$")
CHROME_TAGS = frozenset({"nav", "footer", "aside", "form", "select", "button"})
NOT_NAMES = frozenset(
    {"admin", "administrator", "staff", "editor", "editors", "author", "guest", "team", "desk"}
)
ARTICLE_TYPES = ("Article", "NewsArticle", "BlogPosting", "Report", "DiscussionForumPosting")
#: A byline line: "By Jane Doe | Nov 3, 2024", "Posted by u/name · Jul 11, 2024".
BYLINE_LINE = re.compile(
    r"^(?:posted\s+|written\s+|published\s+)?by\s+(?P<name>.+?)"
    r"(?:\s*(?:[|·•,–—]|\s-\s|\bon\b|\bpublished\b|\bposted\b)\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)
UPDATED_LINE = re.compile(
    r"^(?:last\s+)?(?:updated|modified)\s*:?\s*(?:on\s+)?(?P<when>.+)$", re.IGNORECASE
)
PUBLISHED_LINE = re.compile(r"^(?:published|posted)\s*:?\s*(?:on\s+)?(?P<when>.+)$", re.IGNORECASE)
#: How a byline or dateline line starts (lowercased).
LINE_STARTS = ("by ", "posted", "written by", "published", "updated", "last updated")
LINE_FIRST_LETTERS = frozenset("BbPpWwUuLl")  # a cheap test before the lowercased one
BYLINE_MAX_CHARS = 160
BYLINE_SCAN = 12  # candidate lines looked at, in page order
#: " | ", " - ", " — " and similar between a headline and the site's name.
TITLE_SEPARATOR = re.compile(r"\s+[|–—:-]\s+|\s*[|·•»]\s*|\s+::\s+")
#: An <h1> is the headline when it makes up at least this share of a meta title.
TITLE_SHARE = 0.5
UPDATE_CONTEXT = re.compile(r"\b(?:updated|modified|edited)\b", re.IGNORECASE)


def meta_from_html(root: HtmlElement, url: str | None, rules: SiteRules) -> dict[str, Any]:
    """Article metadata from the page head and byline; keys only where a value was found."""
    ld = _json_ld(root)
    head = _head_meta(root)
    lines = _byline_lines(root)
    matched = compiled(rules.author + rules.published).select(root)  # one pass for both
    by_author, by_date = matched[: len(rules.author)], matched[len(rules.author) :]
    sites = _site_names(url, ld.get("source"), head.get("source"), rules.source)
    meta: dict[str, Any] = {
        "title": _title(root, ld.get("title"), head.get("titles", []), sites),
        "source": ld.get("source") or head.get("source") or rules.source,
        "url": ld.get("url") or head.get("url") or url,
    }
    for candidate in (
        ld.get("author"),
        head.get("author"),
        _byline_author(by_author),
        *(author for author, _ in lines["by"]),
    ):
        if (author := _author(candidate, sites)) is not None:
            meta["author"] = author
            break
    updated = parse_date(ld.get("updated")) or parse_date(head.get("updated"))
    published, how = _published(ld, head, lines, by_date, (meta.get("url"), url))
    updated = updated or next((d for d in lines["updated"] if d), None)
    if published is None and updated is not None:
        published, how = updated, "updated"
    if published:
        meta["published"], meta["published_source"] = published, how
    if updated and updated != published:
        meta["updated"] = updated
    return {k: v for k, v in meta.items() if v}


def clean_text(value: Any) -> str | None:
    """A metadata string with HTML entities decoded (also doubly escaped ones, as some
    sites write `&amp;#039;`) and whitespace collapsed; None when empty or not a string."""
    if not isinstance(value, str):
        return None
    for _ in range(2):
        if "&" not in value:
            break
        value = html.unescape(value)
    return " ".join(value.split()) or None


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
                    "title": clean_text(item.get("headline")),
                    "author": _ld_author(item.get("author")),
                    "published": item.get("datePublished"),
                    "updated": item.get("dateModified"),
                    "source": clean_text(publisher.get("name"))
                    if isinstance(publisher, dict)
                    else None,
                    "url": _ld_url(item),
                }
    return {}


def _json_ld_items(text: str) -> Iterator[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return
    stack = data if isinstance(data, list) else [data]
    for item in stack:
        if isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                yield from (g for g in graph if isinstance(g, dict))


def _ld_author(author: Any, depth: int = 0) -> str | None:
    """The person (or people) an author value names; a list in a list is read two levels
    deep, no further (a hostile page nests thousands)."""
    if isinstance(author, list):
        if depth >= 2:
            return None
        names = [_ld_author(a, depth + 1) for a in author[:10]]
        return ", ".join(n for n in names if n) or None
    if isinstance(author, dict):
        if author.get("@type") == "Organization":
            return None  # the publisher standing in for a person
        return clean_text(author.get("name"))
    return clean_text(author)


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

    titles = [clean_text(tags.get(k)) for k in ("og:title", "twitter:title", "citation_title")]
    title = next(iter(root.xpath("//head/title | //title")), None)
    if title is not None:
        titles.append(clean_text(title.text))
    canonical = canonical_url(root)
    return {
        "titles": [t for t in titles if t],
        "author": _not_url(content("author", "article:author", "parsely-author", "dc.creator")),
        "source": clean_text(content("og:site_name", "application-name")),
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
        "updated": content("article:modified_time", "og:updated_time", "dateModified"),
        "url": canonical
        if canonical and canonical.startswith(("http://", "https://"))
        else content("og:url"),
    }


def canonical_url(root: HtmlElement) -> str | None:
    """The page's <link rel="canonical"> address, if it has one."""
    for link in root.iter("link"):
        if "canonical" in str(link.get("rel", "")).lower().split() and link.get("href"):
            return str(link.get("href")).strip()
    return None


def _site_names(url: str | None, *names: str | None) -> set[str]:
    """The site's names in a comparable form: its stated names and its host's main label."""
    found = {_compact(n) for n in names if n}
    host = (urlsplit(url).hostname or "") if url else ""
    labels = [label for label in host.lower().split(".") if label not in ("www", "m", "amp")]
    if len(labels) >= 2:
        found.add(_compact(labels[-2]))
    return {n for n in found if n}


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _title(
    root: HtmlElement, headline: str | None, titles: list[str], sites: set[str]
) -> str | None:
    """The article's headline.

    The page's own <h1> wins when a meta title repeats it (a meta title often carries the
    site's name or a tagline); otherwise JSON-LD's headline, then OpenGraph's, then the
    <title>, each without a leading or trailing site name ("Headline | Site")."""
    metas = [t for t in (headline, *titles) if t]
    for h1 in root.iter("h1"):
        text = clean_text(element_text(h1))
        if text and 3 <= len(text) <= 300:
            if not metas or any(_repeats(text, m) for m in metas):
                return text
            break  # the first h1 is not the headline the meta tags name
    for candidate in metas:
        if stripped := _strip_site(candidate, sites):
            return stripped
    return None


def _repeats(headline: str, title: str) -> bool:
    """True when `title` is the headline, perhaps with a site name or tagline around it."""
    short, full = _compact(headline), _compact(title)
    return bool(short) and short in full and len(short) >= TITLE_SHARE * len(full)


def _strip_site(title: str, sites: set[str]) -> str:
    """The title without segments that name the site ("Rates hold | Tape Daily")."""
    parts = TITLE_SEPARATOR.split(title)
    separators = TITLE_SEPARATOR.findall(title)
    if len(parts) < 2:
        return title
    while len(parts) > 1 and _names_site(parts[-1], sites):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _names_site(parts[0], sites):
        parts.pop(0)
        separators.pop(0)
    out = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        out += separator + part
    return out.strip()


def _names_site(segment: str, sites: set[str]) -> bool:
    compact = _compact(segment)
    return bool(compact) and any(compact == s or (len(s) >= 5 and s in compact) for s in sites)


def _author(value: str | None, sites: set[str]) -> str | None:
    """An author name, unless it is the site's own name or a role ("Staff")."""
    name = clean_text(value)
    if not name:
        return None
    name = BYLINE_PREFIX.sub("", name).split(" | ")[0]
    # "Troy Lane, Example.com": an outlet named after the author is the site, not a name
    parts = [p for p in name.split(", ") if _compact(p) not in sites and not _site_like(p)]
    name = ", ".join(parts)
    if not name or _compact(name) in sites or name.lower().lstrip("@") in NOT_NAMES:
        return None
    return name


def _site_like(text: str) -> bool:
    """A web address standing in for an outlet ("Example.com")."""
    return bool(re.fullmatch(r"(?:www\.)?[\w-]+\.(?:com|net|org|co\.uk|io)", text.strip(), re.I))


def _byline_author(matched: list[list[HtmlElement]]) -> str | None:
    for elements in matched:
        for element in elements[:3]:
            if name := _clean_name(element_text(element)):
                return name
    return None


def _byline_lines(root: HtmlElement) -> dict[str, list[Any]]:
    """Byline and dateline lines written in the page's body, in page order:
    "by": (author, date or None); "published": dates; "updated": dates."""
    found: dict[str, list[Any]] = {"by": [], "published": [], "updated": []}
    seen: set[HtmlElement] = set()
    body = root.find("body")
    for owner in _line_starts(root if body is None else body):
        if owner in seen or owner.tag in ("script", "style", "title"):
            continue
        if owner.tag in CHROME_TAGS or any(a.tag in CHROME_TAGS for a in owner.iterancestors()):
            continue  # "By topic" in a menu is no byline
        seen.add(owner)
        line = element_text(owner)
        if not line or len(line) > BYLINE_MAX_CHARS:
            continue
        if match := BYLINE_LINE.match(line):
            name = _clean_name(match["name"])
            if name and not NAME.match(name) and not MARKED_HANDLE.match(name):
                name = None  # "By subject": a lowercase word is no handle in a byline
            rest = match["rest"] or ""
            if name and _byline_rest(rest):
                when = None if UPDATE_CONTEXT.match(rest) else first_date(rest)
                found["by"].append((name, when))
            if UPDATE_CONTEXT.search(rest) and (when := first_date(rest)):
                found["updated"].append(when)
        elif match := UPDATED_LINE.match(line):
            found["updated"].append(first_date(match["when"]))
        elif match := PUBLISHED_LINE.match(line):
            found["published"].append(first_date(match["when"]))
        if len(seen) >= BYLINE_SCAN:
            break
    return found


def _byline_rest(rest: str) -> bool:
    """True when what follows "By NAME" reads as a byline's tail (a date, an update
    note, an outlet or a job title), not as a sentence ("By March, IWM will ...")."""
    words = rest.split()
    if not words or first_date(rest) or UPDATE_CONTEXT.search(rest):
        return True
    return len(words) <= 4 and all(w[:1].isupper() or w in ("and", "of", "at") for w in words)


def _line_starts(body: HtmlElement) -> Iterator[HtmlElement]:
    """Elements whose text (or a child's tail, as in "<i></i> By NAME") starts like a
    byline or dateline, in page order."""
    for element in body.iter(etree.Element):
        if _starts_line(element.text):
            yield element
        if _starts_line(element.tail) and (parent := element.getparent()) is not None:
            yield parent


def _starts_line(text: str | None) -> bool:
    lead = (text or "").lstrip()
    return lead[:1] in LINE_FIRST_LETTERS and lead.lower().startswith(LINE_STARTS)


def _clean_name(text: str) -> str | None:
    text = " ".join(text.split())
    text = BYLINE_END.sub("", BYLINE_PREFIX.sub("", text)) if not HANDLE.match(text) else text
    if text.lower().lstrip("@") in NOT_NAMES or len(text) > 60:
        return None
    return text if NAME.match(text) or HANDLE.match(text) else None


def _published(
    ld: dict[str, Any],
    head: dict[str, Any],
    lines: dict[str, list[Any]],
    matched: list[list[HtmlElement]],
    addresses: tuple[str | None, str | None],
) -> tuple[date | None, str | None]:
    in_url = next((d for d in map(date_from_url, addresses) if d), None)
    for value, how in ((ld.get("published"), "json_ld"), (head.get("published"), "html_meta")):
        if found := parse_date(value):
            if in_url is not None and 0 < (found - in_url).days <= 1:
                # A UTC timestamp past midnight: the site's own date is the one in its URL.
                return in_url, "url"
            return found, how
    for elements in matched:
        for element in elements[:3]:
            if _is_update(element):
                continue
            if when := parse_date(element.get("datetime") or element.get("content")):
                return when, "time_element"
            if when := first_date(element_text(element)):
                return when, "byline"
    for when in [d for _, d in lines["by"]] + lines["published"]:
        if when:
            return when, "byline"
    for address in addresses:
        if found := date_from_url(address):
            return found, "url"
    return None, None


def _is_update(element: HtmlElement) -> bool:
    """A <time> the page labels as an update ("Updated <time>", class="updated")."""
    if UPDATE_CONTEXT.search(str(element.get("class", ""))):
        return True
    before = element.getprevious()
    lead = (before.tail if before is not None else None) or ""
    parent = element.getparent()
    if before is None and parent is not None:
        lead = parent.text or ""
    return bool(UPDATE_CONTEXT.search(lead[-40:]))


def _not_url(value: str | None) -> str | None:
    return None if value is None or value.startswith(("http://", "https://")) else value
