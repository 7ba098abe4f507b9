"""Scale: what each stage costs on a database of N articles, and what a daily batch costs.

Generates N distinct market-commentary articles (benchmarks/articles.py: Markdown with
front matter, 3-8 KB, forecasts among filler paragraphs) and runs the real pipeline on
them, one stage per fresh child process: ingest, extract, track (which loads the prices
from --prices into the cache first), report; parsing and extraction in --workers processes
(default 1: this process alone, the cost on one core; with more, the CPU columns miss the
worker processes, which the child does not reap: compare wall times). Per stage it prints
the CPU seconds spent in the stage (getrusage, imports excluded), articles/s, and the child's
whole-process CPU and peak RSS (os.wait4). Then the daily-batch ratio: the same 100 new
articles (the next day's: published in the corpus' last week) run through the four stages
on a copy of the N-article database and its report folder (as the next day's run finds
them), against the same batch on an empty database; both with the next day's prices (each
series one business day longer, in a copy of --prices; --same-prices for none).
Last, extraction articles/s by article length (a sample of the corpus plus a few long
articles of 20-90 KB), to show whether extraction is linear in length; with
--baseline-rev REV the same measurement runs on that revision too (a temporary
`git worktree`), side by side.

    python benchmarks/bench_scale.py --sizes 1000 10000
    python benchmarks/bench_scale.py --sizes 1000 --baseline-rev a22ebca
    python benchmarks/bench_scale.py --sizes 1000 10000 --with-100k
    python benchmarks/bench_scale.py --sizes 100000 --workdir W --stages extract track report
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from articles import LAST, ArticleWriter
from revisions import ROOT, checkout, describe, pythonpath

SCRIPT = Path(__file__).resolve()
PRICES = ROOT.parent / "shared" / "prices"  # beside the main checkout: ../shared/prices
STAGES = ("ingest", "extract", "track", "report")
#: What the report keeps beside the database (pipeline/report/source.py, SUMMARY_CACHE):
#: the next day's run finds it there.
KEPT_SUMMARY = "-report-summary.arrow"
BATCH = 100
PART = 1000  # articles per folder
#: Length buckets for extraction, upper bounds in KB.
BUCKETS = ((4, "<4 KB"), (8, "4-8 KB"), (20, "8-20 KB"), (float("inf"), "20-90 KB"))
LONG_KB = (20, 35, 50, 65, 80, 90)


@dataclass(frozen=True)
class StageRun:
    stage: str
    cpu: float  # in the stage, as the child measured it
    wall: float
    process_cpu: float  # the whole child, start-up and imports included
    rss_mib: float
    result: dict[str, Any]


# --- the corpus ---------------------------------------------------------------------------


def write_corpus(writer: ArticleWriter, folder: Path, first: int, count: int) -> list[Path]:
    """Articles first..first+count-1, in folders of PART, sizes drawn from 3 to 8 KB."""
    paths = []
    for i in range(first, first + count):
        part = folder / f"part-{i // PART:03d}"
        part.mkdir(parents=True, exist_ok=True)
        path = part / f"article-{i:06d}.md"
        if not path.exists():
            size = random.Random(f"size-{writer.seed}-{i}").randint(3_000, 8_000)
            path.write_text(writer.article(i, size), encoding="utf-8")
        paths.append(path)
    return paths


def next_day_prices(prices: Path, folder: Path) -> Path:
    """A copy of the price folder with one more business day in every series (the last
    close moved by 0.1%): what the next day's run finds."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in prices.iterdir():
        if source.suffix != ".csv" or source.name == "splits.csv":
            if source.is_file():
                shutil.copy(source, folder / source.name)
            continue
        lines = source.read_text(encoding="utf-8").splitlines()
        header, last = lines[0].split(","), lines[-1].split(",")
        row = dict(zip(header, last, strict=True))
        day = date.fromisoformat(row["date"]) + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        row["date"] = day.isoformat()
        for name in ("open", "high", "low", "close", "adj_close"):
            if row.get(name):
                row[name] = f"{float(row[name]) * 1.001:.4f}"
        lines.append(",".join(row[name] for name in header))
        (folder / source.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def parts(folder: Path, count: int) -> list[Path]:
    return [folder / f"part-{p:03d}" for p in range(-(-count // PART))]


# --- one stage in a fresh process ------------------------------------------------------------


def spawn(argv: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Run a child to the end; its stdout, CPU seconds (user+sys) and peak RSS in MiB."""
    with tempfile.TemporaryFile() as out:
        pid = os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1)],
        )
        _, status, usage = os.wait4(pid, 0)
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{text}")
    return text, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_stage(
    stage: str, db: Path, sources: list[Path], out: Path, prices: Path, workers: int
) -> StageRun:
    argv = [sys.executable, str(SCRIPT), "_stage", stage, str(db), str(out), str(prices)]
    argv.append(str(workers))
    text, cpu, rss = spawn([*argv, *map(str, sources)], pythonpath(ROOT))
    result = json.loads(text.splitlines()[-1])
    return StageRun(stage, result.pop("cpu"), result.pop("wall"), cpu, rss, result)


def child_stage(
    stage: str, db: str, out: str, prices: str, workers: str, sources: list[str]
) -> None:
    """In the child: run one stage with the real pipeline API; print its cost as JSON.
    The stage's CPU counts this process and any child it waited for."""
    from dataclasses import fields

    from pipeline import run as stages
    from pipeline.settings import Settings
    from pipeline.store.database import Store

    settings = Settings(progress=False, db_path=Path(db)).with_overrides(
        prices={"dir": Path(prices)}, report={"out_dir": Path(out)}
    )
    if "workers" in {f.name for f in fields(Settings)}:
        settings = settings.with_overrides(workers=int(workers))
    cpu, wall = _cpu_with_children(), time.perf_counter()
    store = Store(Path(db))
    if stage == "ingest":
        summary = stages.ingest(store, [Path(s) for s in sources], settings)
    elif stage == "extract":
        summary = stages.extract(store, settings)
    elif stage == "track":
        summary = stages.track(store, settings)
    else:
        summary = stages.report(store, settings)
    result = {
        "cpu": _cpu_with_children() - cpu,
        "wall": time.perf_counter() - wall,
        "new": summary.articles_new,
        "duplicates": summary.duplicates,
        "claims": summary.claims_new,
        "outcomes": summary.outcomes,
        "pages": summary.pages,
        "failures": dict(Counter(f.stage for f in summary.failures)),
    }
    print(json.dumps(result))


def _cpu_with_children() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_stages(
    db: Path,
    sources: list[Path],
    out: Path,
    prices: Path,
    workers: int,
    stages: tuple[str, ...] = STAGES,
) -> dict[str, StageRun]:
    """Each stage in turn; a line as each ends, so a run stopped part-way still tells."""
    runs = {}
    for stage in stages:
        runs[stage] = run = run_stage(stage, db, sources, out, prices, workers)
        print(
            f"  ({db.name}: {stage} took {run.cpu:.1f} CPU s, {run.wall:.1f} s wall, "
            f"peak RSS {run.rss_mib:.0f} MiB; {_result(run)})",
            flush=True,
        )
    return runs


# --- printing ---------------------------------------------------------------------------------


def print_stages(n: int, runs: dict[str, StageRun]) -> None:
    print(f"\nN = {n:,} articles")
    print(
        f"  {'stage':8} {'CPU s':>8} {'wall s':>8} {'articles/s':>11} {'process CPU s':>14} "
        f"{'peak RSS MiB':>13}  result"
    )
    for run in runs.values():
        print(
            f"  {run.stage:8} {run.cpu:8.1f} {run.wall:8.1f} {n / run.cpu:11.1f} "
            f"{run.process_cpu:14.1f} {run.rss_mib:13.0f}  {_result(run)}"
        )
    total = sum(r.cpu for r in runs.values())
    print(f"  {'all':8} {total:8.1f} {'':8} {n / total:11.1f}")


def _result(run: StageRun) -> str:
    r = run.result
    text = {
        "ingest": f"{r['new']} new, {r['duplicates']} duplicates",
        "extract": f"{r['claims']} claims",
        "track": ", ".join(f"{k} {v}" for k, v in sorted(r["outcomes"].items())),
        "report": f"{r['pages']} pages",
    }[run.stage]
    failed = dict(r["failures"])
    if unpriced := failed.pop("prices", 0):
        text += f"; {unpriced} symbols have no price file"
    return text + "".join(f"; {n} failed in {stage}" for stage, n in failed.items())


def print_batch(n: int, on_n: dict[str, StageRun], on_empty: dict[str, StageRun]) -> None:
    print(f"\ndaily batch: {BATCH} new articles on a database of {n:,} versus on an empty one")
    print(f"  {'stage':8} {'CPU s on N':>11} {'CPU s on empty':>15} {'ratio':>7}")
    for stage in STAGES:
        a, b = on_n[stage].cpu, on_empty[stage].cpu
        print(f"  {stage:8} {a:11.2f} {b:15.2f} {a / b:7.1f}")
    a = sum(r.cpu for r in on_n.values())
    b = sum(r.cpu for r in on_empty.values())
    print(f"  {'all':8} {a:11.2f} {b:15.2f} {a / b:7.1f}")


# --- extraction by article length -------------------------------------------------------------


def bucket_sample(corpus: list[Path], writer: ArticleWriter, folder: Path, per: int) -> list[Path]:
    """Up to `per` corpus articles from each length bucket, and the long articles."""
    chosen: list[Path] = []
    low = 0.0
    for high, _ in BUCKETS[:-1]:
        inside = [p for p in corpus if low <= p.stat().st_size / 1024 < high]
        chosen += inside[:per]
        low = high
    folder.mkdir(parents=True, exist_ok=True)
    for k, kb in enumerate(LONG_KB):
        path = folder / f"long-{kb:02d}kb.md"
        path.write_text(writer.article(9_000_000 + k, kb * 1024), encoding="utf-8")
        chosen.append(path)
    return chosen


def measure_buckets(root: Path, paths: list[Path], repeat: int) -> dict[str, list[float]]:
    """Per-article extraction CPU seconds, from a child on the checkout at `root`."""
    listing = Path(tempfile.mkstemp(suffix=".txt")[1])
    listing.write_text("\n".join(map(str, paths)), encoding="utf-8")
    argv = [sys.executable, str(SCRIPT), "_buckets", str(listing), str(repeat)]
    text, _, _ = spawn(argv, pythonpath(root))
    listing.unlink()
    times: dict[str, list[float]] = json.loads(text.splitlines()[-1])
    return times


def child_buckets(listing: str, repeat: str) -> None:
    """In the child: each article's median extraction CPU time over `repeat` runs, with
    the NER fallback off ("rules") and with the revision's default settings ("default")."""
    from dataclasses import fields

    from pipeline.extract.claims import claims_from_doc, make_nlp
    from pipeline.ingest.documents import read_document
    from pipeline.settings import ExtractSettings, Settings

    articles = [read_document(Path(p)) for p in Path(listing).read_text("utf-8").splitlines()]
    modes = {"default": Settings(progress=False)}
    if "use_ner" in {f.name for f in fields(ExtractSettings)}:
        modes["rules"] = modes["default"].with_overrides(extract={"use_ner": False})
    out = {}
    for name, settings in modes.items():
        nlp = make_nlp(settings)
        claims_from_doc(nlp(articles[0].text), articles[0], settings)  # warm up
        columns = []
        for _ in range(int(repeat)):
            column = []
            for article in articles:
                start = time.process_time()
                claims_from_doc(nlp(article.text), article, settings)
                column.append(time.process_time() - start)
            columns.append(column)
        out[name] = [statistics.median(c) for c in zip(*columns, strict=True)]
    print(json.dumps(out))


def print_buckets(paths: list[Path], results: dict[str, dict[str, list[float]]]) -> None:
    kb = [p.stat().st_size / 1024 for p in paths]
    rows = [(label, mode, t) for label, modes in results.items() for mode, t in modes.items()]
    pair = _like_for_like(results)
    print("\nextraction by article length: articles/s (ms per KB), CPU, median per article")
    header = "".join(f" {f'{r} {m}':>22}" for r, m, _ in rows)
    print(f"  {'bucket':9} {'articles':>8} {'mean KB':>8}{header}" + ("  speed-up" if pair else ""))
    low = 0.0
    for high, label in BUCKETS:
        picked = [i for i, size in enumerate(kb) if low <= size < high]
        low = high
        if not picked:
            continue
        size = sum(kb[i] for i in picked)
        cells = ""
        for _, _, t in rows:
            seconds = sum(t[i] for i in picked)
            cells += f" {len(picked) / seconds:12.1f} ({1000 * seconds / size:6.2f})"
        if pair:
            now, old = (sum(t[i] for i in picked) for t in pair[1:])
            cells += f"  {old / now:7.1f}x"
        print(f"  {label:9} {len(picked):8} {size / len(picked):8.1f}" + cells)
    if pair:
        text, now, old = pair
        print(f"  whole sample, {text}: {sum(old) / sum(now):.1f}x as fast")


def _like_for_like(
    results: dict[str, dict[str, list[float]]],
) -> tuple[str, list[float], list[float]] | None:
    """Today's and the baseline's rules-only times (a revision without the NER setting
    extracts with rules only by default), with what is compared."""
    if len(results) != 2:
        return None
    (now, a), (old, b) = results.items()
    mode = "rules" if "rules" in b else "default"
    return f"{now} rules versus {old} {mode} (rules only)", a["rules"], b[mode]


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_stage":
        stage, db, out, prices, workers, *sources = sys.argv[2:]
        child_stage(stage, db, out, prices, workers, sources)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_buckets":
        child_buckets(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="values of N")
    parser.add_argument("--with-100k", action="store_true", help="also N = 100,000 (hours)")
    parser.add_argument("--prices", type=Path, default=PRICES, help="folder of daily price CSVs")
    parser.add_argument("--workdir", type=Path, help="keep corpora and databases here")
    parser.add_argument("--baseline-rev", help="also measure extraction by length on REV")
    parser.add_argument("--per-bucket", type=int, default=40, help="corpus articles per bucket")
    parser.add_argument("--repeat", type=int, default=1, help="runs per article (buckets)")
    parser.add_argument("--skip-stages", action="store_true", help="only the length buckets")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes that parse and extract (0: one per core); CPU columns need 1",
    )
    parser.add_argument(
        "--same-prices",
        action="store_true",
        help="run the daily batch on the same prices (default: one more day of closes)",
    )
    parser.add_argument(
        "--stages",
        nargs="+",
        choices=STAGES,
        default=list(STAGES),
        help="stages to run on the N-article database (with --workdir: go on with a database "
        "a stopped run left there; the daily batch always runs all four)",
    )
    args = parser.parse_args()
    if not (args.prices / "SPY.csv").is_file():
        parser.error(f"no price files in {args.prices}: pass --prices DIR (../shared/prices)")
    args.prices = args.prices.resolve()
    sizes = sorted(set(args.sizes + ([100_000] if args.with_100k else [])))
    with tempfile.TemporaryDirectory(prefix="thesis-scale-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        os.chdir(work)
        run(args, sizes, work)


def _link(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


def _remove_database(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", KEPT_SUMMARY):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def run(args: argparse.Namespace, sizes: list[int], work: Path) -> None:
    writer = ArticleWriter(args.prices, seed=1)
    corpus = work / "corpus"
    start = time.perf_counter()
    paths = write_corpus(writer, corpus, 0, max(sizes))
    # the next day's articles: published in the last week the corpus covers
    daily = ArticleWriter(args.prices, seed=2, days=(LAST - timedelta(days=7), LAST))
    write_corpus(daily, work / "daily", 0, BATCH)
    kb = [p.stat().st_size / 1024 for p in paths]
    print(
        f"corpus: {len(paths):,} articles, {min(kb):.1f}-{max(kb):.1f} KB (mean {statistics.mean(kb):.1f}), "
        f"written in {time.perf_counter() - start:.0f} s; batch: {BATCH} more; prices: {args.prices}"
    )
    if not args.skip_stages:
        print(f"workers: {args.workers} (processes that parse and extract; 0: one per core)")
        batch = parts(work / "daily", BATCH)
        daily_prices = args.prices
        if not args.same_prices:
            daily_prices = next_day_prices(args.prices, work / "prices-next-day")
        _remove_database(work / "empty.db")  # a stopped run's, in a kept --workdir
        shutil.rmtree(work / "r-empty", ignore_errors=True)
        empty = run_stages(work / "empty.db", batch, work / "r-empty", daily_prices, args.workers)
        for n in sizes:
            db = work / f"n{n}.db"
            sources = parts(corpus, n)
            runs = run_stages(
                db, sources, work / f"r-{n}", args.prices, args.workers, tuple(args.stages)
            )
            print_stages(n, runs)
            copy = work / f"n{n}-batch.db"  # the next day: the same database and report
            _remove_database(copy)
            for suffix in ("", "-wal", "-shm", KEPT_SUMMARY):
                if Path(f"{db}{suffix}").exists():
                    shutil.copy(f"{db}{suffix}", f"{copy}{suffix}")
            shutil.rmtree(work / f"r-{n}-batch", ignore_errors=True)
            # the report replaces its files (a new file moved over the old), never writes
            # into one, so a copy of hard links is the folder as the next day finds it
            shutil.copytree(work / f"r-{n}", work / f"r-{n}-batch", copy_function=_link)
            on_n = run_stages(copy, batch, work / f"r-{n}-batch", daily_prices, args.workers)
            print_batch(n, on_n, empty)
            sys.stdout.flush()
    sample = bucket_sample(paths[:PART], writer, work / "long", args.per_bucket)
    results = {"today": measure_buckets(ROOT, sample, args.repeat)}
    if args.baseline_rev:
        print(f"\nbaseline revision: {describe(args.baseline_rev)}")
        with checkout(args.baseline_rev) as old:
            results[args.baseline_rev] = measure_buckets(old, sample, args.repeat)
    print_buckets(sample, results)


if __name__ == "__main__":
    main()
