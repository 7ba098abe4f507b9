"""Site rules: which parts of a page are chrome, where the article and its byline live.

Input: a parsed page (an lxml tree) and its URL. Output: the SiteRules that apply,
merged from data/sites.toml. `prune_page` removes chrome from the tree in place.
Selectors are CSS, compiled once to XPath (cssselect) and run by libxml2.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from cssselect import ExpressionError, HTMLTranslator, SelectorError
from cssselect import parser as cssparser
from lxml import etree
from lxml.html import HtmlElement

RULE_KEYS = frozenset(
    {"name", "hosts", "generator", "source", "drop", "content", "summary", "author", "published"}
)

#: Inline markup: its text runs on with the text around it.
INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
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
    ]
)
#: Elements whose text is credited to the element around them when looking for the
#: article's container: inline markup and paragraph-like blocks.
PASS_THROUGH = INLINE | frozenset(
    [
        "br",
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


def rules_for(root: HtmlElement, url: str | None) -> SiteRules:
    """The rules for a page: every matching [[site]] table, then [generic]."""
    generic, sites = load_sites()
    host = (urlsplit(url).hostname or "").lower() if url else ""
    generator = _generator(root)
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


def take_summary(root: HtmlElement, rules: SiteRules) -> list[str]:
    """Remove the summary box (if any) and return its bullets as "- ..." lines."""
    for found in compiled(rules.summary).select(root) if rules.summary else ():
        if not found:
            continue
        box = found[0]
        items = [element_text(li) for li in box.iter("li")]
        box.drop_tree()
        return ["Summary", *(f"- {item}" for item in items if item)]
    return []


def prune_page(
    root: HtmlElement, rules: SiteRules, holder: HtmlElement | None = None
) -> HtmlElement:
    """Remove chrome in place and return the element that holds the article.

    A drop rule never removes the element that holds most of the page's text (see
    `text_holder`), nor any element around it: on real sites the article itself can
    carry a class that also names chrome (a gated body marked `.paywall`, a blog post
    inside `.widget`, a page wrapped in one `<form>`). Such a match is kept and logged,
    not removed. `holder`: the page's text holder, when the caller has it already.
    """
    holder = holder if holder is not None else text_holder(root)
    protected = set() if holder is None else {holder, *holder.iterancestors()}
    for element in compiled(rules.drop)(root) if rules.drop else ():
        if element.tag in ("html", "body") or element.getparent() is None:
            continue
        if element in protected:
            log.debug("drop rule matched the element holding the article's text; kept it")
            continue
        element.drop_tree()  # its tail text stays in place
    for matched in compiled(rules.content).select(root) if rules.content else ():
        if matched and element_text(matched[0]):
            return matched[0]
    return root


def text_holder(root: HtmlElement) -> HtmlElement | None:
    """The element whose text blocks hold the most text: the one the article lives in.

    Each piece of text is credited to its nearest enclosing element that is neither
    inline markup (a, span, em ...) nor a paragraph-like block (p, li, h2 ...): the
    container of a post's paragraphs, or the div whose text is broken by <br> (as on
    many blogs). Text in scripts, styles and comments counts for nothing. None when no
    element holds HOLDER_MIN_CHARS of text.
    """
    # Document order visits a parent before its children, so each element's holder is
    # its own tag's or its parent's, already known: one pass, no walks up the tree.
    holder_of: dict[HtmlElement, HtmlElement | None] = {}
    totals: dict[HtmlElement, int] = {}
    for element in root.iter():
        parent = element.getparent()
        around = holder_of.get(parent) if parent is not None else None
        if isinstance(element.tag, str):  # comments and processing instructions are not
            holder = around if element.tag in PASS_THROUGH else element
            holder_of[element] = holder
            if element.text and holder is not None and (size := len(element.text.strip())):
                totals[holder] = totals.get(holder, 0) + size
        if element.tail and around is not None and (size := len(element.tail.strip())):
            totals[around] = totals.get(around, 0) + size
    readable = {element: size for element, size in totals.items() if element.tag not in UNREAD}
    best = max(readable, key=readable.__getitem__, default=None)
    if best is None or readable[best] < HOLDER_MIN_CHARS:
        return None  # no article-sized text anywhere: nothing to protect
    return best


def element_text(element: HtmlElement) -> str:
    """The element's text as a reader sees it: whitespace collapsed, inline markup run
    on, other elements (and <br>) apart; no scripts, styles or comments."""
    parts: list[str] = []
    walk = etree.iterwalk(element, events=("start", "end", "comment", "pi"))
    for event, node in walk:
        tag = node.tag if isinstance(node.tag, str) else None
        if event in ("comment", "pi"):
            parts.append(node.tail or "")
        elif event == "start":
            if tag in UNREAD:
                walk.skip_subtree()
                parts.append(" ")
                continue
            if tag is not None and tag not in INLINE:
                parts.append(" ")
            if tag is not None and node.text:
                parts.append(node.text)
        else:
            if tag is not None and tag not in INLINE:
                parts.append(" ")
            if node is not element and node.tail:
                parts.append(node.tail)
    return " ".join("".join(parts).split())


def select(root: HtmlElement, selector: str) -> list[HtmlElement]:
    """Elements matching one CSS selector, in document order."""
    return compiled((selector,)).select(root)[0]


@dataclass(frozen=True)
class _Simple:
    """A selector without combinators: a tag, classes, an id, attribute tests."""

    tag: str | None
    classes: frozenset[str]
    id: str | None
    attributes: tuple[tuple[str, str, str], ...]  # (name, operator, value)

    def matches(self, element: HtmlElement) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        if self.id is not None and element.get("id") != self.id:
            return False
        if self.classes and not self.classes <= set(str(element.get("class", "")).split()):
            return False
        return all(_attribute_matches(element.get(n), op, v) for n, op, v in self.attributes)


def _attribute_matches(actual: str | None, operator: str, wanted: str) -> bool:
    if actual is None:
        return False
    if operator == "exists":
        return True
    if operator == "=":
        return actual == wanted
    if operator == "~=":
        return wanted in actual.split()
    if operator == "|=":
        return actual == wanted or actual.startswith(wanted + "-")
    if operator == "^=":
        return bool(wanted) and actual.startswith(wanted)
    if operator == "$=":
        return bool(wanted) and actual.endswith(wanted)
    if operator == "*=":
        return bool(wanted) and wanted in actual
    return operator == "!=" and actual != wanted


def _simple(tree: object) -> _Simple | None:
    """The selector as a _Simple, or None when it needs XPath (combinators, pseudo-classes)."""
    classes: set[str] = set()
    ident = None
    attributes: list[tuple[str, str, str]] = []
    while not isinstance(tree, cssparser.Element):
        if isinstance(tree, cssparser.Class):
            classes.add(tree.class_name)
        elif isinstance(tree, cssparser.Hash) and ident in (None, tree.id):
            ident = tree.id
        elif isinstance(tree, cssparser.Attrib) and tree.namespace is None:
            value = "" if tree.value is None else str(tree.value.value)
            attributes.append((tree.attrib.lower(), tree.operator, value))
        else:
            return None
        tree = tree.selector
    if tree.namespace is not None:
        return None
    tag = tree.element.lower() if tree.element else None
    return _Simple(tag, frozenset(classes), ident, tuple(reversed(attributes)))


class Selectors:
    """A list of CSS selectors compiled once, matched in one pass over a page.

    Selectors made of a tag, classes, an id and attribute tests (nearly all site rules)
    are matched in Python on one walk of the tree, indexed by tag, class and id, which
    is many times faster than the XPath cssselect writes for them (its class tests
    rebuild each class attribute); the rest (combinators, pseudo-classes) run as XPath.
    """

    def __init__(self, selectors: tuple[str, ...]) -> None:
        self.selectors = selectors
        self._by_tag: dict[str, list[tuple[int, _Simple]]] = {}
        self._by_class: dict[str, list[tuple[int, _Simple]]] = {}
        self._by_id: dict[str, list[tuple[int, _Simple]]] = {}
        # Attribute-only selectors, indexed by the first attribute they test: an element
        # is tried only against those naming an attribute it has.
        self._by_attribute: dict[str, list[tuple[int, _Simple]]] = {}
        self._any_element: list[tuple[int, _Simple]] = []  # "*"
        self._xpath: list[tuple[int, etree.XPath]] = []
        translator = HTMLTranslator()
        for index, text in enumerate(selectors):
            try:
                parsed = cssparser.parse(text)
                for selector in parsed:
                    simple = None if selector.pseudo_element else _simple(selector.parsed_tree)
                    if simple is None:
                        path = translator.selector_to_xpath(selector)
                        self._xpath.append((index, etree.XPath(path)))
                    elif simple.id is not None:
                        self._by_id.setdefault(simple.id, []).append((index, simple))
                    elif simple.classes:
                        first = min(simple.classes)
                        self._by_class.setdefault(first, []).append((index, simple))
                    elif simple.tag is not None:
                        self._by_tag.setdefault(simple.tag, []).append((index, simple))
                    elif simple.attributes:
                        name = simple.attributes[0][0]
                        self._by_attribute.setdefault(name, []).append((index, simple))
                    else:
                        self._any_element.append((index, simple))
            except (SelectorError, ExpressionError, etree.XPathError) as exc:
                raise ValueError(f"sites.toml: selector {text!r} is not valid CSS ({exc})") from exc
        # Every operator but "exists" and "!=" needs its value inside the attribute: one
        # regular expression tells whether any selector on that attribute can match.
        self._attribute_filter: dict[str, re.Pattern[str] | None] = {}
        for name, group in self._by_attribute.items():
            tests = [simple.attributes[0] for _, simple in group]
            if any(op in ("exists", "!=") or not value for _, op, value in tests):
                self._attribute_filter[name] = None
            else:
                values = sorted({value for _, _, value in tests})
                self._attribute_filter[name] = re.compile("|".join(map(re.escape, values)))

    def select(self, root: HtmlElement) -> list[list[HtmlElement]]:
        """For each selector, the elements it matches in document order."""
        return self._select(root)[0]

    def __call__(self, root: HtmlElement) -> list[HtmlElement]:
        """Elements matching any of the selectors, in document order, each once."""
        lists, order = self._select(root)
        found = {element for matched in lists for element in matched}
        return sorted(found, key=order.__getitem__)

    def _select(self, root: HtmlElement) -> tuple[list[list[HtmlElement]], dict[HtmlElement, int]]:
        found: list[list[HtmlElement]] = [[] for _ in self.selectors]
        order: dict[HtmlElement, int] = {}
        for position, element in enumerate(root.iter(etree.Element)):
            order[element] = position
            hit: set[int] = set()
            for index, simple in self._candidates(element):
                if index not in hit and simple.matches(element):
                    hit.add(index)
                    found[index].append(element)
        for index, xpath in self._xpath:
            matched = set(found[index]) | set(xpath(root))
            found[index] = sorted(matched, key=lambda e: order.get(e, -1))
        return found, order

    def _candidates(self, element: HtmlElement) -> list[tuple[int, _Simple]]:
        out = list(self._by_tag.get(element.tag, ()))
        if self._by_id and (ident := element.get("id")) is not None:
            out += self._by_id.get(ident, ())
        if self._by_class and (classes := element.get("class")):
            for name in classes.split():
                out += self._by_class.get(name, ())
        if self._by_attribute:
            for name in element.attrib:  # attribute names (iterating the element gives children)
                if (group := self._by_attribute.get(name)) is not None:
                    test = self._attribute_filter[name]
                    if test is None or test.search(element.get(name)):
                        out += group
        out += self._any_element
        return out


@lru_cache(maxsize=512)
def compiled(selectors: tuple[str, ...]) -> Selectors:
    """The selectors compiled once (cached).

    Raises:
        ValueError: a selector is not valid CSS (named in the message).
    """
    return Selectors(selectors)


def _generator(root: HtmlElement) -> str:
    for content in root.xpath("//meta[@name='generator']/@content"):
        if content.strip():
            return str(content).strip().lower()
    return ""
