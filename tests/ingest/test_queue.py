"""The per-source item cap and the link queue: a big feed or sitemap is read over runs,
newest first, each page once, and nothing listed is lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from pipeline import run as stages
from pipeline.ingest.fetch import Fetcher
from pipeline.ingest.queue import plan_links, prioritised
from pipeline.models import Link, Page
from pipeline.settings import Settings
from pipeline.store.database import Store

SUBJECTS = ("IWM", "QQQ", "KRE", "XLF", "SPY", "NVDA", "MSFT", "AAPL", "GDX", "TLT")


def _capped(settings: Settings, cap: int) -> Settings:
    return settings.with_overrides(fetch={"max_items_per_source": cap})


def _serve_pages(server: HTTPServer, count: int) -> list[str]:
    """Pages /p0 ... /p<count-1>, each a different short note."""
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for i in range(count):
        subject = SUBJECTS[i % len(SUBJECTS)]
        html = (
            f"<html><head><title>Note {i}</title></head><body><article><h1>Note {i}</h1>"
            f"<p>Desk note {i}: I expect {subject} to rise {5 + i}% by the end of the year.</p>"
            "</article></body></html>"
        )
        server.expect_request(f"/p{i}").respond_with_data(html, content_type="text/html")
    return [f"/p{i}" for i in range(count)]


def _rss(server: HTTPServer, items: Sequence[tuple[str, int]]) -> str:
    """An RSS feed of (path, day of March 2024) items, in the order given."""
    entries = "".join(
        f"<item><title>Note {path}</title><link>{server.url_for(path)}</link>"
        f"<pubDate>{date(2024, 3, day).strftime('%a, %d %b %Y')} 08:00:00 GMT</pubDate></item>"
        for path, day in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def _urlset(server: HTTPServer, items: Sequence[tuple[str, int]]) -> str:
    entries = "".join(
        f"<url><loc>{server.url_for(path)}</loc><lastmod>2024-03-{day:02d}</lastmod></url>"
        for path, day in items
    )
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def _hits(server: HTTPServer) -> list[str]:
    return [r.path for r, _ in server.log if r.path.startswith("/p")]


def _read(store: Store) -> list[str]:
    """The paths of the stored articles, in the order they were ingested."""
    return ["/" + a.location.rsplit("/", 1)[-1] for a in store.articles()]


def test_queue_feed_over_the_cap_is_read_newest_first_over_runs(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    paths = _serve_pages(httpserver, 7)
    # listed oldest first: the cap must still take the newest
    feed = _rss(httpserver, [(path, 1 + i) for i, path in enumerate(paths)])
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    url, settings = httpserver.url_for("/feed.xml"), _capped(web_settings, 3)

    first = stages.ingest(store, [url], settings)
    assert (first.articles_new, first.failures, first.queued) == (3, [], {url: 4})
    assert (
        "4 links queued for the next run (cap 3 per source; raise [thesis.fetch] "
        "max_items_per_source)"
    ) in first.lines()
    assert _hits(httpserver) == ["/p6", "/p5", "/p4"]

    second = stages.ingest(store, [url], settings)
    assert (second.articles_new, second.queued) == (3, {url: 1})
    assert "1 link queued for the next run" in second.lines()[2]
    third = stages.ingest(store, [url], settings)
    assert (third.articles_new, third.queued) == (1, {})
    assert not any("queued" in line for line in third.lines())
    assert _hits(httpserver) == ["/p6", "/p5", "/p4", "/p3", "/p2", "/p1", "/p0"]
    assert sorted(_read(store)) == sorted(paths) and store.duplicates() == []
    assert stages.ingest(store, [url], settings).articles_seen == 0  # nothing left to read


def test_queue_sitemap_index_and_its_children_are_one_source(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    paths = _serve_pages(httpserver, 6)
    older, newer = (
        [(p, 1 + i) for i, p in enumerate(paths[:3])],
        [(p, 10 + i) for i, p in enumerate(paths[3:])],
    )
    for name, items in (("/2024-02.xml", older), ("/2024-03.xml", newer)):
        httpserver.expect_request(name).respond_with_data(
            _urlset(httpserver, items), content_type="application/xml"
        )
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{httpserver.url_for('/2024-02.xml')}</loc></sitemap>"
        f"<sitemap><loc>{httpserver.url_for('/2024-03.xml')}</loc></sitemap></sitemapindex>"
    )
    httpserver.expect_request("/sitemap.xml").respond_with_data(
        index, content_type="application/xml"
    )
    url, settings = httpserver.url_for("/sitemap.xml"), _capped(web_settings, 4)

    first = stages.ingest(store, [url], settings)
    assert (first.articles_new, first.queued) == (4, {url: 2})  # one cap for the index
    assert _hits(httpserver) == ["/p5", "/p4", "/p3", "/p2"]  # by <lastmod>, newest first
    assert [link.url.rsplit("/", 1)[-1] for link in store.queued_links(url)] == ["p1", "p0"]
    assert store.queued_counts([httpserver.url_for("/2024-02.xml")]) == {}

    second = stages.ingest(store, [url], settings)
    assert (second.articles_new, second.queued) == (2, {})
    assert sorted(_hits(httpserver)) == sorted(paths)


def test_queue_queued_links_survive_a_new_listing_and_are_not_duplicated(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    paths = _serve_pages(httpserver, 6)
    url, settings = httpserver.url_for("/feed.xml"), _capped(web_settings, 2)
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(
        _rss(httpserver, [("/p4", 5), ("/p3", 4), ("/p2", 3), ("/p1", 2), ("/p0", 1)]),
        content_type="application/rss+xml",
    )
    assert stages.ingest(store, [url], settings).queued == {url: 3}
    # The feed moves on: a new item on top, two of the queued ones listed again, one gone.
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(
        _rss(httpserver, [("/p5", 6), ("/p4", 5), ("/p3", 4), ("/p2", 3), ("/p1", 2)]),
        content_type="application/rss+xml",
    )
    second = stages.ingest(store, [url], settings)
    assert (second.articles_new, second.queued) == (2, {url: 2})  # today's news first
    assert _hits(httpserver) == ["/p4", "/p3", "/p5", "/p2"]
    assert [link.url.rsplit("/", 1)[-1] for link in store.queued_links(url)] == ["p1", "p0"]
    # The feed is down: what is queued waits, and is read once the feed is back.
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data("", status=503)
    down = stages.ingest(store, [url], settings.with_overrides(fetch={"retries": 0}))
    assert (down.articles_seen, down.queued, len(down.failures)) == (0, {url: 2}, 1)
    httpserver.expect_oneshot_request("/feed.xml").respond_with_data(
        _rss(httpserver, [("/p5", 6)]), content_type="application/rss+xml"
    )
    third = stages.ingest(store, [url], settings)
    assert (third.articles_new, third.queued) == (2, {})  # /p0 no longer listed, still read
    assert sorted(_hits(httpserver)) == sorted(paths)  # each page fetched once
    assert sorted(_read(store)) == sorted(paths)


class Cut(BaseException):
    """The run is cut short (Ctrl-C, a killed process) between two pages."""


def test_queue_an_interrupted_run_resumes_without_duplicates_or_losses(
    httpserver: HTTPServer,
    store: Store,
    web_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths = _serve_pages(httpserver, 5)
    httpserver.expect_request("/feed.xml").respond_with_data(
        _rss(httpserver, [(path, 20 - i) for i, path in enumerate(paths)]),
        content_type="application/rss+xml",
    )
    url = httpserver.url_for("/feed.xml")
    monkeypatch.setattr(stages, "BATCH", 2)
    fetch = Fetcher.fetch_page

    def cut_at_p3(self: Fetcher, page_url: str, **kwargs: Any) -> Page:
        if page_url.endswith("/p3"):
            raise Cut
        return fetch(self, page_url, **kwargs)

    monkeypatch.setattr(Fetcher, "fetch_page", cut_at_p3)
    with pytest.raises(Cut):
        stages.ingest(store, [url], web_settings)
    # /p0 and /p1 were stored (one batch); /p2 was fetched, but its batch never was
    assert sorted(_read(store)) == ["/p0", "/p1"] and _hits(httpserver) == ["/p0", "/p1", "/p2"]
    assert store.queued_counts([url]) == {url: 3}

    monkeypatch.setattr(Fetcher, "fetch_page", fetch)
    again = stages.ingest(store, [url], web_settings)
    assert (again.articles_new, again.queued, again.failures) == (3, {}, [])
    assert _hits(httpserver) == paths  # /p2 came from the page cache
    assert sorted(_read(store)) == paths and store.duplicates() == []


def test_queue_a_failed_link_leaves_the_queue_and_is_retried_after_the_others(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    _serve_pages(httpserver, 2)
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    httpserver.expect_request("/feed.xml").respond_with_data(
        _rss(httpserver, [("/gone", 9), ("/p1", 8), ("/p0", 7)]),
        content_type="application/rss+xml",
    )
    url, settings = httpserver.url_for("/feed.xml"), _capped(web_settings, 1)
    first = stages.ingest(store, [url], settings)
    assert [f.item for f in first.failures] == [httpserver.url_for("/gone")]
    assert [link.url.rsplit("/", 1)[-1] for link in store.queued_links(url)] == ["p1", "p0"]
    # listed again, the failed link is tried again, but not before the queue moves on
    assert _read(store) == [] and stages.ingest(store, [url], settings).articles_new == 1
    assert stages.ingest(store, [url], settings).articles_new == 1
    last = stages.ingest(store, [url], settings)
    assert (last.articles_seen, last.queued) == (0, {})
    assert [f.item for f in last.failures] == [httpserver.url_for("/gone")]
    assert len(store.failures()) == 1


def test_queue_known_links_do_not_count_and_no_queue_means_no_cap(store: Store) -> None:
    links = [
        Link(f"https://notes.example.com/{i}", published=date(2024, 3, 1 + i)) for i in range(4)
    ]
    store.save_page(Page(links[3].url, links[3].url, 200, "text/html", b"<p>x</p>"))
    plan = plan_links("feed", links, store, store, cap=2)
    assert [link.url[-1] for link in plan.fetch] == ["2", "1"]  # 3 was fetched before
    assert plan.revalidate == [] and [link.url[-1] for link in store.queued_links("feed")] == [
        "2",
        "1",
        "0",
    ]
    everything = plan_links("other", links, store, None, cap=2)
    assert [link.url[-1] for link in everything.fetch] == ["2", "1", "0"]
    assert store.queued_counts(["other"]) == {}
    assert len(plan_links("feed", links, store, store, cap=0).fetch) == 3  # 0: no limit


def test_queue_priority_is_newest_first_then_listing_order() -> None:
    undated, old = Link("u"), Link("o", lastmod=date(2024, 1, 2))
    new = Link("n", published=date(2024, 3, 4))
    assert prioritised([undated, old, Link("u2"), new]) == [new, old, undated, Link("u2")]
