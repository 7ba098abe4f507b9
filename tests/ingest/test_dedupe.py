from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.dedupe import (
    NEAR_COPY_MIN_WORDS,
    NEAR_COPY_SIMILARITY,
    PERMUTATIONS,
    REVISION_SIMILARITY,
    DuplicateIndex,
    article_keys,
    band_hashes,
    fingerprint,
    url_key,
)
from pipeline.ingest.documents import ingest_paths
from pipeline.models import Article, Duplicate
from pipeline.store.database import Store

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


def test_dedupe_band_hashes_are_shared_by_three_of_four_values_in_a_group() -> None:
    values = np.arange(PERMUTATIONS, dtype="<u4") * 7919
    one_off = values.copy()
    one_off[::4] += 1  # 48 of 64 values agree: 3 in every group of 4
    two_off = one_off.copy()
    two_off[1::4] += 1  # 32 agree, 2 in every group: the one pattern that shares no band
    bands = set(band_hashes(values.tobytes()))
    assert len(bands) == 64
    assert len(bands & set(band_hashes(one_off.tobytes()))) == 16
    assert not bands & set(band_hashes(two_off.tobytes()))
    three_here = two_off.copy()
    three_here[1] = values[1]  # 33 agree: some group has 3, so some band is shared
    assert len(bands & set(band_hashes(three_here.tobytes()))) == 1


def test_dedupe_index_over_the_store_finds_copies_in_the_batch_and_after_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "thesis.db"
    store = Store(path)
    index = DuplicateIndex(known=store)
    first = _at("notes/kre.md", STORY)
    copy = _at("elsewhere/kre.md", "Republished.\n" + STORY + "\nRead more.")
    checked = [index.check(a) for a in (first, copy)]  # the copy is found before storing
    assert checked[1][1] is not None and checked[1][1].duplicate_of == first.article_id
    _store(store, index, checked)
    store.close()

    store = Store(path)  # another run: the index is the store's
    index = DuplicateIndex(known=store)
    edited, found = index.check(_at("notes/kre.md", STORY + " Edit: the stop moved."))
    assert found is None and edited.revision_of == first.article_id
    _, again = index.check(_at("third/kre.md", "Syndicated.\n" + STORY))
    assert again is not None and again.kind == "near_copy"
    assert again.duplicate_of == first.article_id and "(notes/kre.md)" in again.reason
    store.close()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # story
            st.integers(0, 3),  # as first written, syndicated, edited, short
            st.sampled_from(["a.md", "b.md", "c.md"]),
            st.sampled_from([None, "https://one.example.com/s", "https://two.example.net/s"]),
            st.booleans(),  # the batch is stored after this article
        ),
        max_size=14,
    )
)
def test_dedupe_index_over_the_store_decides_as_a_scan_of_every_article(
    reads: list[tuple[int, int, str, str | None, bool]],
) -> None:
    """The store's index, read batch by batch as `thesis ingest` does, gives the decisions
    of the index before it (ScanIndex below): a comparison with every stored signature."""
    scan = ScanIndex()
    store = Store(":memory:")
    index = DuplicateIndex(known=store)
    batch: list[tuple[Article, Duplicate | None]] = []
    for story, variant, location, url, stored_after in reads:
        article = Article.build(
            location=location, text=_variant(story, variant), raw="", raw_format="text", url=url
        )
        batch.append(index.check(article))
        assert batch[-1] == scan.check(article), reads
        if stored_after:
            _store(store, index, batch)
            batch = []
    store.close()


def _variant(story: int, variant: int) -> str:
    """One of four stories as first written, syndicated (a header and a footer), edited
    (a sentence added) or cut short (too short to compare)."""
    rng = random.Random(story)
    words = [rng.choice(VOCABULARY) for _ in range(NEAR_COPY_MIN_WORDS + 40)]
    text = " ".join(words)
    return [
        text,
        f"Republished with permission.\n{text}\nRead more on our site.",
        f"{text} Update: the {words[3]} {words[5]} moved.",
        " ".join(words[:30]),
    ][variant]


VOCABULARY = [
    "small",
    "caps",
    "could",
    "rally",
    "as",
    "rates",
    "fall",
    "and",
    "breadth",
    "improves",
    "across",
    "sectors",
    "while",
    "credit",
    "spreads",
    "stay",
    "calm",
    "the",
    "fed",
    "signals",
    "cuts",
    "earnings",
    "revisions",
    "turn",
    "positive",
    "tech",
    "leads",
]


def _store(store: Store, index: DuplicateIndex, checked: Sequence[tuple[Article, object]]) -> None:
    """Store a checked batch as `pipeline.run` does: articles, then the originals' keys."""
    originals = [a for a, found in checked if found is None]
    store.save_articles([a for a in originals if not a.revision_of])
    store.save_articles([a for a in originals if a.revision_of])
    store.save_articles([a for a, found in checked if found is not None and a.duplicate_of])
    store.save_article_keys(
        [article_keys(a.article_id, a.location, a.url, a.fingerprint) for a in originals]
    )
    index.batch_stored()


class ScanIndex:
    """The index before the store kept one (its code as it was): every signature in
    memory, each new article compared with all of them."""

    def __init__(self) -> None:
        self.locations: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.latest_at: dict[str, str] = {}
        self.url_of: dict[str, str | None] = {}
        self.print_of: dict[str, np.ndarray] = {}
        self.ids: list[str] = []
        self.signatures: list[np.ndarray] = []

    def check(self, article: Article) -> tuple[Article, Duplicate | None]:
        article = replace(article, fingerprint=fingerprint(article.text))
        if previous := self.previous_version(article):
            article = replace(article, revision_of=previous)
            self.add(article)
            return article, None
        found = self.find(article)
        if found is None:
            self.add(article)
            return article, None
        if found.kind != "same_content":
            article = replace(
                article, duplicate_of=found.duplicate_of, duplicate_reason=found.reason
            )
        return article, found

    def previous_version(self, article: Article) -> str | None:
        if article.article_id in self.locations:
            return None
        key = url_key(article.url)
        if key is not None and key in self.urls:
            return self.urls[key]
        previous = self.latest_at.get(article.location)
        if previous is None or self.url_of.get(previous, key) != key:
            return None
        before = self.print_of.get(previous)
        if before is None or not article.fingerprint:
            return None
        similarity = float((before == _values(article.fingerprint)).mean())
        return previous if similarity >= REVISION_SIMILARITY else None

    def find(self, article: Article) -> Duplicate | None:
        item = article.location
        first = self.locations.get(article.article_id)
        if first is not None:
            if first == item:
                return None
            return Duplicate(item, article.article_id, "same_content", f"the same text as {first}")
        if len(article.text.split()) < NEAR_COPY_MIN_WORDS or not self.signatures:
            return None
        scores = (np.vstack(self.signatures) == _values(article.fingerprint or "")).mean(axis=1)
        best = int(scores.argmax())
        if scores[best] < NEAR_COPY_SIMILARITY:
            return None
        original = self.ids[best]
        return Duplicate(
            item,
            original,
            "near_copy",
            f"a near-copy (text similarity {scores[best]:.2f}) of article {original} "
            f"({self.locations[original]})",
        )

    def add(self, article: Article) -> None:
        self.locations.setdefault(article.article_id, article.location)
        self.latest_at[article.location] = article.article_id
        key = url_key(article.url)
        self.url_of[article.article_id] = key
        if key is not None:
            self.urls[key] = article.article_id
        if article.fingerprint:
            self.ids.append(article.article_id)
            self.signatures.append(_values(article.fingerprint))
            self.print_of[article.article_id] = self.signatures[-1]


def _values(print_: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(print_), dtype="<u4")
