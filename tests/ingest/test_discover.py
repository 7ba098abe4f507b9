from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import IngestError
from pipeline.ingest.discover import kind_of, links_from_feed, links_from_sitemap, load_sources
from pipeline.models import Page

LIMIT = 2**20
RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tape Notes</title><link>https://notes.example.com/</link>
<item><title>Small caps into March</title><link>https://notes.example.com/2024/small-caps</link>
<author>jo@notes.example.com (Jo Park)</author><pubDate>Mon, 04 Mar 2024 08:00:00 GMT</pubDate></item>
<item><title>Relative link</title><link>/2024/banks</link></item>
<item><title>No link at all</title></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Desk</title>
<entry><title>Rates and the Russell</title><link href="https://desk.example.org/rates"/>
<author><name>Ana Ruiz</name></author><updated>2024-01-15T10:00:00Z</updated></entry>
</feed>"""
SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://notes.example.com/a</loc><lastmod>2024-03-01</lastmod></url>
<url><loc>https://notes.example.com/b</loc></url>
</urlset>"""
INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://notes.example.com/sitemap-posts.xml.gz</loc></sitemap>
</sitemapindex>"""


def page(body: bytes, content_type: str = "application/xml") -> Page:
    return Page(
        "https://notes.example.com/feed", "https://notes.example.com/feed", 200, content_type, body
    )


def test_discover_rss_links_with_feed_metadata() -> None:
    links = links_from_feed(page(RSS, "application/rss+xml"))
    assert [link.url for link in links] == [
        "https://notes.example.com/2024/small-caps",
        "https://notes.example.com/2024/banks",
    ]
    first = links[0]
    assert (first.title, first.published) == ("Small caps into March", date(2024, 3, 4))
    assert first.author and "Jo Park" in first.author


def test_discover_atom_links() -> None:
    (link,) = links_from_feed(page(ATOM, "application/atom+xml"))
    assert (link.url, link.author, link.published) == (
        "https://desk.example.org/rates",
        "Ana Ruiz",
        date(2024, 1, 15),
    )


def test_discover_invalid_feed_is_an_error() -> None:
    with pytest.raises(IngestError, match="not valid RSS or Atom"):
        links_from_feed(page(b"<?xml version='1.0'?><rss><channel><item>", "application/rss+xml"))


def test_discover_sitemap_and_index_plain_or_gzipped() -> None:
    links, children = links_from_sitemap(page(SITEMAP), LIMIT)
    assert [(link.url, link.lastmod) for link in links] == [
        ("https://notes.example.com/a", date(2024, 3, 1)),
        ("https://notes.example.com/b", None),
    ]
    assert children == []
    links, children = links_from_sitemap(page(gzip.compress(INDEX), "application/x-gzip"), LIMIT)
    assert (links, children) == ([], ["https://notes.example.com/sitemap-posts.xml.gz"])


def test_discover_sitemap_does_not_expand_entities() -> None:
    hostile = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<urlset><url><loc>https://a.example/&x;</loc></url></urlset>"""
    links, _ = links_from_sitemap(page(hostile), LIMIT)
    assert all("root:" not in link.url for link in links)


def test_discover_malformed_sitemap_and_gzip_bomb_are_errors() -> None:
    with pytest.raises(IngestError, match="not well-formed XML"):
        links_from_sitemap(page(b"<?xml version='1.0'?><urlset><url>"), LIMIT)
    with pytest.raises(IngestError, match="expands past"):
        links_from_sitemap(page(gzip.compress(b" " * (LIMIT + 10))), LIMIT)


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        (RSS, "application/rss+xml", "feed"),
        (ATOM, "text/xml", "feed"),
        (SITEMAP, "application/xml", "sitemap"),
        (gzip.compress(SITEMAP), "application/x-gzip", "sitemap"),
        (
            b"<html><body><p>An article about <feed> and <rss>.</p></body></html>",
            "text/html",
            "page",
        ),
        (b"Plain text notes", "text/plain", "page"),
    ],
)
def test_discover_tells_feeds_sitemaps_and_pages_apart(
    body: bytes, content_type: str, kind: str
) -> None:
    assert kind_of(page(body, content_type), LIMIT) == kind


def test_discover_sources_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        'feeds = ["https://notes.example.com/feed"]\n'
        'sitemaps = ["https://notes.example.com/sitemap.xml"]\n'
        'urls = ["https://desk.example.org/rates"]\n'
        'paths = ["notes/"]\n'
    )
    listed = load_sources(path)
    assert listed.urls == (
        "https://notes.example.com/feed",
        "https://notes.example.com/sitemap.xml",
        "https://desk.example.org/rates",
    )
    assert listed.paths == (tmp_path / "notes",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('feed = ["x"]', "unknown key(s) feed"),
        ('urls = "https://a.example"', "urls must be a list of strings"),
        ("urls = [", "cannot read the sources file"),
    ],
)
def test_discover_bad_sources_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    with pytest.raises(IngestError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_sources(path)
