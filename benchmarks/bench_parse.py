"""Benchmark ingest: parsing speed, peak memory of ingesting 1,000 pages, body-text F1.

Every figure is printed next to a baseline measured in the same run: trafilatura's
`extract` alone on the same input. Run from the repository root:

    python benchmarks/bench_parse.py            # 1,000 pages, ~1 minute on 2 cores
    python benchmarks/bench_parse.py --pages 200 --rounds 5

Memory is measured in a fresh process per subject (spawned), as the peak resident set
size (ru_maxrss) and its growth over the process after imports, plus the peak of the
Python heap (tracemalloc; libxml2's own allocations are not in it, they are in RSS).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import tomllib
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from statistics import mean, median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"
CORPUS = ROOT / "corpus"
PUBLIC_BENCH = ROOT.parent / "shared" / "bench" / "article-extraction"
SHOW_DISAGREEMENTS = False


def saved_pages() -> list[tuple[str, str | None]]:
    """(html, url) of the saved test pages and the sample corpus's HTML articles."""
    out = []
    for page in sorted(PAGES.glob("*.html")):
        spec = tomllib.loads(page.with_suffix(".toml").read_text(encoding="utf-8"))
        out.append((page.read_text(encoding="utf-8"), spec.get("url")))
    out += [(p.read_text(encoding="utf-8"), None) for p in sorted(CORPUS.glob("*.html"))]
    return out


def generated_pages(count: int, seed: int = 11) -> list[str]:
    """`count` distinct article pages built from the saved pages' expected body sentences
    (so no page starts with boilerplate), wrapped in typical page chrome."""
    sentences: list[str] = []
    for page in sorted(PAGES.glob("*.toml")):
        body = tomllib.loads(page.read_text(encoding="utf-8"))["expected"]["body"]
        sentences += [s.strip().rstrip(".") + "." for s in body.split(". ") if len(s) > 40]
    rng = random.Random(seed)
    pages = []
    for index in range(count):
        body = "".join(f"<p>{' '.join(rng.sample(sentences, 3))}</p>" for _ in range(12))
        pages.append(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Market note {index}</title>"
            f"<meta property='article:published_time' content='2024-01-{1 + index % 28:02d}'>"
            "</head><body><header><nav><a href='/'>Home</a> <a href='/markets'>Markets</a>"
            "</nav></header><main><article>"
            f"<h1>Market note {index}</h1><p class='byline'>By Desk Writer</p>{body}"
            "<div class='share-buttons'>Share Tweet Email</div></article>"
            "<aside class='related'><h3>Recent Posts</h3><ul><li>Other note</li></ul></aside>"
            "<section id='comments'><p>Great post!</p></section></main>"
            "<footer>Follow Us · Terms · Privacy</footer></body></html>"
        )
    return pages


def throughput(rounds: int) -> tuple[float, float, int]:
    """Pages per second of trafilatura.extract alone and of parse_html, same pages."""
    import trafilatura

    from pipeline.ingest.parse import parse_html

    pages = saved_pages()
    parse_html(*pages[0])  # load models and caches before timing

    def rate(parse: object) -> float:
        start = time.perf_counter()
        for _ in range(rounds):
            for html, url in pages:
                parse(html, url)  # type: ignore[operator]
        return rounds * len(pages) / (time.perf_counter() - start)

    alone = rate(lambda html, url: trafilatura.extract(html, url=url, include_comments=False))
    ours = rate(lambda html, url: parse_html(html, url=url))
    return alone, ours, len(pages)


def _memory_child(subject: str, folder: str) -> tuple[float, float, float, float]:
    import trafilatura

    from pipeline import run as stages
    from pipeline.settings import Settings
    from pipeline.store.database import Store

    files = sorted(Path(folder).glob("*.html"))
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    start = time.perf_counter()
    if subject == "trafilatura":
        for path in files:
            trafilatura.extract(path.read_text(encoding="utf-8"), include_comments=False)
    else:
        settings = Settings(db_path=Path(folder) / "bench.db", progress=False)
        store = Store(settings.db_path)
        summary = stages.ingest(store, [Path(folder)], settings)
        store.close()
        assert summary.articles_seen == len(files), summary.lines()
    elapsed = time.perf_counter() - start
    heap_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak_rss / 1024, (peak_rss - base_rss) / 1024, heap_peak / 2**20, elapsed


def memory(subject: str, folder: Path) -> tuple[float, float, float, float]:
    """(peak RSS MB, growth MB, Python heap peak MB, seconds) in a fresh process."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(_memory_child, subject, str(folder)).result()


def body_f1() -> tuple[float, float]:
    """Mean body-text token F1 on tests/pages: trafilatura alone, then parse_html."""
    import trafilatura

    from pipeline.extract.evaluate import token_f1
    from pipeline.ingest.parse import parse_html

    alone, ours = [], []
    for page in sorted(PAGES.glob("*.html")):
        spec = tomllib.loads(page.with_suffix(".toml").read_text(encoding="utf-8"))
        html, url, body = (
            page.read_text(encoding="utf-8"),
            spec.get("url"),
            spec["expected"]["body"],
        )
        alone.append(
            token_f1(trafilatura.extract(html, url=url, include_comments=False) or "", body)
        )
        ours.append(token_f1(parse_html(html, url=url).text, body))
    return mean(alone), mean(ours)


def public_bench(folder: Path, rounds: int) -> None:
    """Body F1 (the benchmark's own metric) and CPU pages/s on the public Zyte benchmark:
    parse_html against bare trafilatura.extract, over all pages and the English ones."""
    import trafilatura

    from pipeline.errors import IngestError
    from pipeline.ingest.bodyscore import load_bench, score
    from pipeline.ingest.parse import parse_html

    pages = load_bench(folder)

    def ours(html: str, url: str) -> str:
        try:
            return parse_html(html, url=url).text
        except IngestError:
            return ""

    def alone(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url, include_comments=False) or ""

    english = [p.declared_language == "en" for p in pages]
    truth = [p.body for p in pages]
    print(f"public benchmark {folder} ({len(pages)} pages, {sum(english)} declared English):")
    rates = {}
    for name, extract in (("trafilatura.extract alone", alone), ("pipeline.parse_html", ours)):
        times, bodies = [], []
        for _ in range(rounds):
            start = time.process_time()
            bodies = [extract(p.html, p.url) for p in pages]
            times.append(time.process_time() - start)
        rates[name] = len(pages) / median(times)
        every = score(bodies, truth)
        en = score(
            [b for b, e in zip(bodies, english, strict=True) if e],
            [t for t, e in zip(truth, english, strict=True) if e],
        )
        print(
            f"  {name:26s} F1 {every.f1:.3f} (P {every.precision:.3f} R {every.recall:.3f}), "
            f"English F1 {en.f1:.3f}, {rates[name]:6.1f} pages/s CPU (median of {rounds})"
        )
    ratio = rates["pipeline.parse_html"] / rates["trafilatura.extract alone"]
    print(f"  parse_html speed: {ratio:.2f}x trafilatura's pages/s")
    metadata_agreement([p for p, e in zip(pages, english, strict=True) if e])


def metadata_agreement(pages: list[Any]) -> None:
    """How often parse_html's title, author and date agree with trafilatura's own
    metadata (the benchmark labels bodies only, so this is agreement, not accuracy;
    `--show-disagreements` lists the rest to read)."""
    import trafilatura

    from pipeline.errors import IngestError
    from pipeline.ingest.parse import parse_html

    agree = {"title": 0, "author": 0, "date": 0}
    found = {"title": [0, 0], "author": [0, 0], "date": [0, 0]}
    disagreements: list[str] = []
    for page in pages:
        try:
            ours = parse_html(page.html, url=page.url)
        except IngestError:
            continue
        theirs = trafilatura.extract_metadata(page.html, default_url=page.url)
        pairs = {
            "title": (ours.title, theirs.title),
            "author": (ours.author, theirs.author),
            "date": (ours.published and ours.published.isoformat(), theirs.date),
        }
        for field_name, (mine, other) in pairs.items():
            found[field_name][0] += bool(mine)
            found[field_name][1] += bool(other)
            if (mine or "").strip().lower() == (other or "").strip().lower():
                agree[field_name] += 1
            else:
                disagreements.append(f"    {field_name}: ours {mine!r} / trafilatura {other!r}")
    print(f"  metadata on the {len(pages)} English pages (agreement with trafilatura's own):")
    for field_name, count in agree.items():
        mine, other = found[field_name]
        print(
            f"    {field_name:6s} agree {count}/{len(pages)}; found by parse_html {mine}, "
            f"by trafilatura {other}"
        )
    if SHOW_DISAGREEMENTS:
        print("\n".join(disagreements))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to ingest (default 1000)")
    parser.add_argument("--rounds", type=int, default=30, help="passes over the saved pages")
    parser.add_argument(
        "--bench", type=Path, default=PUBLIC_BENCH, help="the public benchmark's folder"
    )
    parser.add_argument(
        "--bench-rounds", type=int, default=3, help="passes over the public benchmark"
    )
    parser.add_argument(
        "--bench-only", action="store_true", help="only the public benchmark section"
    )
    parser.add_argument(
        "--show-disagreements", action="store_true", help="list metadata disagreements"
    )
    args = parser.parse_args(argv)
    global SHOW_DISAGREEMENTS
    SHOW_DISAGREEMENTS = args.show_disagreements
    sys.path.insert(0, str(ROOT))
    if args.bench.is_dir():
        public_bench(args.bench, args.bench_rounds)
    else:
        print(f"public benchmark: {args.bench} not found (pass --bench FOLDER)")
    if args.bench_only:
        return

    alone, ours, count = throughput(args.rounds)
    print(f"parse speed ({count} saved pages x {args.rounds} rounds):")
    print(f"  trafilatura.extract alone  {alone:8.1f} pages/s")
    print(f"  pipeline.parse_html        {ours:8.1f} pages/s   ({ours / alone:.2f}x trafilatura)")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for index, html in enumerate(generated_pages(args.pages)):
            (folder / f"page_{index:04d}.html").write_text(html, encoding="utf-8")
        base = memory("trafilatura", folder)
        ingest = memory("ingest", folder)
    print(f"peak memory, {args.pages} generated pages (fresh process each):")
    for name, (rss, grown, heap, seconds) in (
        ("trafilatura.extract alone", base),
        ("thesis ingest (store)    ", ingest),
    ):
        print(
            f"  {name}  peak RSS {rss:6.1f} MB (+{grown:5.1f} MB over imports), "
            f"Python heap peak {heap:5.1f} MB ({seconds:.1f} s under tracemalloc)"
        )
    growth = f"{ingest[1] / base[1]:.2f}x" if base[1] >= 1 else f"+{ingest[1] - base[1]:.1f} MB"
    print(
        f"  ingest vs trafilatura alone: peak RSS {ingest[0] / base[0]:.2f}x, growth {growth}, "
        f"Python heap peak {ingest[2] / base[2]:.2f}x"
    )

    f1_alone, f1_ours = body_f1()
    print("body-text token F1 on tests/pages (hand-written expected bodies):")
    print(f"  trafilatura.extract alone  {f1_alone:.3f}")
    print(f"  pipeline.parse_html        {f1_ours:.3f}")


if __name__ == "__main__":
    main()
