"""The parser on the public Zyte article-extraction benchmark, against pinned floors."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pipeline.errors import IngestError
from pipeline.ingest.bodyscore import load_bench, score, units
from pipeline.ingest.parse import parse_html

ROOT = Path(__file__).resolve().parents[2]
FLOORS = tomllib.loads((ROOT / "tests" / "quality_floors.toml").read_text())["zyte"]
BENCH = ROOT.parent / "shared" / "bench" / "article-extraction"


def _body(html: str, url: str) -> str:
    try:
        return parse_html(html, url=url).text
    except IngestError:
        return ""


def test_parse_html_meets_the_public_benchmark_floors() -> None:
    pages = load_bench(BENCH)
    bodies = [_body(p.html, p.url) for p in pages]
    every = score(bodies, [p.body for p in pages])
    english = [
        (b, p.body) for b, p in zip(bodies, pages, strict=True) if p.declared_language == "en"
    ]
    en = score([b for b, _ in english], [t for _, t in english])
    assert every.f1 >= FLOORS["body_f1"], (
        f"F1 {every.f1:.3f} (P {every.precision:.3f} R {every.recall:.3f})"
    )
    assert en.f1 >= FLOORS["english_body_f1"], f"English F1 {en.f1:.3f} over {en.pages} pages"


def test_body_metric_counts_shingles_with_multiplicity() -> None:
    assert sum(units("a b c d e").values()) == 2
    assert units("one two") == {("one", "two"): 1}
    perfect = score(["a b c d e"], ["a b c d e"])
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)
    half = score(["a b c d x y z w"], ["a b c d e"])
    assert half.recall == 0.5 and half.precision == 0.2
    empty = score([""], ["a b c d"])
    assert (empty.precision, empty.recall) == (0.0, 0.0)  # no prediction: recall 0
