"""Dedupe: recognise an article that is already stored under another name.

Input: Articles in ingest order, and the keys of stored articles. Output: each Article
with its fingerprint (and `duplicate_of` when it repeats an earlier one), plus a
Duplicate record for every copy. Pure; the caller stores both. The first article seen
is the original; later copies are kept for audit but never extracted, so their claims
are not counted twice.

Two kinds of copy: the same analysed text from another file or URL, and near-copies (the same article syndicated on two sites): a MinHash
(datasketch) of the text's word 3-shingles estimates their Jaccard similarity, and
NEAR_COPY_SIMILARITY or more is a copy. The same URL (after normalisation: tracking
parameters, fragment, www., http/https and a trailing slash do not count) or the same
file with changed text is no copy but a correction: a new version of the article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from courlan import normalize_url
from datasketch import MinHash

from pipeline.models import Article, Duplicate

#: Estimated Jaccard similarity of word 3-shingles. A syndicated copy with its own
#: header and footer scores above 0.9; different articles on one topic below 0.1.
NEAR_COPY_SIMILARITY = 0.5
#: A file read again with changed text is a new version of the same story when its text
#: is at least this similar to what was read there before (an edit or a correction keeps
#: most shingles; another story reusing the file name shares almost none).
REVISION_SIMILARITY = 0.3
#: Shorter texts are compared only for exact copies (a few words say little).
NEAR_COPY_MIN_WORDS = 80
PERMUTATIONS = 64
SEED = 7
WORD = re.compile(r"\w+")


def fingerprint(text: str) -> str:
    """A MinHash signature of the text's word 3-shingles, as hex."""
    words = WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(max(len(words) - 2, 1))}
    sketch = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    sketch.update_batch(list(shingles))
    return bytes(sketch.hashvalues.astype("<u4").tobytes()).hex()


def _signature(print_: str) -> np.ndarray:
    return np.frombuffer(bytes.fromhex(print_), dtype="<u4")


def url_key(url: str | None) -> str | None:
    """The URL in a form where trivially different spellings of one address agree."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(normalize_url(url, strict=True))
    except ValueError:
        return None
    host = (parts.hostname or "").removeprefix("www.")
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", parts.query, ""))


class DuplicateIndex:
    """What has been stored so far: ids, URL keys and fingerprints of original articles.

    The URL and location maps point at the latest version of each page or file, so a
    correction is compared with the version it replaces.
    """

    def __init__(self, stored: Iterable[tuple[str, str, str | None, str | None]] = ()) -> None:
        self._locations: dict[str, str] = {}
        self._urls: dict[str, str] = {}
        self._latest_at: dict[str, str] = {}  # location -> the latest article read there
        self._url_of: dict[str, str | None] = {}
        self._print_of: dict[str, np.ndarray] = {}
        self._ids: list[str] = []
        self._signatures: list[np.ndarray] = []
        for article_id, location, url, print_ in stored:
            self._add(article_id, location, url, print_)

    def check(self, article: Article) -> tuple[Article, Duplicate | None]:
        """The article with its fingerprint, and a Duplicate record if it is a copy.

        A copy with new text (a near-copy) comes back with `duplicate_of` set; an exact
        copy keeps its id, which the store already holds. The same URL or file with
        changed text is no copy but a new version: it comes back with `revision_of` set
        to the version it replaces, and no Duplicate.
        """
        article = replace(article, fingerprint=fingerprint(article.text))
        if previous := self._previous_version(article):
            article = replace(article, revision_of=previous)
            self._add(article.article_id, article.location, article.url, article.fingerprint)
            return article, None
        found = self._find(article)
        if found is None:
            self._add(article.article_id, article.location, article.url, article.fingerprint)
            return article, None
        if found.kind != "same_content":
            article = replace(
                article, duplicate_of=found.duplicate_of, duplicate_reason=found.reason
            )
        return article, found

    def _previous_version(self, article: Article) -> str | None:
        """The stored version this article's text replaces: the latest one read from the
        same URL, or else from the same file; None when the text itself is known."""
        if article.article_id in self._locations:
            return None
        key = url_key(article.url)
        if key is not None and key in self._urls:
            return self._urls[key]
        previous = self._latest_at.get(article.location)
        if previous is None or self._url_of.get(previous, key) != key:
            return None  # nothing read there yet, or another page read under that name
        # A file name can be reused for another story: a version tells the same one.
        before = self._print_of.get(previous)
        if before is None or not article.fingerprint:
            return None
        similarity = float((before == _signature(article.fingerprint)).mean())
        return previous if similarity >= REVISION_SIMILARITY else None

    def _find(self, article: Article) -> Duplicate | None:
        item = article.location
        first = self._locations.get(article.article_id)
        if first is not None:
            if first == item:
                return None  # the same source read again: not a copy
            return Duplicate(
                item,
                article.article_id,
                "same_content",
                f"the same text as {first}",
            )
        if len(article.text.split()) < NEAR_COPY_MIN_WORDS or not article.fingerprint:
            return None
        if not self._signatures:
            return None
        scores = (np.vstack(self._signatures) == _signature(article.fingerprint)).mean(axis=1)
        best = int(scores.argmax())
        if scores[best] < NEAR_COPY_SIMILARITY:
            return None
        original = self._ids[best]
        return Duplicate(
            item,
            original,
            "near_copy",
            f"a near-copy (text similarity {scores[best]:.2f}) of article {original} "
            f"({self._locations[original]})",
        )

    def _add(self, article_id: str, location: str, url: str | None, print_: str | None) -> None:
        self._locations.setdefault(article_id, location)
        self._latest_at[location] = article_id
        key = url_key(url)
        self._url_of[article_id] = key
        if key is not None:
            self._urls[key] = article_id
        if print_ and len(print_) == PERMUTATIONS * 8:
            self._ids.append(article_id)
            self._signatures.append(_signature(print_))
            self._print_of[article_id] = self._signatures[-1]
