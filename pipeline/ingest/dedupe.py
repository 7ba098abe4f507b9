"""Dedupe: recognise an article that is already stored under another name.

Input: Articles in ingest order, and what is known of stored originals (the store, or keys
held in memory). Output: each Article with its fingerprint (and `duplicate_of` when it
repeats an earlier one), plus a Duplicate record for every copy. Pure; the caller stores
both, and the originals' keys (`article_keys`). The first article seen is the original;
later copies are kept for audit but never extracted, so their claims are not counted twice.

Two kinds of copy: the same analysed text from another file or URL, and near-copies (the
same article syndicated on two sites): a MinHash (datasketch) of the text's word
3-shingles estimates their Jaccard similarity, and NEAR_COPY_SIMILARITY or more is a copy.
The same URL (after normalisation: tracking parameters, fragment, www., http/https and a
trailing slash do not count) or the same file with changed text is no copy but a
correction: a new version of the article.

Every check is a few indexed lookups, however many articles are stored: the same text by
its id, a version by its URL key or location, and near-copies through an LSH index of the
signatures (`band_hashes`), whose candidates are then compared value by value as before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from hashlib import blake2b
from itertools import combinations
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from courlan import normalize_url
from datasketch import MinHash

from pipeline.models import Article, ArticleKeys, Duplicate

#: Estimated Jaccard similarity of word 3-shingles. A syndicated copy with its own
#: header and footer scores above 0.9; different articles on one topic below 0.1.
NEAR_COPY_SIMILARITY = 0.5
#: A file read again with changed text is a new version of the same story when its text
#: is at least this similar to what was read there before (an edit or a correction keeps
#: most shingles; another story reusing the file name shares almost none). It is compared
#: with that one article only, found by its location: no band is needed for it.
REVISION_SIMILARITY = 0.3
#: Shorter texts are compared only for exact copies (a few words say little).
NEAR_COPY_MIN_WORDS = 80
PERMUTATIONS = 64
SEED = 7
WORD = re.compile(r"\w+")

#: The LSH bands. The 64 signature values make 16 groups of 4 neighbours; each group gives
#: 4 bands, one for each 3 of its 4 values (64 bands in all), so a stored article is a
#: candidate when some group agrees with the new article's in at least 3 of its 4 values.
#: Given k agreeing values of 64 (estimated similarity k/64), the agreeing positions are
#: uniformly placed (the permutations are independent), and no band is shared only if
#: every group agrees in at most 2 values, which needs k <= 32. So an article at or above
#: NEAR_COPY_SIMILARITY (k >= 32) is always found for k >= 33 and missed with probability
#: 6**16 / C(64, 32) = 1.5e-6 at exactly k = 32: the decisions of a comparison with every
#: stored signature, but for that chance at the threshold itself. By true Jaccard
#: similarity J a pair shares a band with probability 1 - (1 - 4J^3(1 - J) - J^4)^16:
#: 0.9975 at J = 0.5, 0.99997 at 0.6, and about 64 J^3 for unrelated texts: 6e-5 at
#: J = 0.01, 1.7e-3 at 0.03 (the test corpus's commentaries share 0.01-0.03 of their
#: shingles). benchmarks/bench_dedupe.py, on articles alike to that degree, finds 22
#: candidates a check on average with 100,000 stored (at most 657, for a text of common
#: phrases); each costs one comparison of 64 values.
BAND_GROUP = 4
BAND_ROWS = 3
#: Candidates compared per check, those sharing the most bands. A copy (J >= 0.5) shares
#: 8 of the 64 bands on average (J^3 each), an unrelated text 0 or 1, so it ranks first; but
#: texts written from one template (a site's daily market wrap) can share a band or two
#: with thousands of stored articles, and comparing them all made a check linear in the
#: size of the store.
MAX_CANDIDATES = 64
#: Mixed into every band hash, so that another band scheme's hashes never match these.
#: Changing the scheme (or `url_key`) needs a migration that empties dedupe_keys and
#: minhash_bands: the next ingest indexes every article again.
BAND_SCHEME = b"g4r3"


def fingerprint(text: str) -> str:
    """A MinHash signature of the text's word 3-shingles, as hex."""
    words = WORD.findall(text.lower())
    shingles = {" ".join(words[i : i + 3]).encode() for i in range(max(len(words) - 2, 1))}
    sketch = MinHash(num_perm=PERMUTATIONS, seed=SEED)
    sketch.update_batch(list(shingles))
    return bytes(sketch.hashvalues.astype("<u4").tobytes()).hex()


def _values(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype="<u4")


def band_hashes(signature: bytes) -> tuple[int, ...]:
    """The LSH band hashes of a signature (see BAND_GROUP): per group of BAND_GROUP
    values, a hash of each BAND_ROWS of them, with the band's number. 47-bit integers
    (SQLite stores them in 6 bytes); two bands that collide only make a needless candidate,
    which the comparison of values then drops."""
    values = [signature[i : i + 4] for i in range(0, len(signature), 4)]
    bands: list[int] = []
    for start in range(0, len(values), BAND_GROUP):
        group = values[start : start + BAND_GROUP]
        for rows in combinations(range(len(group)), BAND_ROWS):
            band = len(bands).to_bytes(2) + b"".join(group[i] for i in rows)
            digest = blake2b(band, digest_size=6, person=BAND_SCHEME).digest()
            bands.append(int.from_bytes(digest) >> 1)
    return tuple(bands)


def article_keys(
    article_id: str, location: str, url: str | None, print_: str | None
) -> ArticleKeys:
    """What the index keeps of an original article: its URL key, its signature (None for
    a missing or damaged fingerprint) and the signature's band hashes."""
    if not print_ or len(print_) != PERMUTATIONS * 8:
        return ArticleKeys(article_id, location, url_key(url), None)
    signature = bytes.fromhex(print_)
    return ArticleKeys(article_id, location, url_key(url), signature, band_hashes(signature))


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


class KnownArticles(Protocol):
    """Where DuplicateIndex looks up the original articles stored so far: the `Store`
    (tables dedupe_keys and minhash_bands), or a `MemoryIndex`."""

    def original_keys(self, article_id: str) -> ArticleKeys | None:
        """The keys of the original article `article_id`, with its first location."""
        ...

    def latest_original_at(self, location: str) -> str | None:
        """The original added last among those read at `location`."""
        ...

    def latest_original_with_url(self, url_key: str) -> str | None:
        """The original added last among those with the URL key `url_key`."""
        ...

    def originals_sharing_bands(
        self, bands: Sequence[int], limit: int | None = None
    ) -> list[ArticleKeys]:
        """The originals whose signature has any of `bands`, in the order added; with
        `limit`, only the `limit` sharing the most bands (ties: the earliest added)."""
        ...


class MemoryIndex:
    """Original articles held in memory and looked up like the store's: the keys a caller
    without a store passes in, and the articles of a batch not stored yet.

    The first location of an article stays; its other keys, and the article last added
    at a location or URL, follow the latest addition.
    """

    def __init__(self, keys: Iterable[ArticleKeys] = ()) -> None:
        self._keys: dict[str, ArticleKeys] = {}
        self._latest_at: dict[str, str] = {}
        self._urls: dict[str, str] = {}
        self._signed: list[ArticleKeys] = []  # additions with a signature, in order
        self._bands: dict[int, list[int]] = {}  # band hash -> positions in _signed
        for item in keys:
            self.add(item)

    def add(self, keys: ArticleKeys) -> None:
        first = self._keys.get(keys.article_id)
        self._keys[keys.article_id] = (
            keys if first is None else replace(keys, location=first.location)
        )
        self._latest_at[keys.location] = keys.article_id
        if keys.url_key is not None:
            self._urls[keys.url_key] = keys.article_id
        if keys.signature is not None:
            for band in keys.bands:
                self._bands.setdefault(band, []).append(len(self._signed))
            self._signed.append(keys)

    def original_keys(self, article_id: str) -> ArticleKeys | None:
        return self._keys.get(article_id)

    def latest_original_at(self, location: str) -> str | None:
        return self._latest_at.get(location)

    def latest_original_with_url(self, url_key: str) -> str | None:
        return self._urls.get(url_key)

    def originals_sharing_bands(
        self, bands: Sequence[int], limit: int | None = None
    ) -> list[ArticleKeys]:
        shared = Counter(i for band in bands for i in self._bands.get(band, ()))
        ranked = sorted(shared, key=lambda i: (-shared[i], i))
        return [self._signed[i] for i in sorted(ranked[:limit])]

    def not_answered_by(self, known: KnownArticles) -> MemoryIndex:
        """What of this index `known` does not answer the same way: nothing, once the
        batch is stored, but for an article stored before that this batch read again at
        a location or URL since taken by another, or one the store holds as a copy."""
        rest = MemoryIndex()
        rest._latest_at = {
            location: article_id
            for location, article_id in self._latest_at.items()
            if known.latest_original_at(location) != article_id
        }
        rest._urls = {
            key: article_id
            for key, article_id in self._urls.items()
            if known.latest_original_with_url(key) != article_id
        }
        for keys in self._keys.values():
            stored = known.original_keys(keys.article_id)
            if stored is None or not _same_keys(stored, keys):
                rest._keys[keys.article_id] = keys
        for keys in self._signed:
            if keys.article_id in rest._keys:
                for band in keys.bands:
                    rest._bands.setdefault(band, []).append(len(rest._signed))
                rest._signed.append(keys)
        return rest


def _same_keys(stored: ArticleKeys, new: ArticleKeys) -> bool:
    """The same URL key and signature (the first location is the stored one either way)."""
    return stored.url_key == new.url_key and stored.signature == new.signature


class DuplicateIndex:
    """What has been stored so far (ids, URL keys and signatures of original articles),
    and the articles checked since the last stored batch.

    `DuplicateIndex(known=store)` looks stored originals up in the store; the articles
    checked since `batch_stored` was last called are held in memory until then.
    `DuplicateIndex(stored)` holds the keys `stored` (article_id, location, url,
    fingerprint) in memory instead. The latest version of each page or file is the one a
    correction is compared with.
    """

    def __init__(
        self,
        stored: Iterable[tuple[str, str, str | None, str | None]] = (),
        *,
        known: KnownArticles | None = None,
    ) -> None:
        if known is None:
            known = MemoryIndex(article_keys(*row) for row in stored)
        self._known = known
        self._batch = MemoryIndex()

    def check(self, article: Article) -> tuple[Article, Duplicate | None]:
        """The article with its fingerprint, and a Duplicate record if it is a copy.

        A copy with new text (a near-copy) comes back with `duplicate_of` set; an exact
        copy keeps its id, which the store already holds. The same URL or file with
        changed text is no copy but a new version: it comes back with `revision_of` set
        to the version it replaces, and no Duplicate.
        """
        article = replace(article, fingerprint=fingerprint(article.text))
        keys = article_keys(article.article_id, article.location, article.url, article.fingerprint)
        if previous := self._previous_version(article, keys):
            article = replace(article, revision_of=previous)
            self._batch.add(keys)
            return article, None
        found = self._find(article, keys)
        if found is None:
            self._batch.add(keys)
            return article, None
        if found.kind != "same_content":
            article = replace(
                article, duplicate_of=found.duplicate_of, duplicate_reason=found.reason
            )
        return article, found

    def batch_stored(self) -> None:
        """Say that the originals checked so far are stored with their keys
        (`Store.save_article_keys`): the index looks them up there from now on."""
        self._batch = self._batch.not_answered_by(self._known)

    def _keys_of(self, article_id: str) -> ArticleKeys | None:
        stored = self._known.original_keys(article_id)
        new = self._batch.original_keys(article_id)
        if stored is None or new is None:
            return stored or new
        return replace(new, location=stored.location)

    def _latest_at(self, location: str) -> str | None:
        return self._batch.latest_original_at(location) or self._known.latest_original_at(location)

    def _latest_with_url(self, key: str) -> str | None:
        return self._batch.latest_original_with_url(key) or self._known.latest_original_with_url(
            key
        )

    def _previous_version(self, article: Article, keys: ArticleKeys) -> str | None:
        """The stored version this article's text replaces: the latest one read from the
        same URL, or else from the same file; None when the text itself is known."""
        if self._keys_of(article.article_id) is not None:
            return None
        key = keys.url_key
        if key is not None and (latest := self._latest_with_url(key)):
            return latest
        previous = self._latest_at(article.location)
        before = self._keys_of(previous) if previous else None
        if before is None or before.url_key != key:
            return None  # nothing read there yet, or another page read under that name
        # A file name can be reused for another story: a version tells the same one.
        if before.signature is None or keys.signature is None:
            return None
        similarity = float((_values(before.signature) == _values(keys.signature)).mean())
        return previous if similarity >= REVISION_SIMILARITY else None

    def _find(self, article: Article, keys: ArticleKeys) -> Duplicate | None:
        item = article.location
        first = self._keys_of(article.article_id)
        if first is not None:
            if first.location == item:
                return None  # the same source read again: not a copy
            return Duplicate(
                item,
                article.article_id,
                "same_content",
                f"the same text as {first.location}",
            )
        if len(article.text.split()) < NEAR_COPY_MIN_WORDS or keys.signature is None:
            return None
        candidates = self._known.originals_sharing_bands(keys.bands, MAX_CANDIDATES)
        candidates += self._batch.originals_sharing_bands(keys.bands, MAX_CANDIDATES)
        signed = [(c, c.signature) for c in candidates if c.signature is not None]
        if not signed:
            return None
        stack = np.vstack([_values(signature) for _, signature in signed])
        scores = (stack == _values(keys.signature)).mean(axis=1)
        best = int(scores.argmax())
        if scores[best] < NEAR_COPY_SIMILARITY:
            return None
        original = signed[best][0]
        where = self._keys_of(original.article_id) or original
        return Duplicate(
            item,
            original.article_id,
            "near_copy",
            f"a near-copy (text similarity {scores[best]:.2f}) of article "
            f"{original.article_id} ({where.location})",
        )
