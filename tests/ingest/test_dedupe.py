from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from pipeline.ingest.dedupe import DuplicateIndex, url_key
from pipeline.ingest.documents import ingest_paths
from pipeline.models import Article

from ..conftest import make_article

STORY = " ".join(
    f"Paragraph {i}: small caps could rally as rates fall and breadth improves across sectors."
    for i in range(20)
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.example.com/a/b/?utm_source=x#top", "http://example.com/a/b"),
        ("HTTPS://Example.com/a?id=3", "https://example.com/a/?id=3"),
    ],
)
def test_dedupe_url_key_ignores_trivial_differences(a: str, b: str) -> None:
    assert url_key(a) == url_key(b) is not None


def test_dedupe_url_key_keeps_real_differences() -> None:
    assert url_key("https://example.com/a?id=3") != url_key("https://example.com/a?id=4")
    assert url_key("notes/a.txt") is None


def test_dedupe_same_text_elsewhere_is_a_same_content_duplicate() -> None:
    index = DuplicateIndex()
    first, _ = index.check(replace(make_article(STORY), location="one.txt"))
    again, found = index.check(replace(make_article(STORY), location="two.txt"))
    assert found is not None and found.kind == "same_content"
    assert found.duplicate_of == first.article_id and "one.txt" in found.reason
    assert again.duplicate_of is None  # same id: the store already holds it
    assert index.check(replace(make_article(STORY), location="one.txt"))[1] is None


def test_dedupe_same_url_with_new_text_is_a_new_version() -> None:
    index = DuplicateIndex()
    first, _ = index.check(make_article(STORY, url="https://example.com/post"))
    updated, found = index.check(
        make_article(STORY + " Update: added a chart.", url="https://www.example.com/post/")
    )
    assert found is None and updated.duplicate_of is None
    assert updated.revision_of == first.article_id
    # a second correction replaces the first correction, not the original
    again, _ = index.check(
        make_article(STORY + " Update: chart fixed.", url="https://example.com/post?utm_source=x")
    )
    assert again.revision_of == updated.article_id


def test_dedupe_same_file_with_new_text_is_a_new_version() -> None:
    index = DuplicateIndex()
    first, _ = index.check(_at("notes/kre.md", STORY))
    edited, found = index.check(_at("notes/kre.md", STORY + " Edit: the stop moved."))
    assert found is None and edited.revision_of == first.article_id
    # the same text under another name is still a copy, not a version
    _, copy = index.check(_at("elsewhere/kre.md", STORY))
    assert copy is not None and copy.kind == "same_content"


def test_dedupe_syndicated_near_copy_is_recognised() -> None:
    index = DuplicateIndex()
    first, _ = index.check(make_article(STORY, url="https://one.example.com/story"))
    syndicated = "Republished with permission from One.\n" + STORY + "\nRead more on Two."
    copy, found = index.check(make_article(syndicated, url="https://two.example.net/x"))
    assert found is not None and found.kind == "near_copy"
    assert copy.duplicate_of == first.article_id and "similarity" in (copy.duplicate_reason or "")


def test_dedupe_index_loaded_from_stored_keys_finds_copies() -> None:
    first, _ = DuplicateIndex().check(make_article(STORY, url="https://one.example.com/story"))
    index = DuplicateIndex([(first.article_id, first.location, first.url, first.fingerprint)])
    _, found = index.check(make_article(STORY + " Extra.", url="https://two.example.net/x"))
    assert found is not None and found.duplicate_of == first.article_id


def test_dedupe_different_articles_are_not_copies(seeds_dir: Path, corpus_dir: Path) -> None:
    index = DuplicateIndex()
    articles = [a for a in ingest_paths([seeds_dir, corpus_dir]) if isinstance(a, Article)]
    assert len(articles) == 17
    checked = [index.check(a) for a in articles]
    assert [found for _, found in checked] == [None] * 17
    for (a, _), (b, _) in pairwise(checked):
        assert a.fingerprint != b.fingerprint


def _at(location: str, text: str) -> Article:
    return Article.build(location=location, text=text, raw=text, raw_format="text")
