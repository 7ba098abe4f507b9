"""Start-up cost of the `thesis` command: what a command pays before it does anything.

Each row is a fresh process, run --runs times (rows interleaved, so a busy moment hits
every row alike, after one warm-up run each); printed are the median wall time, the
median CPU time (user + system, from os.wait4) and the median peak RSS. Two baselines
are measured in the same run: the bare interpreter (`python -c pass`) and `import spacy`.
`thesis export claims` on an empty database stands for a command that needs no NLP.
With --baseline-rev REV the thesis rows are measured on that revision too (a temporary
`git worktree`), side by side.

    python benchmarks/bench_startup.py --runs 15
    python benchmarks/bench_startup.py --runs 15 --baseline-rev c78fd41
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from revisions import ROOT, checkout, describe, pythonpath

GOAL_SECONDS = 0.5


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mib: float


def spawn(argv: Sequence[str], env: dict[str, str]) -> Sample:
    """Run one process to the end, output discarded; its own CPU time and peak RSS."""
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], list(argv), env, file_actions=quiet)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def rows(db: Path) -> dict[str, list[str]]:
    """Row label -> argv (the interpreter is this one)."""
    thesis = [sys.executable, "-m", "pipeline", "--db", str(db)]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import spacy'": [sys.executable, "-c", "import spacy"],
        "thesis --help": [*thesis, "--help"],
        "thesis --version": [*thesis, "--version"],
        "thesis export claims (empty db)": [*thesis, "export", "claims"],
    }


def measure(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, list[Sample]]:
    """Every command `runs` times, interleaved, after one warm-up each (migrates the db)."""
    for argv, env in commands.values():
        spawn(argv, env)
    samples: dict[str, list[Sample]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (argv, env) in commands.items():
            samples[label].append(spawn(argv, env))
    return samples


def print_table(samples: dict[str, list[Sample]], runs: int) -> None:
    print(f"medians of {runs} runs: wall and CPU (user+sys) seconds, peak RSS MiB")
    print(f"  {'command':46} {'wall s':>7} {'CPU s':>7} {'RSS MiB':>8} {'wall - bare':>11}")
    bare = statistics.median(s.wall for s in samples["python -c pass"])
    for label, column in samples.items():
        wall = statistics.median(s.wall for s in column)
        cpu = statistics.median(s.cpu for s in column)
        rss = statistics.median(s.rss_mib for s in column)
        print(f"  {label:46} {wall:7.3f} {cpu:7.3f} {rss:8.1f} {wall - bare:11.3f}")
    print(f"goal: thesis --help and no-NLP commands start in under {GOAL_SECONDS} s wall")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="runs per row; medians are kept")
    parser.add_argument("--baseline-rev", help="also measure the thesis rows on this revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="thesis-startup-") as tmp:
        os.chdir(tmp)  # no thesis.toml or thesis.db of the caller's is picked up
        here = pythonpath(ROOT)
        commands = {label: (argv, here) for label, argv in rows(Path(tmp) / "now.db").items()}
        print(f"this checkout: {ROOT}")
        if args.baseline_rev is None:
            print_table(measure(commands, args.runs), args.runs)
            return
        print(f"baseline: {describe(args.baseline_rev)}")
        with checkout(args.baseline_rev) as old:
            for label, argv in rows(Path(tmp) / "old.db").items():
                if label.startswith("thesis"):
                    commands[f"{label} @ {args.baseline_rev}"] = (argv, pythonpath(old))
            print_table(measure(commands, args.runs), args.runs)


if __name__ == "__main__":
    main()
