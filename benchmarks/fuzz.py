"""Fuzz ingest and extraction with generated hostile documents; print inputs, crashes, hangs.

Each input is a document of one class (front matter with wrong types and impossible dates,
text headers, HTML with random structure and JSON-LD, forecast sentences with extreme
numbers and horizons, very long texts, binary noise). An input passes when it is stored
(and extracted without an unexpected error) or refused with an IngestError; a crash is
any other exception, a hang any input over --hang seconds (CPU). Run from the repository
root:

    python benchmarks/fuzz.py --inputs 10000          # about 20 minutes of CPU
    python benchmarks/fuzz.py --inputs 500 --seed 3   # another sample
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYMBOLS = ["IWM", "$NVDA", "the S&P 500", "small caps", "QQQ", "^RUT", "KRE", "Nvidia", "BTC"]
NUMBERS = ["99999999999", "0", "-0", "1e308", "-5", "0.0000001", "1,000,000", "NaN", "inf", "12"]
UNITS = ["days", "weeks", "months", "years", "quarters", "sessions", "decades"]
DATES = ["2024-02-30", "0000-00-00", "9999-12-31", "2024-13-01", "1899-12-31", "2101-01-01"]
YAML_VALUES = ["[1, 2]", "{a: b}", "!!binary aGVsbG8=", "~", "42", "3.5", "yes", "'x'", ": :"]
TAGS = ["div", "p", "span", "article", "main", "li", "ul", "h1", "time", "a", "table", "td"]


def _sentence(rng: random.Random) -> str:
    who = rng.choice(
        ["I expect", "Goldman sees", "We think", "u/x says", "Analysts at Redwood see"]
    )
    n, k = rng.choice(NUMBERS), rng.choice([*NUMBERS, str(rng.randint(-(10**9), 10**12))])
    tail = rng.choice([".", " by year-end.", " into the new year.", " from $118 to $140.", ""])
    return f"{who} {rng.choice(SYMBOLS)} to rally {n}% in the next {k} {rng.choice(UNITS)}{tail}"


def _noise(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(string.printable + "€—’\u200b\ufeff") for _ in range(size))


def _front_matter(rng: random.Random) -> tuple[str, str]:
    keys = rng.sample(["title", "author", "published", "url", "source"], rng.randint(0, 5))
    values = YAML_VALUES + DATES + [_noise(rng, 8), str(rng.randint(-(10**6), 10**6))]
    header = "".join(f"{k}: {rng.choice(values)}\n" for k in keys)
    body = "\n".join(_sentence(rng) for _ in range(rng.randint(1, 6)))
    return "front_matter", f"---\n{header}---\n{body}\n"


def _text_header(rng: random.Random) -> tuple[str, str]:
    return "text_header", f"date {rng.choice(DATES)} {_noise(rng, 10)}\n{_sentence(rng)}\n"


def _html(rng: random.Random) -> tuple[str, str]:
    parts = []
    for _ in range(rng.randint(0, 60)):
        tag = rng.choice(TAGS)
        attrs = " ".join(
            f'{rng.choice(["class", "id", "datetime", "itemprop", "rel"])}="{_noise(rng, 6)}"'
            for _ in range(rng.randint(0, 3))
        ).replace('""', '"x"')
        parts.append(f"<{tag} {attrs}>{rng.choice([_sentence(rng), _noise(rng, 30)])}")
        if rng.random() < 0.6:
            parts.append(f"</{tag}>")
    ld: object = rng.choice(
        [
            {"@graph": rng.choice([5, "x", None, [1, {"@type": "Article"}]])},
            {"@type": "NewsArticle", "author": rng.choice([5, [], {}, ["a", 3]]), "headline": 7},
            "[" * rng.randint(1, 3000) + "]" * rng.randint(0, 3000),
            {"datePublished": rng.choice(DATES)},
        ]
    )
    script = ld if isinstance(ld, str) else json.dumps(ld)
    head = f'<title>{_noise(rng, 20)}</title><script type="application/ld+json">{script}</script>'
    return "html", f"<html><head>{head}</head><body>{''.join(parts)}</body></html>"


def _long(rng: random.Random) -> tuple[str, str]:
    lines = [f"Note {i}: " + _noise(rng, 60) for i in range(rng.randint(200, 800))]
    return "long_text", "Long note\n" + "\n".join(lines) + "\n" + _sentence(rng) + "\n"


def _binary(rng: random.Random) -> tuple[str, str]:
    return "noise", "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 400)))


GENERATORS: list[Callable[[random.Random], tuple[str, str]]] = [
    _front_matter,
    _front_matter,
    _text_header,
    _html,
    _html,
    _long,
    _binary,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hang", type=float, default=10.0, help="CPU seconds that count as a hang")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from pipeline.errors import IngestError
    from pipeline.extract.claims import extract_each, make_nlp
    from pipeline.ingest.parse import parse_html, parse_text
    from pipeline.models import Failure
    from pipeline.settings import Settings

    settings = Settings()
    nlp = make_nlp(settings)
    rng = random.Random(args.seed)
    tried: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    crashes: list[str] = []
    hangs: list[str] = []
    slowest = (0.0, "")
    started = time.process_time()
    for index in range(args.inputs):
        kind, document = rng.choice(GENERATORS)(rng)
        tried[kind] += 1
        begin = time.process_time()
        try:
            if kind == "html":
                article = parse_html(document, location=f"fuzz-{index}.html")
            else:
                article = parse_text(document, f"fuzz-{index}.md", "markdown")
            results = [r for _, r in extract_each([article], settings, nlp)]
            unexpected = [
                r.reason for r in results if isinstance(r, Failure) and "unexpected" in r.reason
            ]
            if unexpected:
                crashes.append(f"{kind} #{index}: {unexpected[0][:200]}")
                outcomes["crash"] += 1
            else:
                outcomes["stored"] += 1
        except IngestError:
            outcomes["refused"] += 1
        except Exception:
            outcomes["crash"] += 1
            crashes.append(f"{kind} #{index}: {traceback.format_exc(limit=3)[-300:]}")
        spent = time.process_time() - begin
        slowest = max(slowest, (spent, f"{kind} #{index}"))
        if spent > args.hang:
            hangs.append(f"{kind} #{index}: {spent:.1f} s")
    total = time.process_time() - started
    print(f"fuzz: {args.inputs} inputs (seed {args.seed}) in {total:.1f} s CPU")
    print("  by class: " + ", ".join(f"{k} {v}" for k, v in sorted(tried.items())))
    print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"  crashes: {len(crashes)}; hangs (over {args.hang:g} s CPU): {len(hangs)}")
    print(f"  slowest input: {slowest[1]} at {slowest[0]:.2f} s CPU")
    for line in (crashes + hangs)[:20]:
        print("   ", line)
    return 1 if crashes or hangs else 0


if __name__ == "__main__":
    raise SystemExit(main())
