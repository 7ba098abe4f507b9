"""How long the near-duplicate check takes per article, against how many are stored.

Generates distinct synthetic articles (sentences of words drawn from a Zipf-weighted
vocabulary of 4,000 made-up words, fixed seed: two of them share about 1% of their word
3-shingles, as two articles of the test corpus do), stores them with their fingerprints and
indexes them as `thesis ingest` indexes older articles. With 1,000, 10,000 and (with
--large) 100,000 stored, it checks probe articles (new stories, syndicated copies of
stored ones, edited versions of stored ones) and prints the median CPU time per check of
the store's index (`DuplicateIndex(known=store)`), and of the approach it replaced (every
stored signature in memory, stacked again for each check), measured in the same run on
the same probes. Both include the MinHash of the probe (printed on its own too). Also
printed: how many stored articles share a band with a new story (the candidates the
index verifies), the decisions of both, the indexing time per stored article, and the size
of the store (the file, and the index tables).

    python benchmarks/bench_dedupe.py [--large] [--probes 300] [--seed 3]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.ingest.dedupe import (
    NEAR_COPY_MIN_WORDS,
    NEAR_COPY_SIMILARITY,
    DuplicateIndex,
    article_keys,
    fingerprint,
)
from pipeline.models import Article
from pipeline.store.database import Store

SYLLABLES = ("ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "da", "fe", "gu", "hi", "jo", "ke", "lu", "ma", "ni", "or", "pe", "qu", "ra", "se", "ti", "un", "ve")  # fmt: skip
BATCH = 1000
#: (kind, probe article, number of the stored article it copies or revises)
Probe = tuple[str, Article, int | None]


@dataclass
class Corpus:
    """Synthetic articles: made-up words, a few very common, most rare (Zipf weights)."""

    seed: int
    vocabulary: np.ndarray
    cumulative: np.ndarray  # of the Zipf weights, for drawing words

    @classmethod
    def make(cls, seed: int, size: int = 4_000) -> Corpus:
        rng = random.Random(seed)
        words: set[str] = set()
        while len(words) < size:
            words.add("".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))))
        weights = 1.0 / np.arange(1, size + 1) ** 1.15
        vocabulary = np.array(sorted(words, key=lambda w: (len(w), w)))  # common words short
        return cls(seed, vocabulary, np.cumsum(weights) / weights.sum())

    def text(self, number: int) -> str:
        """Article `number`: 15 to 40 sentences of 6 to 24 words."""
        rng = np.random.default_rng([self.seed, number])
        lengths = rng.integers(6, 25, int(rng.integers(15, 41)))
        picks = np.searchsorted(self.cumulative, rng.random(lengths.sum()), side="right")
        drawn = self.vocabulary[np.minimum(picks, len(self.vocabulary) - 1)]
        ends = np.cumsum(lengths)
        return " ".join(
            " ".join(drawn[end - n : end]).capitalize() + "."
            for n, end in zip(lengths, ends, strict=True)
        )

    def article(self, number: int, text: str | None = None, location: str | None = None) -> Article:
        text = self.text(number) if text is None else text
        location = location or f"notes/{number:06d}.md"
        return Article.build(location=location, text=text, raw=text, raw_format="text")


class RestackIndex:
    """The replaced near-copy check: every signature held in memory and stacked again
    for each new article (the exact-copy and version look-ups, dictionaries, cost nothing
    in comparison and are left out)."""

    def __init__(self, prints: list[tuple[str, str]]) -> None:
        self.ids = [article_id for article_id, _ in prints]
        self.signatures = [np.frombuffer(bytes.fromhex(p), dtype="<u4") for _, p in prints]

    def check(self, article: Article) -> str | None:
        """The id of the stored article the probe is a near-copy of, or None."""
        print_ = fingerprint(article.text)
        if len(article.text.split()) < NEAR_COPY_MIN_WORDS:
            return None
        signature = np.frombuffer(bytes.fromhex(print_), dtype="<u4")
        scores = (np.vstack(self.signatures) == signature).mean(axis=1)
        best = int(scores.argmax())
        return self.ids[best] if scores[best] >= NEAR_COPY_SIMILARITY else None


def grow(
    store: Store, corpus: Corpus, start: int, stop: int
) -> tuple[list[tuple[str, str]], float]:
    """Store articles `start`..`stop` with fingerprints, then index them as ingest indexes
    older articles; returns their (id, fingerprint) and the CPU seconds of indexing."""
    prints = []
    for first in range(start, stop, BATCH):
        batch = []
        for number in range(first, min(first + BATCH, stop)):
            article = corpus.article(number)
            batch.append(replace(article, fingerprint=fingerprint(article.text)))
        store.save_articles(batch)
        prints += [(a.article_id, a.fingerprint or "") for a in batch]
    began = time.process_time()
    for rows in store.originals_without_keys(BATCH):
        store.save_article_keys([article_keys(*row) for row in rows])
    return prints, time.process_time() - began


def probes(corpus: Corpus, stored: int, count: int, seed: int) -> list[Probe]:
    """(kind, probe, stored article it copies or revises) for `count` probes: half new
    stories, a quarter syndicated copies, a quarter edited versions of stored articles."""
    rng = random.Random(seed * 1_000_003 + stored)
    out: list[Probe] = []
    for i in range(count):
        kind = ("new", "new", "copy", "edit")[i % 4]
        if kind == "new":
            out.append((kind, corpus.article(10_000_000 + stored * 10 + i), None))
            continue
        number = rng.randrange(stored)
        text = corpus.text(number)
        if kind == "copy":
            probe = corpus.article(
                number,
                f"Republished with permission.\n{text}\nRead more.",
                f"elsewhere/{number:06d}.md",
            )
        else:
            probe = corpus.article(number, f"{text} Update: the figures were corrected.")
        out.append((kind, probe, number))
    return out


def cpu_ms(check: Callable[[Article], object], probe: Article) -> tuple[float, object]:
    began = time.process_time_ns()
    result = check(probe)
    return (time.process_time_ns() - began) / 1e6, result


def measure_index(store: Store, ids: list[str], sample: list[Probe]) -> str:
    """Median CPU ms per check of the store's index, by kind of probe, and its decisions."""
    times: dict[str, list[float]] = {"new": [], "copy": [], "edit": []}
    right = 0
    for kind, probe, number in sample:
        index = DuplicateIndex(known=store)  # checked, never stored: the store stays as it is
        ms, (article, found) = cpu_ms(index.check, probe)  # type: ignore[misc]
        times[kind].append(ms)
        got = article.revision_of if kind == "edit" else (found.duplicate_of if found else None)
        right += got == (None if number is None else ids[number])
    alike = [  # for new stories: the stored articles that merely look alike
        len(store.originals_sharing_bands(article_keys("", "", None, fingerprint(p.text)).bands))
        for kind, p, _ in sample
        if kind == "new"
    ]
    return (
        f"index:    {_medians(times)}; {right}/{len(sample)} decisions right; a new story "
        f"shares a band with {np.mean(alike):.2f} stored articles (max {max(alike)})"
    )


def measure_restack(prints: list[tuple[str, str]], sample: list[Probe]) -> str:
    """The same for the re-stack check, on the probes it scanned for (new stories and
    copies; an edited version was found by its location before any scan)."""
    restack = RestackIndex(prints)
    times: dict[str, list[float]] = {"new": [], "copy": []}
    found = 0
    for kind, probe, number in sample:
        if kind in times:
            ms, got = cpu_ms(restack.check, probe)
            times[kind].append(ms)
            found += number is not None and got == prints[number][0]
    return f"re-stack: {_medians(times)}; {found}/{len(times['copy'])} copies found"


def _minhash(article: Article) -> str:
    return fingerprint(article.text)


def _medians(times: dict[str, list[float]]) -> str:
    """Median and 95th percentile of each kind of probe."""
    return (
        ", ".join(
            f"{kind} {statistics.median(ms):.3f} (p95 {np.percentile(ms, 95):.3f})"
            for kind, ms in times.items()
        )
        + " ms"
    )


def startup(store: Store) -> str:
    """What every ingest run pays once before its first check, when nothing is new."""
    began = time.perf_counter()
    assert not list(store.originals_without_keys())
    unindexed = time.perf_counter() - began
    began = time.perf_counter()
    store.texts_without_fingerprint()
    unprinted = time.perf_counter() - began
    return (
        f"ingest start-up: looking for unindexed articles {unindexed * 1e3:.1f} ms (wall; "
        f"the older look for articles without a fingerprint: {unprinted * 1e3:.1f} ms)"
    )


def sizes(path: Path) -> str:
    conn = sqlite3.connect(path)
    pages = dict(conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall())
    conn.close()
    index = sum(v for k, v in pages.items() if "dedupe_keys" in k or "minhash_bands" in k)
    bands = pages.get("minhash_bands", 0)
    return (
        f"store {path.stat().st_size / 1e6:.1f} MB, of which the index {index / 1e6:.1f} MB "
        f"(minhash_bands {bands / 1e6:.1f} MB)"
    )


def run(args: argparse.Namespace) -> None:
    corpus = Corpus.make(args.seed)
    steps = [1_000, 10_000] + ([100_000] if args.large else [])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "thesis.db"
        store = Store(path)
        prints: list[tuple[str, str]] = []
        for stored in steps:
            began = time.monotonic()
            more, indexing = grow(store, corpus, len(prints), stored)
            prints += more
            print(
                f"({len(prints) - len(more):,} -> {stored:,} stored in "
                f"{time.monotonic() - began:.0f} s; indexing them took "
                f"{indexing / len(more) * 1e3:.3f} ms CPU per article)",
                flush=True,
            )
            sample = probes(corpus, stored, args.probes, args.seed)
            lines = [
                measure_index(store, [article_id for article_id, _ in prints], sample),
                measure_restack(prints, sample),
                "MinHash of the probe alone (in both): "
                f"{statistics.median(cpu_ms(_minhash, p)[0] for _, p, _ in sample):.3f} ms",
            ]
            lines.append(startup(store))
            store.close()
            print(f"{stored:,} stored, CPU ms per check, median (p95), by probe:")
            print("  " + "\n  ".join([*lines, sizes(path)]), flush=True)
            store = Store(path)
        print(f"background similarity of stored pairs: {background(prints):.4f} (mean estimate)")
        store.close()


def background(prints: list[tuple[str, str]], pairs: int = 5000) -> float:
    rng = random.Random(0)
    values = [np.frombuffer(bytes.fromhex(p), dtype="<u4") for _, p in rng.sample(prints, 2000)]
    return float(
        np.mean(
            [
                (values[i] == values[j]).mean()
                for i, j in (rng.sample(range(len(values)), 2) for _ in range(pairs))
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 100,000 stored articles")
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
