from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from lxml.cssselect import CSSSelector

from pipeline.ingest.parse import parse_html
from pipeline.ingest.sites import (
    SiteRules,
    compiled,
    element_text,
    load_sites,
    prune_page,
    text_holder,
)

PAGES = Path(__file__).resolve().parent.parent / "pages"
STORY = [
    "Small caps trailed the large technology names for most of the year, and the gap is wide.",
    "A strategist I follow expects the Russell 2000 to catch up once the first rate cut lands.",
    "Credit spreads stayed calm through the autumn, which has tended to help smaller firms.",
    "Breadth improved in November as more members of the index closed above their averages.",
]
PARAGRAPHS = "".join(f"<p>{line}</p>" for line in STORY)
SIDEBAR = "<div class='widget'><h3>Popular posts</h3><p>Ten recipes for a rainy day</p></div>"


def _page(body: str) -> str:
    return f"<html><head><title>Small caps</title></head><body>{body}</body></html>"


@pytest.mark.parametrize(
    "body",
    [
        # a gated news body carries the class that names a paywall banner elsewhere
        f"<main><div class='article-body paywall'>{PARAGRAPHS}</div></main>{SIDEBAR}",
        # a blog post lives in a widget, its text broken by <br> rather than paragraphs
        "<div class='widget Blog'><div class='post-body'>"
        + "<br><br>".join(STORY)
        + f"</div></div>{SIDEBAR}",
        # an ASP.NET-style page wraps everything in one form
        f"<form id='aspnetForm'><div id='content'>{PARAGRAPHS}</div>{SIDEBAR}</form>",
    ],
    ids=["paywall-class", "blog-widget", "page-form"],
)
def test_drop_rules_never_remove_the_element_holding_the_article(body: str) -> None:
    text = parse_html(_page(body)).text
    assert all(line in text for line in STORY), text
    assert "rainy day" not in text  # the sidebar widget is still chrome


def test_text_holder_is_the_container_of_the_paragraphs() -> None:
    tree = lxml.html.document_fromstring(
        _page(f"<nav>Home Markets</nav><article id='a'>{PARAGRAPHS}</article>")
    )
    holder = text_holder(tree)
    assert holder is not None and holder.get("id") == "a"
    assert text_holder(lxml.html.document_fromstring(_page("<nav>Home</nav>"))) is None


def test_prune_page_keeps_the_holder_but_drops_its_chrome() -> None:
    tree = lxml.html.document_fromstring(
        _page(f"<div class='paywall'><aside>Subscribe now</aside>{PARAGRAPHS}</div>")
    )
    root = prune_page(tree, SiteRules(drop=(".paywall", "aside")))
    text = root.text_content()
    assert STORY[0] in text and "Subscribe" not in text


def test_every_shipped_selector_compiles() -> None:
    generic, sites = load_sites()
    tables = [generic, *(site.values for site in sites)]
    for table in tables:
        for key in ("drop", "content", "summary", "author", "published"):
            for selector in table.get(key, []):
                assert compiled((selector,)) is not None, selector


def test_a_bad_selector_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match=r"div\[\["):
        compiled(("p", "div[["))


def test_text_holder_counts_text_between_line_breaks_and_skips_scripts() -> None:
    tree = lxml.html.document_fromstring(
        _page(
            "<div id='menu'><a>Home</a> <a>Markets</a></div>"
            "<script>var filler = '" + "x" * 600 + "';</script>"
            "<div id='post'>"
            + "<br>".join(f"<b>{line[:10]}</b>{line[10:]}" for line in STORY)
            + "</div>"
        )
    )
    holder = text_holder(tree)
    assert holder is not None and holder.get("id") == "post"


def test_element_text_leaves_out_scripts_and_comments() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><p id='p'>Rates <!-- note -->fell <script>x()</script><b>fast</b>.</p>"
        "</body></html>"
    )
    assert element_text(tree.get_element_by_id("p")) == "Rates fell fast."


EXTRA_SELECTORS = (
    "div.a.b",
    "#main",
    "a[rel~=author]",
    "[lang|=en]",
    "a[href^='https://']",
    "a[href$='.pdf']",
    "[class*=promo]",
    "p:first-child",
    "ul > li",
    "h2 + p",
    "*",
)
SELECTOR_PAGE = """<html><body><div id='main' class='a b'><p lang='en-GB'>One</p>
<h2 class='promo-box'>Two</h2><p>Three <a rel='author nofollow' href='https://x.test/a.pdf'>link</a></p>
<ul><li class='b a'>Four</li><li hidden>Five</li></ul></div>
<div class='a'><p>Six</p></div></body></html>"""


@pytest.mark.parametrize("where", ["selector page", "saved pages"])
def test_selectors_match_exactly_what_cssselect_matches(where: str) -> None:
    generic, sites = load_sites()
    shipped = {
        selector
        for table in [generic, *(site.values for site in sites)]
        for key in ("drop", "content", "summary", "author", "published")
        for selector in table.get(key, [])
    }
    selectors = (*sorted(shipped), *EXTRA_SELECTORS)
    if where == "selector page":
        pages = [SELECTOR_PAGE]
    else:
        pages = [path.read_text("utf-8") for path in sorted(PAGES.glob("*.html"))]
    for html in pages:
        tree = lxml.html.document_fromstring(html)
        ours = compiled(selectors).select(tree)
        for selector, found in zip(selectors, ours, strict=True):
            expected = CSSSelector(selector, translator="html")(tree)
            assert found == expected, selector
        union = compiled(selectors)(tree)
        assert union == [e for e in tree.iter(etree.Element) if any(e in f for f in ours)]
