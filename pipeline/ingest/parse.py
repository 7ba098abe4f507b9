"""Parse: turn one document's text (HTML, plain text or Markdown) into an Article.

Input: the decoded document and where it came from. Output: an Article whose `text`
is what NLP reads (chrome and trailing boilerplate removed) and whose `raw` is the
document as it came. No side effects. HTML is parsed once, by lxml as trafilatura parses
it; that one tree gives the metadata (metadata.py), loses its chrome to the site rules
(sites.py, data/sites.toml), and goes to trafilatura for the main text.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import lxml.html
import trafilatura
import yaml
from dateutil import parser as dateparser
from lxml import etree
from lxml.html import HtmlElement
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from trafilatura.utils import repair_faulty_html

from pipeline.errors import IngestError
from pipeline.ingest.dates import infer_date
from pipeline.ingest.metadata import (
    BYLINE_LINE,
    BYLINE_MAX_CHARS,
    canonical_url,
    meta_from_html,
)
from pipeline.ingest.sites import element_text, prune_page, rules_for, take_summary, text_holder
from pipeline.models import Article

DATE_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b\s*(.*)$", re.IGNORECASE)
DATELINE = re.compile(
    r"^(?:posted|published|updated|date)\s*:?\s*(?:on\s+)?(?P<when>(?:\d{4}-\d{2}-\d{2}|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8} \d{4}))",
    re.IGNORECASE,
)
DATELINE_SCAN_LINES = 8
HANDLE = re.compile(r"@?[A-Za-z][\w.-]{2,30}")
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}"
#: A line that is nothing but a date, perhaps with a time and a label.
BARE_DATE = re.compile(
    r"(?:(?:published|updated|posted|last updated)\s*:?\s*(?:on\s+)?)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
    rf"(?:{MONTH}\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\d{{1,2}} {MONTH}\.?,? \d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,4})?)?",
    re.IGNORECASE,
)
FRONT_MATTER_MAX_CHARS = 1000
#: Published dates outside these years are refused: no commentary is that old, and a
#: date past 2100 is a typo or a hostile file (horizons computed from it overflow).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th")
#: More attributes than this on one tag is hostile input, not a page (see _defuse_attributes).
MAX_ATTRIBUTES = 1000
#: A start tag shorter than this cannot hold MAX_ATTRIBUTES (each takes " a=", 3 chars).
LONG_TAG_CHARS = 3 * MAX_ATTRIBUTES
LONG_TAG = re.compile(rf"<([a-zA-Z][\w:-]*)(\s[^<>]{{{LONG_TAG_CHARS},}})>")
ATTRIBUTE = re.compile(r"\s[^\s=<>\"']+\s*=")
#: Deeper than this is no article. libxml2 stops nesting at 256 levels and keeps what
#: is deeper flattened, so a tree that reaches this depth was cut short by the parser.
MAX_DEPTH = 250
#: When trafilatura keeps less than this share of a site rule's article element, the
#: element's own text blocks are read instead.
CONTENT_KEPT_SHARE = 0.5
#: When trafilatura misses this share of an article split into chunks, read the chunks.
CHUNK_MISSING_SHARE = 0.3
CHUNK_COVERS_MAIN = 0.8
#: True when some element sits MAX_DEPTH levels below the root (XPath, run in C).
_TOO_DEEP = etree.XPath("boolean(" + "*/" * (MAX_DEPTH - 1) + "*)")
#: trafilatura's parser settings, with every element an HtmlElement chosen in C: the
#: stock lxml.html lookup runs a Python method per element, a tenth of all parse time.
_PARSER = etree.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
#: Texts shorter than this (in words) are too short to tell their language reliably.
LANGUAGE_MIN_WORDS = 40
LANGUAGE_MIN_CHARS = 200  # for scripts written without spaces
LANGUAGE_SAMPLE_CHARS = 4000
LANGUAGE_MIN_CONFIDENCE = 0.9
#: English prose is about a third function words; other languages have few of these.
ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "is",
        "that",
        "for",
        "it",
        "on",
        "with",
        "as",
        "are",
        "be",
        "this",
        "by",
        "will",
        "from",
        "at",
        "an",
        "or",
        "its",
        "their",
        "has",
        "have",
        "was",
        "we",
        "i",
        "not",
        "but",
    ]
)
ENGLISH_SHARE = 0.15
log = logging.getLogger(__name__)


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
        resources.files("pipeline.ingest").joinpath("data", "boilerplate.toml").read_text("utf-8")
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
                meta.setdefault("published", coerce_date(header.group(1), location))
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
    """Parse an HTML page into an Article.

    Metadata comes from the page as it is (JSON-LD, meta tags, bylines, the URL); the
    text from the main content after the site rules (data/sites.toml) have removed
    chrome: trafilatura finds the main content unless a site rule names it.

    Args:
        html: the decoded page.
        url: where the page came from, if known; used for site rules and dates.
        location: a file path or URL to name in errors (default: `url`).

    Raises:
        IngestError: the page is too deeply nested to parse or has no readable text.
            A page in another language is kept, with its language in `language`.
    """
    item = location or url or "<html>"
    tree = _tree(html, item)
    rules = rules_for(tree, url or canonical_url(tree))
    meta = meta_from_html(tree, url, rules)  # before pruning: bylines are chrome
    summary = take_summary(tree, rules)
    holder = text_holder(tree)  # protected from the drop rules, so still there after them
    root = prune_page(tree, rules, holder)
    if root is not tree:
        body = _content_text(tree, root, url)
    else:
        body = _with_chunks(holder, _main_text(tree, url)) or _blocks(tree)
    metadata_lines = {str(meta[k]).casefold() for k in ("title", "author", "source") if meta.get(k)}
    author = str(meta.get("author") or "").casefold()
    lines = summary + [line for line in body if not _is_metadata_line(line, metadata_lines, author)]
    clean, bio_author = clean_lines(lines)
    if not meta.get("author") and bio_author:
        meta["author"] = bio_author
    return _article(item, "\n".join(clean), html, "html", meta)


def _tree(html: str, item: str) -> HtmlElement:
    """The page as one lxml tree, parsed as trafilatura parses it (comments removed).

    Raises:
        IngestError: the page cannot be parsed or nests too deeply to be an article.
    """
    if not html.strip():
        raise IngestError("the page is empty; check the file is an article", item)
    html = repair_faulty_html(_defuse_attributes(html), html[:50].lower())
    try:
        try:
            tree = lxml.html.document_fromstring(html, parser=_PARSER)
        except ValueError:  # a str with an XML encoding declaration: parse its bytes
            tree = lxml.html.document_fromstring(
                html.encode("utf-8", "surrogatepass"), parser=_PARSER
            )
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"the HTML cannot be parsed ({exc}); save the page again", item) from exc
    if _TOO_DEEP(tree):
        raise IngestError(
            f"the page nests elements {MAX_DEPTH} or more levels deep; that is no readable "
            "article, so save the article's text instead",
            item,
        )
    return tree


def _defuse_attributes(html: str) -> str:
    """Drop the attributes of any tag that carries more than MAX_ATTRIBUTES of them.

    libxml2 checks each attribute against all before it, so one tag with 200,000
    attributes takes minutes to parse; no real page has more than a few dozen."""

    def defuse(match: re.Match[str]) -> str:
        if len(ATTRIBUTE.findall(match.group(2))) <= MAX_ATTRIBUTES:
            return match.group(0)
        log.warning(
            "a <%s> tag carries over %d attributes; they are ignored", match[1], MAX_ATTRIBUTES
        )
        return f"<{match.group(1)}>"

    return LONG_TAG.sub(defuse, html) if len(html) > LONG_TAG_CHARS else html


def _main_text(tree: HtmlElement, url: str | None) -> list[str]:
    """The main content's paragraphs according to trafilatura (empty if it finds none).

    trafilatura works on its own copy of the tree."""
    try:
        text = trafilatura.extract(
            tree,
            url=url,
            include_comments=False,
            include_tables=True,
            deduplicate=False,
            with_metadata=False,
        )
    except (RecursionError, ValueError) as exc:  # trafilatura gives up on some trees
        log.debug("trafilatura failed on %s: %s", url, exc)
        return []
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _is_metadata_line(line: str, metadata: set[str], author: str) -> bool:
    """A body line that only repeats the page's metadata: its title, its author's or
    site's name on a line of its own, a bare date ("August 8, 2018, 11:24 AM ET"), or
    the byline that named the author ("Posted by u/name · Jul 11, 2024")."""
    stripped = " ".join(line.split())
    lowered = stripped.casefold()
    if lowered in metadata or BARE_DATE.fullmatch(stripped):
        return True
    return (
        bool(author)
        and len(stripped) <= BYLINE_MAX_CHARS
        and BYLINE_LINE.match(stripped) is not None
        and author in lowered
    )


def _with_chunks(holder: HtmlElement | None, main: list[str]) -> list[str]:
    """trafilatura's text, or the article's chunks when the page splits its body into
    sibling containers of one class and trafilatura kept only some of them.

    Long articles are often cut into several `<div class="body">` blocks with ads
    between them; trafilatura picks the best single container. The chunks are the text
    holder and the elements of its tag and class beside it (under its grandparent)."""
    parent = holder.getparent() if holder is not None else None
    around = parent.getparent() if parent is not None else None
    if holder is None or around is None or not holder.get("class"):
        return main
    chunks = [e for e in around.iter(holder.tag) if e.get("class") == holder.get("class")]
    if len(chunks) < 2:
        return main
    blocks = [line for chunk in chunks for line in _blocks(chunk)]
    seen = " ".join(" ".join(main).split())
    missing = sum(len(b) for b in blocks if b.lstrip("- ")[:60] not in seen)
    if missing < CHUNK_MISSING_SHARE * sum(len(b) for b in blocks):
        return main
    # The chunks extend trafilatura's choice, never replace it (comments share a class
    # too): what trafilatura kept must be inside them.
    inside = " ".join(" ".join(blocks).split())
    kept = sum(len(line) for line in main if " ".join(line.split())[:60] in inside)
    return blocks if kept >= CHUNK_COVERS_MAIN * sum(len(line) for line in main) else main


def _content_text(tree: HtmlElement, content: HtmlElement, url: str | None) -> list[str]:
    """The text of the element a site rule names as the article: trafilatura's reading of
    that element alone (it drops share bars and related-post boxes inside), unless that
    loses much of the element's text, then every text block of it."""
    blocks = _blocks(content)
    _isolate(content)
    main = _main_text(tree, url)
    kept = sum(len(line) for line in main)
    return main if kept >= CONTENT_KEPT_SHARE * sum(len(b) for b in blocks) else blocks


def _isolate(element: HtmlElement) -> None:
    """Leave only `element` (and the elements around it) in its tree."""
    node = element
    node.tail = None
    for parent in element.iterancestors():
        for sibling in list(parent):
            if sibling is not node and sibling.tag != "head":
                parent.remove(sibling)
        if parent.tag != "html":
            parent.text = None
        node = parent


def _blocks(root: HtmlElement) -> list[str]:
    """Leaf text blocks in document order, list items as "- " bullets."""
    blocks = []
    for element in root.iter(*BLOCK_TAGS):
        if next(element.iterdescendants(*BLOCK_TAGS), None) is not None:
            continue
        if line := element_text(element):
            blocks.append(f"- {line}" if element.tag == "li" else line)
    if not blocks:
        text = "\n".join(root.xpath(".//text()[not(ancestor::script or ancestor::style)]"))
        blocks = [line.strip() for line in text.split("\n") if line.strip()]
    return blocks


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
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. 2024-02-30 read as a date
        raise IngestError(
            f"front matter holds a value that is not what it looks like ({exc}); fix it, "
            "or quote it to keep it as text",
            location,
        ) from exc
    if not isinstance(data, dict):
        raise IngestError(
            "front matter must be key: value lines (title, author, published, source, url)",
            location,
        )
    meta: dict[str, Any] = {}
    for key in ("title", "author", "source", "url"):
        if data.get(key) not in (None, ""):
            meta[key] = _front_matter_text(key, data[key], location)
    if meta.get("url") and not str(meta["url"]).startswith(("http://", "https://")):
        raise IngestError(
            f"front matter url {meta['url']!r} is not a web address; write it as https://...",
            location,
        )
    if data.get("published"):
        meta["published"] = coerce_date(data["published"], location)
        meta["published_source"] = "front_matter"
    return meta


def _front_matter_text(key: str, value: object, location: str) -> str:
    """A front-matter value as text: numbers and dates as written, a list of names (for
    `author`) joined with commas; anything else is refused with the key named."""
    if isinstance(value, str):
        text = " ".join(value.split())
    elif isinstance(value, bool | int | float | date):
        text = str(value)
    elif key == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(" ".join(v.split()) for v in value if v.strip())
    else:
        kind = type(value).__name__
        raise IngestError(
            f"front matter {key} must be text, not {kind} ({str(value)[:60]!r}); write it "
            f"as one line, e.g. {key}: ...",
            location,
        )
    if len(text) > FRONT_MATTER_MAX_CHARS:
        raise IngestError(
            f"front matter {key} is {len(text)} characters long (the limit is "
            f"{FRONT_MATTER_MAX_CHARS}); shorten it",
            location,
        )
    return text


def coerce_date(value: object, location: str) -> date:
    """A date from a YAML value or a date string, within EARLIEST_YEAR..LATEST_YEAR.

    Raises:
        IngestError: the value is not a date, or one outside the years commentary has.
    """
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        try:
            found = dateparser.parse(str(value)).date()
        except (ValueError, OverflowError) as exc:
            raise IngestError(
                f"published date {value!r} is not a date; write it as YYYY-MM-DD", location
            ) from exc
    if not EARLIEST_YEAR <= found.year <= LATEST_YEAR:
        raise IngestError(
            f"published date {found.isoformat()} is outside {EARLIEST_YEAR}-{LATEST_YEAR}; "
            "write the date the article was published as YYYY-MM-DD",
            location,
        )
    return found


LANGUAGE_NAMES = {
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "zh": "Chinese",
}


def detect_language(text: str) -> str | None:
    """The text's language as an ISO 639-1 code, or None when it is too short to tell.

    Plainly English text (a sixth or more of its words are common English function
    words) is "en" without loading the language model; otherwise py3langid decides, and
    a low-confidence guess counts as English, so no English page is set aside on a guess.
    """
    words = text[:LANGUAGE_SAMPLE_CHARS].lower().split()
    if len(words) < LANGUAGE_MIN_WORDS and len(text) < LANGUAGE_MIN_CHARS:
        return None
    if sum(w in ENGLISH_FUNCTION_WORDS for w in words) >= ENGLISH_SHARE * len(words):
        return "en"  # no need to load the 75 MB language model
    language, confidence = _identifier().classify(text[:LANGUAGE_SAMPLE_CHARS])
    return str(language) if confidence >= LANGUAGE_MIN_CONFIDENCE else "en"


def language_name(code: str) -> str:
    """A language's English name for messages ("de" -> "German")."""
    return LANGUAGE_NAMES.get(code, f"language {code!r}")


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _article(location: str, text: str, raw: str, raw_format: str, meta: dict[str, Any]) -> Article:
    if not text.strip():
        raise IngestError(
            "no readable text after removing page chrome; check the file is an article", location
        )
    meta.setdefault("language", detect_language(text))
    if not meta.get("published") and (found := infer_date(text)):
        meta.update(
            published_source="inferred",
            published_inferred=found.day,
            published_inferred_from=found.evidence,
        )
    return Article.build(location=location, text=text, raw=raw, raw_format=raw_format, **meta)
