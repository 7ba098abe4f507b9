"""A large store in minutes: copies of a smaller one's articles, claims and outcomes.

Extracting 100,000 generated articles takes hours on two cores (bench_scale measures
that). What the track and report stages cost at that size depends on how many claims,
outcomes and articles the store holds, not on how they got there, so this builds an
N-times store from one that was ingested, extracted and tracked for real:

    python benchmarks/replicate.py W/n2000.db W/n100000.db 50
    python benchmarks/bench_scale.py --sizes 100000 --workdir W --stages report

Copy k of every article, claim and outcome has `-k` appended to its ids (and to the
article's location); dates, forecasters, symbols and texts are the original's, so each
forecaster has N times the calls. The copies' change numbers come from the store's own
triggers. Each copy's MinHash fingerprint is the original's with every value xor-ed by a
mask of its own, so copies are as far apart as distinct articles are (the same text
would make every copy a candidate of every other), and every article joins the store's
near-copy index as ingest would have put it there: a new article then meets an index
of N originals, as on a store that was ingested for real.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
from hashlib import blake2b
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's pipeline

from pipeline.ingest.dedupe import article_keys
from pipeline.store import Store

#: Per table, the columns whose values are made distinct per copy.
DISTINCT = {
    "articles": ("article_id", "location"),
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
            _distinct_fingerprints(db)
        counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in DISTINCT}
    finally:
        db.close()
    counts["dedupe_keys"] = index_originals(target)
    return counts


def _distinct_fingerprints(db: sqlite3.Connection) -> None:
    """Xor each copy's fingerprint values with a mask drawn from the copy's number (the
    suffix its article id got)."""
    rows = db.execute(
        "select article_id, fingerprint from articles where fingerprint is not null "
        "and article_id like '%-%'"
    ).fetchall()
    masks: dict[str, np.ndarray] = {}
    updates = []
    for article_id, print_ in rows:
        copy = article_id.rsplit("-", 1)[1]
        values = np.frombuffer(bytes.fromhex(print_), dtype="<u4")
        if copy not in masks:
            seed = int.from_bytes(blake2b(copy.encode(), digest_size=8).digest())
            masks[copy] = np.random.default_rng(seed).integers(
                0, 2**32, len(values), dtype=np.uint32
            )
        updates.append(((values ^ masks[copy]).astype("<u4").tobytes().hex(), article_id))
    db.executemany("update articles set fingerprint = ? where article_id = ?", updates)


def index_originals(target: Path) -> int:
    """Put every original article not yet in the near-copy index there, as ingest does for
    articles stored before the index existed; returns the index's size."""
    store = Store(target)
    try:
        for stored in store.originals_without_keys():
            store.save_article_keys([article_keys(*row) for row in stored])
        (size,) = store.db.execute("select count(*) from dedupe_keys").fetchone()
        return int(size)
    finally:
        store.close()


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
