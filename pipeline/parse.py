"""Parse: turn one document's text (HTML, plain text or Markdown) into an Article.

Input: the decoded document and where it came from. Output: an Article whose `text`
is what NLP reads (chrome and trailing boilerplate removed) and whose `raw` is the
document as it came. No side effects.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from bs4 import BeautifulSoup, Tag
from dateutil import parser as dateparser

from .errors import IngestError
from .models import Article

DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*(.*)$", re.IGNORECASE)
DATELINE = re.compile(
    r"^(?:posted|published|updated|date)\s*:?\s*(?:on\s+)?(?P<when>(?:\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4}))",
    re.IGNORECASE,
)
DATELINE_SCAN_LINES = 8
HANDLE = re.compile(r"@?[A-Za-z][\w.-]{2,30}")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th")
CHROME_TAGS = (
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
)
CHROME_HINT = re.compile(
    r"share|social|comment|related|recent|sidebar|widget|newsletter|subscribe|signup|"
    r"author-bio|author_bio|authorbio|about-author|bio\b|disclos|disclaimer|advert|\bad\b|promo|"
    r"cookie|breadcrumb|menu|footer|header|nav\b|tags?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Boilerplate:
    end_markers: tuple[str, ...]
    end_lines: frozenset[str]
    chrome_lines: frozenset[str]
    chrome_patterns: tuple[re.Pattern[str], ...]
    bio_patterns: tuple[re.Pattern[str], ...]


@cache
def load_boilerplate() -> Boilerplate:
    """The boilerplate rules shipped in data/boilerplate.toml."""
    raw = tomllib.loads(
        resources.files("pipeline").joinpath("data", "boilerplate.toml").read_text("utf-8")
    )
    return Boilerplate(
        end_markers=tuple(m.lower() for m in raw["end_markers"]),
        end_lines=frozenset(m.lower() for m in raw["end_lines"]),
        chrome_lines=frozenset(m.lower() for m in raw["chrome_lines"]),
        chrome_patterns=tuple(re.compile(p, re.IGNORECASE) for p in raw["chrome_patterns"]),
        bio_patterns=tuple(re.compile(p) for p in raw["bio_patterns"]),
    )


def parse_text(text: str, location: str, raw_format: str = "text") -> Article:
    """Parse plain text or Markdown, with optional YAML front matter, into an Article.

    Without front matter the first line is the title; a leading "date YYYY-MM-DD"
    header gives the published date.

    Raises:
        IngestError: the front matter is not valid YAML or the text is empty.
    """
    meta: dict[str, Any] = {}
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    if match := FRONT_MATTER.match(body):
        meta = _front_matter(match.group(1), location)
        body = body[match.end() :]
    lines = body.split("\n")
    if not match:
        chrome = load_boilerplate().chrome_lines
        first = next(
            (
                i
                for i, line in enumerate(lines)
                if line.strip() and line.strip().lower() not in chrome
            ),
            None,
        )
        if first is not None:
            header = DATE_HEADER.match(lines[first])
            if header:
                meta.setdefault("published", date.fromisoformat(header.group(1)))
                meta.setdefault("published_source", "text_header")
                meta["title"] = header.group(2).strip() or None
            else:
                meta["title"] = lines[first].strip().lstrip("# ").strip()
            lines = lines[first + 1 :]
    if "published" not in meta and (found := _dateline(lines)):
        meta["published"], meta["published_source"] = found[0], "text_dateline"
        if not meta.get("author") and found[1]:
            meta["author"] = found[1]
    clean, bio_author = clean_lines(lines)
    if not meta.get("author") and bio_author:
        meta["author"] = bio_author
    return _article(location, "\n".join(clean), text, raw_format, meta)


def _dateline(lines: list[str]) -> tuple[date, str | None] | None:
    """A "Posted Mar 8, 2024 at 5:42 PM" or "Published: 2024-03-08" line near the top,
    and the forum handle on the line just above it, if there is one."""
    for index, line in enumerate(lines[:DATELINE_SCAN_LINES]):
        if match := DATELINE.match(line.strip()):
            try:
                when = dateparser.parse(match.group("when"), fuzzy=True).date()
            except (ValueError, OverflowError):
                continue
            above = lines[index - 1].strip() if index else ""
            return when, above if HANDLE.fullmatch(above) else None
    return None


def parse_html(html: str, url: str | None = None, location: str | None = None) -> Article:
    """Parse an HTML page into an Article: metadata from the head, text from the main content.

    Raises:
        IngestError: the page has no readable text.
    """
    soup = BeautifulSoup(html, "lxml")
    meta = _html_meta(soup)
    if url and not meta.get("url"):
        meta["url"] = url
    root = soup.find("article") or soup.find("main") or soup.body or soup
    assert isinstance(root, Tag)
    _strip_chrome(root)
    blocks = []
    for el in root.find_all(BLOCK_TAGS):
        if el.find(BLOCK_TAGS):
            continue
        line = " ".join(el.get_text(" ", strip=True).split())
        if line and line != meta.get("title"):
            blocks.append(line)
    if not blocks:
        blocks = [line.strip() for line in root.get_text("\n").split("\n") if line.strip()]
    clean, bio_author = clean_lines(blocks)
    if not meta.get("author") and bio_author:
        meta["author"] = bio_author
    return _article(location or url or "<html>", "\n".join(clean), html, "html", meta)


def clean_lines(lines: list[str]) -> tuple[list[str], str | None]:
    """Drop chrome lines and cut the text at the first boilerplate marker.

    Returns the kept lines and an author name found in a trailing bio, if any.
    """
    rules = load_boilerplate()
    kept: list[str] = []
    author = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        lowered = stripped.lower()
        if lowered.startswith(rules.end_markers) or lowered in rules.end_lines:
            author = _bio_author(lines[index:], rules)
            break
        if bio := _bio_author([stripped], rules):
            author = bio
            break
        if lowered in rules.chrome_lines or any(p.search(stripped) for p in rules.chrome_patterns):
            if stripped or (kept and kept[-1]):
                kept.append("")
            continue
        kept.append(stripped)
    while kept and not kept[-1]:
        kept.pop()
    return _squeeze_blank(kept), author


def _bio_author(lines: list[str], rules: Boilerplate) -> str | None:
    for line in lines:
        for pattern in rules.bio_patterns:
            if match := pattern.match(line.strip()):
                return match.group("name")
    return None


def _squeeze_blank(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return out


def _front_matter(block: str, location: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(block) or {}
    except yaml.YAMLError as exc:
        raise IngestError(
            f"front matter is not valid YAML ({exc}); fix the block between the --- lines", location
        ) from exc
    if not isinstance(data, dict):
        raise IngestError(
            "front matter must be key: value lines (title, author, published, source, url)",
            location,
        )
    meta: dict[str, Any] = {k: data[k] for k in ("title", "author", "source", "url") if data.get(k)}
    if data.get("published"):
        meta["published"] = coerce_date(data["published"], location)
        meta["published_source"] = "front_matter"
    return meta


def coerce_date(value: object, location: str) -> date:
    """A date from a YAML value or a date string.

    Raises:
        IngestError: the value is not a date.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return dateparser.parse(str(value)).date()
    except (ValueError, OverflowError) as exc:
        raise IngestError(
            f"published date {value!r} is not a date; write it as YYYY-MM-DD", location
        ) from exc


def _html_meta(soup: BeautifulSoup) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for script in soup.find_all("script", type="application/ld+json"):
        meta.update({k: v for k, v in _json_ld(script.get_text()).items() if v and k not in meta})

    def content(*keys: str) -> str | None:
        for key in keys:
            tag = soup.find("meta", attrs={"property": key}) or soup.find(
                "meta", attrs={"name": key}
            )
            if isinstance(tag, Tag) and tag.get("content"):
                return str(tag["content"]).strip()
        return None

    meta.setdefault("title", content("og:title", "twitter:title"))
    if not meta.get("title") and soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    meta.setdefault("author", content("author", "article:author", "parsely-author"))
    meta.setdefault("source", content("og:site_name", "application-name"))
    canonical = soup.find("link", rel="canonical")
    if isinstance(canonical, Tag) and canonical.get("href"):
        meta.setdefault("url", str(canonical["href"]))
    meta.setdefault("url", content("og:url"))
    published = meta.pop("published", None) or content(
        "article:published_time", "og:published_time", "date", "pubdate", "publish-date", "dc.date"
    )
    if not published:
        time_tag = soup.find("time", datetime=True)
        if isinstance(time_tag, Tag):
            published = str(time_tag["datetime"])
    meta = {k: v for k, v in meta.items() if v}
    if published:
        try:
            meta["published"] = dateparser.parse(str(published)).date()
            meta["published_source"] = "html_meta"
        except (ValueError, OverflowError):
            pass
    return meta


def _json_ld(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {}
    items = (
        data
        if isinstance(data, list)
        else data.get("@graph", [data])
        if isinstance(data, dict)
        else []
    )
    for item in items:
        if not isinstance(item, dict):
            continue
        if str(item.get("@type", "")).endswith("Article") or "datePublished" in item:
            author = item.get("author")
            if isinstance(author, list):
                author = author[0] if author else None
            if isinstance(author, dict):
                author = author.get("name")
            publisher = item.get("publisher")
            return {
                "title": item.get("headline"),
                "author": author,
                "published": item.get("datePublished"),
                "source": publisher.get("name") if isinstance(publisher, dict) else None,
                "url": _json_ld_url(item),
            }
    return {}


def _json_ld_url(item: dict[str, Any]) -> str | None:
    for value in (item.get("url"), item.get("mainEntityOfPage")):
        if isinstance(value, dict):
            value = value.get("@id")
        if isinstance(value, str) and value.startswith("http"):
            return value
    return None


def _strip_chrome(root: Tag) -> None:
    for el in root.find_all(CHROME_TAGS):
        el.decompose()
    for el in root.find_all(True):
        if el.decomposed or el.attrs is None:
            continue
        classes: list[str] = list(el.get("class") or [])
        hint = " ".join([*classes, str(el.get("id", "")), str(el.get("role", ""))])
        if (
            hint.strip()
            and CHROME_HINT.search(hint)
            and el.name not in ("body", "html", "article", "main")
        ):
            el.decompose()


def _article(location: str, text: str, raw: str, raw_format: str, meta: dict[str, Any]) -> Article:
    if not text.strip():
        raise IngestError(
            "no readable text after removing page chrome; check the file is an article", location
        )
    return Article.build(location=location, text=text, raw=raw, raw_format=raw_format, **meta)
