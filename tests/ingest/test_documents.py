from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pipeline.errors import IngestError
from pipeline.ingest.documents import (
    Overrides,
    find_documents,
    ingest_paths,
    ingest_sources,
    read_document,
)
from pipeline.ingest.fetch import Fetcher
from pipeline.models import Article, Failure
from pipeline.settings import Settings

BOILERPLATE = [
    "Start your free trial",
    "Analyst's Disclosure",
    "Analyst’s Disclosure",
    "Recent Posts",
    "Follow Us",
    "top of page",
]


def test_ingest_seeds_are_clean_and_dated(seeds_dir: Path) -> None:
    results = list(ingest_paths([seeds_dir]))
    articles = [r for r in results if isinstance(r, Article)]
    assert len(articles) == 5, [r for r in results if isinstance(r, Failure)]
    for article in articles:
        for marker in BOILERPLATE:
            assert marker not in article.text, (article.location, marker)
    by_name = {Path(a.location).name[:3]: a for a in articles}
    assert by_name["000"].published == date(2023, 11, 28)
    assert by_name["000"].published_source == "text_header"
    assert by_name["000"].title == "IWM: Santa Rally On Steroids (Rating Downgrade)"
    assert by_name["000"].author == "James Foord"
    assert by_name["004"].author == "Josh Schafer"
    assert by_name["002"].title.startswith("Does the recent small-cap rally")
    assert "Josh Schafer is a reporter" not in by_name["004"].text


def test_ingest_front_matter_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "---\ntitle: Small caps\nauthor: Jane Doe\npublished: 2024-01-15\nsource: Letter\n---\nIWM could rally 10% by year-end.\n"
    )
    article = read_document(path)
    assert (article.title, article.author, article.published, article.source) == (
        "Small caps",
        "Jane Doe",
        date(2024, 1, 15),
        "Letter",
    )
    assert article.text == "IWM could rally 10% by year-end."
    overridden = next(
        iter(ingest_paths([path], Overrides(published=date(2024, 2, 1), author="J. Roe")))
    )
    assert isinstance(overridden, Article)
    assert (overridden.published, overridden.published_source, overridden.author) == (
        date(2024, 2, 1),
        "override",
        "J. Roe",
    )
    assert overridden.article_id == article.article_id


def test_ingest_html_metadata_and_chrome(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        """<html><head><title>Fallback</title><meta property="og:title" content="Buy the dip">
        <meta name="author" content="Ann Lee"><meta property="article:published_time" content="2023-07-03T10:00:00Z">
        <meta property="og:site_name" content="Tape"><link rel="canonical" href="https://tape.example/buy"></head>
        <body><nav>Home | Markets</nav><article><h1>Buy the dip</h1><p>I expect IWM to rally 12% by year-end.</p>
        <div class="share-buttons">Share on Twitter</div><p>Second paragraph.</p></article>
        <aside class="related">Recent Posts</aside><footer>Follow Us</footer></body></html>""",
        encoding="utf-8",
    )
    article = read_document(page)
    assert (article.title, article.author, article.published, article.source, article.url) == (
        "Buy the dip",
        "Ann Lee",
        date(2023, 7, 3),
        "Tape",
        "https://tape.example/buy",
    )
    assert article.text == "I expect IWM to rally 12% by year-end.\nSecond paragraph."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blob.txt", b"\x00\x01\x02binary", "binary"),
        ("title_only.txt", b"Just a title\n", "no readable text"),
        ("bad.md", b"---\ntitle: [unclosed\n---\nbody", "front matter"),
        ("sheet.xlsx", b"PK..", "unsupported file type"),
    ],
)
def test_ingest_bad_file_becomes_failure_and_batch_goes_on(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    good = tmp_path / "good.txt"
    good.write_text("Title\nIWM could rally 10%.\n")
    sources = [tmp_path / name, good]
    results = list(ingest_paths(sources))
    failures = [r for r in results if isinstance(r, Failure)]
    assert len(failures) == 1 and reason in failures[0].reason and failures[0].item.endswith(name)
    assert sum(isinstance(r, Article) for r in results) == 1


def test_ingest_decodes_legacy_encodings(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9 notes\nThe caf\xe9 crowd thinks IWM will rally.\n".encode("latin-1"))
    assert "café crowd" in read_document(path).text


def test_ingest_latin1_html_declares_its_charset(tmp_path: Path) -> None:
    page = tmp_path / "l.html"
    page.write_bytes(
        '<html><head><meta charset="iso-8859-1"></head><body><p>Caf\xe9 IWM will rally.</p></body></html>'.encode(
            "latin-1"
        )
    )
    assert "Café" in read_document(page).text


def test_ingest_missing_path_and_override_on_folder_are_errors(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file"):
        find_documents([tmp_path / "nope"])
    (tmp_path / "a.txt").write_text("a\nb")
    (tmp_path / "b.txt").write_text("c\nd")
    with pytest.raises(IngestError, match="single file"):
        list(ingest_paths([tmp_path], Overrides(author="X")))


def test_ingest_skips_gold_and_readme(corpus_dir: Path) -> None:
    docs = find_documents([corpus_dir])
    assert docs and not any("gold" in p.parts or p.name.upper().startswith("README") for p in docs)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "broken.txt",
            "Title\nIWM “could” rally — café ‘talk’ …\n".encode() + b"\xff more\n",
            "not valid UTF-8",
        ),
        ("picture.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
        ("controls.txt", bytes(range(1, 32)) * 50, "binary"),
        ("deep.html", b"<div>" * 3000 + b"<p>IWM will rally.</p>", "levels deep"),
    ],
)
def test_ingest_bad_input_is_one_failure_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Title\nIWM could rally 10%.\n")
    results = list(ingest_paths([tmp_path]))
    failures = [r for r in results if isinstance(r, Failure)]
    assert len(failures) == 1 and failures[0].item.endswith(name), failures
    assert reason in failures[0].reason
    assert sum(isinstance(r, Article) for r in results) == 1


def test_ingest_a_100_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as handle:
        handle.truncate(100 * 2**20)  # sparse: 100 MB on paper, nothing on disk
    (failure,) = list(ingest_paths([huge]))
    assert isinstance(failure, Failure) and "100 MB, over the 20 MB limit" in failure.reason


@pytest.mark.parametrize("codec", ["utf-16", "utf-8-sig", "cp1252"])
def test_ingest_decodes_boms_and_legacy_encodings(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Notes\nThe café crowd thinks IWM will rally “soon”.\n".encode(codec))
    assert "café crowd thinks IWM will rally “soon”" in read_document(path).text


def test_ingest_urls_past_a_byte_budget_are_failures_and_the_batch_goes_on(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    page = (
        "<html><head><title>Small caps</title></head><body><article>"
        "<p>IWM could rally 10% by year-end, the strategist said.</p></article></body></html>"
    )
    links = "".join(
        f"<item><link>{httpserver.url_for(p)}</link></item>" for p in ("/a", "/b", "/c")
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{links}</channel></rss>'
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    for path in ("/a", "/b", "/c", "/elsewhere"):
        httpserver.expect_request(path).respond_with_data(page, content_type="text/html")
    budget = len(feed) + len(page)  # the feed and its first item spend it
    elsewhere = httpserver.url_for("/elsewhere").replace("localhost", "127.0.0.1")
    with Fetcher(web_settings.with_overrides(fetch={"max_host_bytes": budget})) as fetcher:
        results = list(ingest_sources([httpserver.url_for("/feed.xml"), elsewhere], fetcher))
    assert [type(r).__name__ for r in results] == ["Article", "Failure", "Failure", "Article"]
    failures = [r for r in results if isinstance(r, Failure)]
    assert [f.item for f in failures] == [httpserver.url_for("/b"), httpserver.url_for("/c")]
    for failure in failures:
        assert failure.stage == "ingest"
        assert "byte budget for localhost is spent" in failure.reason
        assert f"max_host_bytes = {budget}" in failure.reason
    fetched = {r.path for r, _ in httpserver.log}
    assert "/b" not in fetched and "/c" not in fetched
