"""Body-text scoring on an article-extraction benchmark (the Zyte benchmark's metric).

Input: a benchmark folder laid out as `../shared/bench/article-extraction` is
(`ground-truth.json` with `{id: {"articleBody", "url"}}`, pages in `html/<id>.html.gz`) and
the extracted bodies. Output: precision, recall and F1 as the benchmark's authors define
them. Pure apart from reading the folder.

Metric: words are `\\w+` matches; units are overlapping 4-word shingles counted with
multiplicity; per page TP = shared units. Precision is the mean of TP/predicted over pages
with a non-empty prediction, recall the mean of TP/truth over pages with a non-empty
truth (an empty prediction counts as recall 0), F1 is 2PR/(P+R) of the two means.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

WORD = re.compile(r"\w+")
SHINGLE = 4
HTML_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2})", re.IGNORECASE)


@dataclass(frozen=True)
class BenchPage:
    page_id: str
    url: str
    html: str
    body: str

    @property
    def declared_language(self) -> str | None:
        """The language `<html lang>` declares (missing or wrong on some real pages)."""
        match = HTML_LANG.search(self.html[:20000])
        return match.group(1).lower() if match else None


@dataclass(frozen=True)
class BodyScore:
    precision: float
    recall: float
    pages: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def load_bench(folder: Path) -> list[BenchPage]:
    """The benchmark's pages in id order.

    Raises:
        FileNotFoundError: the folder has no ground-truth.json (name the folder to fix).
    """
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        raise FileNotFoundError(f"{truth_file} not found: pass the benchmark's folder")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    pages = []
    for page_id, entry in sorted(truth.items()):
        raw = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append(
            BenchPage(
                page_id, entry.get("url", ""), raw.decode("utf-8", "replace"), entry["articleBody"]
            )
        )
    return pages


def units(text: str) -> Counter[tuple[str, ...]]:
    """The text's 4-word shingles with their counts (one unit for a shorter text)."""
    words = WORD.findall(text)
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def score(predicted: Sequence[str], truth: Sequence[str]) -> BodyScore:
    """Precision, recall (and F1) of predicted bodies against the true ones, page by page."""
    precisions, recalls = [], []
    for guess, gold in zip(predicted, truth, strict=True):
        got, want = units(guess or ""), units(gold)
        shared = sum((got & want).values())
        if got:
            precisions.append(shared / sum(got.values()))
        if want:
            recalls.append(shared / sum(want.values()))
    mean_p = sum(precisions) / len(precisions) if precisions else 0.0
    mean_r = sum(recalls) / len(recalls) if recalls else 0.0
    return BodyScore(mean_p, mean_r, len(truth))
