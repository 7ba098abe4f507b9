"""A large store in minutes: copies of a smaller one's articles, claims and outcomes.

Extracting 100,000 generated articles takes hours on two cores (bench_scale measures
that). What the track and report stages cost at that size depends on how many claims,
outcomes and articles the store holds, not on how they got there, so this builds an
N-times store from one that was ingested, extracted and tracked for real:

    python benchmarks/replicate.py W/n2000.db W/n100000.db 50
    python benchmarks/bench_scale.py --sizes 100000 --workdir W --stages report

Copy k of every article, claim and outcome has `-k` appended to its ids (and to the
article's location and fingerprint); dates, forecasters, symbols and texts are the
original's, so each forecaster has N times the calls. The copies' change numbers come
from the store's own triggers. The near-duplicate index keeps the originals only.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
from pathlib import Path

#: Per table, the columns whose values are made distinct per copy.
DISTINCT = {
    "articles": ("article_id", "location", "fingerprint"),
    "claims": ("claim_id", "article_id"),
    "outcomes": ("claim_id",),
}


def replicate(source: Path, target: Path, copies: int) -> dict[str, int]:
    """`target`: `source` and copies-1 more of its articles, claims and outcomes; the
    row count of each table."""
    if copies < 1:
        raise SystemExit("copies must be at least 1")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as db:  # one file, whatever the journal held
        db.execute("pragma wal_checkpoint(truncate)")
    shutil.copy(source, target)
    db = sqlite3.connect(target)
    try:
        with db:
            for table, distinct in DISTINCT.items():
                columns = [row[1] for row in db.execute(f"pragma table_info({table})")]
                chosen = ", ".join(f"{c} || '-' || k.n" if c in distinct else c for c in columns)
                db.execute(
                    f"with recursive k(n) as (select 1 union all select n + 1 from k "
                    f"where n < ?) insert into {table} ({', '.join(columns)}) "
                    f"select {chosen} from {table}, k",
                    [copies - 1],
                )
        return {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in DISTINCT}
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a store that was extracted and tracked")
    parser.add_argument("target", type=Path, help="the store to write (replaced)")
    parser.add_argument("copies", type=int, help="how many times the source's rows")
    args = parser.parse_args()
    counts = replicate(args.source, args.target, args.copies)
    print(", ".join(f"{table}: {n:,}" for table, n in counts.items()))


if __name__ == "__main__":
    main()
