"""Catalysts and risks: label the reasons an article gives for (and against) its call.

Input: the article's paragraphs. Output: `Tag`s (label, matched text) on each side.
Section headings ("Risks", "Bull Case") decide the side of what follows them; outside
a section, risk words do. Taxonomy and cues live in data/taxonomy.toml.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sklearn.pipeline import Pipeline

from pipeline.models import Tag

HEADING_MAX_WORDS = 8
#: The classifier adds a label when its probability for a sentence reaches this (19 classes,
#: so 0.25 is four times chance; chosen on corpus/gold, the seeds gold held out: see README).
CLASSIFIER_THRESHOLD = 0.25


@dataclass(frozen=True)
class Taxonomy:
    catalyst_section: re.Pattern[str]
    risk_section: re.Pattern[str]
    risk_words: re.Pattern[str]
    catalyst: dict[str, re.Pattern[str]]
    risk: dict[str, re.Pattern[str]]


@cache
def load_taxonomy() -> Taxonomy:
    raw = tomllib.loads(
        resources.files("pipeline.extract").joinpath("data", "taxonomy.toml").read_text("utf-8")
    )
    i = re.IGNORECASE

    def alt(words: list[str]) -> str:
        return "|".join(words)

    return Taxonomy(
        catalyst_section=re.compile(rf"^\W*(?:{alt(raw['sections']['catalyst'])})\b", i),
        risk_section=re.compile(rf"^\W*(?:{alt(raw['sections']['risk'])})\b", i),
        risk_words=re.compile(rf"\b(?:{alt(raw['risk_words'])})\b", i),
        catalyst={k: re.compile(rf"\b(?:{alt(v)})", i) for k, v in raw["catalyst"].items()},
        risk={k: re.compile(rf"\b(?:{alt(v)})", i) for k, v in raw["risk"].items()},
    )


def is_heading(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= HEADING_MAX_WORDS and not line.rstrip().endswith(
        (".", "!", "?", ":", ",")
    )


def is_headline(line: str) -> bool:
    """A heading in title case ("Small Caps Lead the Way") or marked with "#": a
    headline that repeats the body. A short lowercase line ("$TSLA PT 300 by march") is a
    post, not a headline."""
    if not is_heading(line):
        return False
    if line.lstrip().startswith("#"):
        return True
    long_words = [w for w in line.split() if len(w) > 3 and w[0].isalpha()]
    capitalised = sum(1 for w in long_words if w[0].isupper())
    return bool(long_words) and capitalised >= 0.6 * len(long_words)


def tags_from_paragraphs(paragraphs: list[str]) -> tuple[tuple[Tag, ...], tuple[Tag, ...]]:
    """Catalysts and risks named in an article, one tag per label, first mention kept."""
    tax = load_taxonomy()
    section: str | None = None
    catalysts: dict[str, Tag] = {}
    risks: dict[str, Tag] = {}
    for para in paragraphs:
        line = para.strip()
        if not line:
            continue
        if is_heading(line) or (re.match(r"^\d+\.\s", line) and is_heading(line[3:])):
            if tax.risk_section.search(line):
                section = "risk"
                continue
            if tax.catalyst_section.search(line):
                section = "catalyst"
                continue
            if not re.match(r"^\d+\.", line):
                section = None
        side = section or ("risk" if tax.risk_words.search(line) else "catalyst")
        table, found = (tax.risk, risks) if side == "risk" else (tax.catalyst, catalysts)
        for label, pattern in table.items():
            if label not in found and (m := pattern.search(line)):
                found[label] = Tag(label, _phrase(line, m.start(), m.end()))
    return tuple(catalysts.values()), tuple(risks.values())


def classifier_tags(
    sentences: list[str], classifier: Pipeline, known: tuple[tuple[Tag, ...], tuple[Tag, ...]]
) -> tuple[tuple[Tag, ...], tuple[Tag, ...]]:
    """Add the labels the cue rules missed where the classifier is confident about a sentence."""
    catalysts = {t.label: t for t in known[0]}
    risks = {t.label: t for t in known[1]}
    candidates = [s for s in sentences if not is_heading(s) and not s.endswith("?")]
    if not candidates:
        return known
    probabilities = classifier.predict_proba(candidates)
    classes = list(classifier.classes_)
    for sentence, row in zip(candidates, probabilities, strict=True):
        best = int(row.argmax())
        target = str(classes[best])
        if target == "none" or row[best] < CLASSIFIER_THRESHOLD:
            continue
        side, label = target.split(":", 1)
        found = risks if side == "risk" else catalysts
        found.setdefault(label, Tag(label, sentence))
    return tuple(catalysts.values()), tuple(risks.values())


def _phrase(line: str, start: int, end: int, width: int = 60) -> str:
    """The matched cue with a little context, cut at word boundaries."""
    left = line.rfind(" ", 0, max(0, start - width // 2)) + 1
    right = line.find(" ", min(len(line), end + width // 2))
    return line[left : right if right != -1 else len(line)].strip(" ,.;")
