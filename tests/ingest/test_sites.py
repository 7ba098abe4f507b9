from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from pipeline.ingest.parse import parse_html
from pipeline.ingest.sites import SiteRules, prune_page, text_holder

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
    soup = BeautifulSoup(
        _page(f"<nav>Home Markets</nav><article id='a'>{PARAGRAPHS}</article>"), "lxml"
    )
    holder = text_holder(soup)
    assert holder is not None and holder.get("id") == "a"
    assert text_holder(BeautifulSoup(_page("<nav>Home</nav>"), "lxml")) is None  # no article


def test_prune_page_keeps_the_holder_but_drops_its_chrome() -> None:
    soup = BeautifulSoup(
        _page(f"<div class='paywall'><aside>Subscribe now</aside>{PARAGRAPHS}</div>"), "lxml"
    )
    root = prune_page(soup, SiteRules(drop=(".paywall", "aside")))
    text = root.get_text(" ")
    assert STORY[0] in text and "Subscribe" not in text
