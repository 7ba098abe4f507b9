"""Metadata forms seen on real pages, on pages written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline.ingest.parse import parse_html

BODY = (
    "<p>Regional banks have lagged the broader market since the spring, and the gap is "
    "wider than at any point in the past three years.</p>"
    "<p>I expect the KRE fund to close that gap by the end of the year as deposit costs "
    "stop rising and loan growth comes back in the second half.</p>"
    "<p>The risk is a deeper slowdown in commercial property, which would hit the smaller "
    "lenders first and hardest.</p>"
)


def _page(head: str = "", top: str = "", body: str = BODY) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head>"
        f"<body><main><article>{top}{body}</article></main></body></html>"
    )


def test_forum_post_byline_gives_handle_and_date() -> None:
    html = _page(
        "<title>KRE into year end</title>",
        "<h1>KRE into year end</h1><div><span>Posted by u/tape_reader_77 · Jul 11, 2024</span></div>",
    )
    article = parse_html(html, url="https://forum.example/r/stocks/comments/abc/kre")
    assert (article.author, article.published, article.published_source) == (
        "u/tape_reader_77",
        date(2024, 7, 11),
        "byline",
    )
    assert "Posted by" not in article.text and "Jul 11, 2024" not in article.text


@pytest.mark.parametrize(
    "line",
    [
        "By Dana Whitfield | March 4, 2024",
        "By <a href='/people/dana'>Dana Whitfield</a> · March 4, 2024 at 9:15 am",
        "<i class='icon'></i> By Dana Whitfield, Mar. 4, 2024",
    ],
    ids=["pipe", "link-dot", "icon-comma"],
)
def test_news_byline_gives_author_and_date(line: str) -> None:
    article = parse_html(_page("<title>Banks</title>", f"<h1>Banks</h1><p>{line}</p>"))
    assert (article.author, article.published, article.published_source) == (
        "Dana Whitfield",
        date(2024, 3, 4),
        "byline",
    )


def test_a_sentence_starting_with_by_is_no_byline() -> None:
    body = "<p>By March, the fund could be 10% higher.</p>" + BODY
    article = parse_html(_page("<title>Banks</title>", body=body))
    assert article.author is None


def test_updated_date_is_kept_apart_from_the_published_date() -> None:
    head = (
        "<title>Banks</title>"
        "<meta property='article:published_time' content='2024-11-01T08:00:00Z'>"
    )
    article = parse_html(_page(head, "<p>Updated Nov 3, 2024, 10:32 AM ET</p>"))
    assert (article.published, article.published_source) == (date(2024, 11, 1), "html_meta")
    assert article.updated == date(2024, 11, 3)
    assert "Updated" not in article.text


def test_a_page_with_only_an_update_date_says_so() -> None:
    article = parse_html(_page("<title>Banks</title>", "<p>Last updated: Nov 3, 2024</p>"))
    assert (article.published, article.published_source) == (date(2024, 11, 3), "updated")


def test_time_element_labelled_as_update_is_not_the_published_date() -> None:
    top = (
        "<p class='byline'>Published <time datetime='2024-05-02'>May 2</time>. "
        "Updated <time datetime='2024-05-09'>May 9</time></p>"
    )
    article = parse_html(_page("<title>Banks</title>", top))
    assert (article.published, article.published_source) == (date(2024, 5, 2), "time_element")
    html = _page("<title>Banks</title>", "<p>Updated <time datetime='2024-05-09'>May 9</time></p>")
    assert parse_html(html).published_source != "time_element"


def test_json_ld_dates_name_their_source() -> None:
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "NewsArticle", "headline": "Banks", "datePublished": "2024-06-03", '
        '"dateModified": "2024-06-05", "author": {"@type": "Person", "name": "Lee Park"}}'
        "</script>"
    )
    article = parse_html(_page(ld))
    assert (article.published, article.published_source, article.updated) == (
        date(2024, 6, 3),
        "json_ld",
        date(2024, 6, 5),
    )
    assert article.author == "Lee Park"


@pytest.mark.parametrize(
    ("head", "title"),
    [
        # entities escaped twice by the site's template, and the site's name after a bar
        (
            "<title>Why banks aren&amp;#039;t done yet | Harbor Street Journal</title>"
            "<meta property='og:site_name' content='Harbor Street Journal'>",
            "Why banks aren't done yet",
        ),
        # the site's name first, then a dash, and the host names the site
        ("<title>Tapewatch - Small caps: the case for a spring rally</title>", None),
        # a headline that itself holds a dash keeps it
        (
            "<title>Banks - and why the rate cut matters | Harbor Street Journal</title>"
            "<meta property='og:site_name' content='Harbor Street Journal'>",
            "Banks - and why the rate cut matters",
        ),
    ],
    ids=["entities-bar", "site-first", "dash-in-headline"],
)
def test_titles_lose_entities_and_site_names(head: str, title: str | None) -> None:
    article = parse_html(_page(head), url="https://www.tapewatch.example/2024/small-caps")
    assert article.title == (title or "Small caps: the case for a spring rally")


def test_the_pages_headline_wins_over_a_meta_title_that_wraps_it() -> None:
    head = (
        "<meta property='og:title' content='Harbor Street: daily markets desk: "
        "Regional banks still have room to run'>"
    )
    article = parse_html(_page(head, "<h1>Regional banks still have room to run</h1>"))
    assert article.title == "Regional banks still have room to run"
    # a section label in an h1 is not the headline
    article = parse_html(_page(head, "<h1>Markets</h1>"))
    assert article.title is not None and article.title.endswith("room to run")


@pytest.mark.parametrize(
    "head",
    [
        "<meta name='author' content='Harbor Street Journal'>"
        "<meta property='og:site_name' content='Harbor Street Journal'>",
        "<meta name='author' content='Tapewatch'>",
        "<meta name='author' content='Staff'>",
    ],
    ids=["site-name", "host-name", "role"],
)
def test_site_names_and_roles_are_not_authors(head: str) -> None:
    article = parse_html(_page(head), url="https://www.tapewatch.example/2024/06/banks")
    assert article.author is None


@pytest.mark.parametrize(
    "script",
    [
        '{"@graph": 5}',
        '{"@type": "Article", "author": ' + "[" * 3000 + "]" * 3000 + "}",
        # deep enough to recurse past the stack, shallow enough for json to parse
        '{"@type": "Article", "author": ' + "[" * 900 + "]" * 900 + "}",
    ],
    ids=["graph-not-a-list", "deep-nesting", "nesting-json-reads"],
)
def test_hostile_json_ld_is_ignored(script: str) -> None:
    html = _page(f'<title>Banks</title><script type="application/ld+json">{script}</script>')
    assert parse_html(html).title == "Banks"


def test_an_organisation_in_json_ld_is_no_author() -> None:
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Banks", '
        '"author": {"@type": "Organization", "name": "Harbor Street"}}</script>'
    )
    article = parse_html(_page(ld, "<p>By <span class='author'>Lee Park</span></p>"))
    assert article.author == "Lee Park"


def test_an_outlet_after_the_authors_name_is_left_out() -> None:
    head = "<meta name='author' content='Troy Lane, Tapewatch.com'>"
    article = parse_html(_page(head), url="https://www.tapewatch.example/2024/06/banks")
    assert article.author == "Troy Lane"
    head = "<meta name='author' content='Amy Rowe | Harbor Media for Harbor.com'>"
    assert parse_html(_page(head)).author == "Amy Rowe"


def test_a_utc_timestamp_past_midnight_yields_to_the_date_in_the_url() -> None:
    head = "<meta property='article:published_time' content='2024-06-04T02:30:00Z'>"
    article = parse_html(_page(head), url="https://news.example/2024/06/03/banks-rally")
    assert (article.published, article.published_source) == (date(2024, 6, 3), "url")
    far = parse_html(_page(head), url="https://news.example/2024/05/20/banks-rally")
    assert (far.published, far.published_source) == (date(2024, 6, 4), "html_meta")


def test_a_menu_entry_starting_with_by_is_no_byline() -> None:
    top = "<nav><a href='/topics'>By subject</a></nav>"
    body = f"<div class='menu'><ul><li><a>By sector</a></li></ul></div>{BODY}"
    assert parse_html(_page("<title>Banks</title>", top, body)).author is None
