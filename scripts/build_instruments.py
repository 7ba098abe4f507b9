"""Build pipeline/extract/data/listings.csv: every stock and ETF listed on a US exchange.

Source: the SEC's ticker/exchange list (company_tickers_exchange), as shipped inside the
`edgartools` wheel (edgar/reference/data/company_tickers.parquet, MIT). Install it with
`pip install -e ".[listings]"`, or pass --source with a parquet of the same columns or the
SEC's own company_tickers_exchange.json. OTC quotes are left out.

One-word names that are dictionary words (a Debian `wamerican` word list, --words) are
listed again in `word_names` for all but the largest registrants. symbol, name (as listed), everyday (names writers use, "|"-separated, on
the first ticker of each registrant only), word_names, kind (stock/etf), exchange.

    python scripts/build_instruments.py            # rewrites the shipped file
    python scripts/build_instruments.py --source company_tickers_exchange.json -o out.csv
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS as STOP

from pipeline.extract.names import everyday_names, listing_kind

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "pipeline" / "extract" / "data" / "listings.csv"
EXCHANGES = {"Nasdaq": "NASDAQ", "NYSE": "NYSE", "CBOE": "CBOE"}
#: For registrants ranked below this (the SEC lists larger ones first), one-word names that
#: are also dictionary words ("Tenable", "Alpha", "City") go in `word_names` too: they count
#: only mid-sentence, outside headlines. "Apple" and "Oracle" count anywhere.
WORD_NAME_RANK = 500
#: Common shares and share classes (BRK-B); not preferreds (BAC-PB), warrants or units.
SYMBOL = re.compile(r"[A-Z]{1,5}(?:-[A-Z])?")


def edgartools_source() -> tuple[Path, str]:
    """The parquet inside the installed edgartools package, without importing it."""
    spec = importlib.util.find_spec("edgar")
    if spec is None or not spec.submodule_search_locations:
        sys.exit('edgartools is not installed: pip install -e ".[listings]", or pass --source')
    path = (
        Path(next(iter(spec.submodule_search_locations))) / "reference/data/company_tickers.parquet"
    )
    return path, f"edgartools {importlib.metadata.version('edgartools')} {path.name}"


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of cik, ticker, exchange, name from a parquet or the SEC's JSON."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = data["fields"]
        return [dict(zip(fields, (str(v) for v in row), strict=True)) for row in data["data"]]
    import pyarrow.parquet as pq

    return [{k: str(v or "") for k, v in r.items()} for r in pq.read_table(path).to_pylist()]


def read_words(path: Path) -> frozenset[str]:
    """Lower-case dictionary words (proper nouns, which the list capitalises, are left out)."""
    if not path.exists():
        sys.exit(f"no word list at {path}: apt-get install wamerican, or pass --words")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return frozenset(w for w in lines if w.islower() and "'" not in w)


def listings(rows: list[dict[str, str]], words: frozenset[str]) -> list[dict[str, str]]:
    """Listed common shares, one row per symbol; everyday names on each registrant's first."""
    symbols = {r["ticker"] for r in rows}
    seen_cik: set[str] = set()
    taken: set[str] = set()  # the SEC lists larger registrants first: they keep a shared name
    out: dict[str, dict[str, str]] = {}
    for rank, row in enumerate(rows):
        symbol, exchange = row["ticker"].upper(), EXCHANGES.get(row["exchange"])
        if not exchange or not SYMBOL.fullmatch(symbol) or symbol in out:
            continue
        if len(symbol) == 5 and symbol[-1] in "WURZ" and symbol[:4] in symbols:
            continue  # a warrant, unit or right of a listed share
        name = " ".join(row["name"].split())
        names = [] if row["cik"] in seen_cik else everyday_names(name)
        names = [n for n in names if n not in taken and n[0].isupper() and n.lower() not in STOP]
        taken.update(names)
        seen_cik.add(row["cik"])
        plain = [n for n in names if rank >= WORD_NAME_RANK and n.lower() in words]
        everyday = "|".join(names)
        kind = listing_kind(name)
        out[symbol] = {
            "symbol": symbol,
            "name": name,
            "everyday": everyday,
            "word_names": "|".join(plain),
            "kind": kind,
            "exchange": exchange,
        }
    return sorted(out.values(), key=lambda r: r["symbol"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="parquet or SEC JSON (default: edgartools)")
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/words"))
    args = parser.parse_args()
    source, label = (args.source, args.source.name) if args.source else edgartools_source()
    rows = listings(read_rows(source), read_words(args.words))
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        handle.write(
            f"# built by scripts/build_instruments.py from {label}; {len(rows)} listings\n"
        )
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    kinds = {k: sum(r["kind"] == k for r in rows) for k in ("stock", "etf")}
    size = args.output.stat().st_size
    print(f"wrote {len(rows)} listings ({kinds}) to {args.output}, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
