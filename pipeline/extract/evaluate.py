"""Evaluate: measure extraction against gold files.

Input: a folder of gold JSON files, each naming its article (`source`, relative to the
gold file) and the claims a careful reader finds in it. Output: precision, recall and F1
for whole claims, per field, and for catalyst/risk labels. No side effects.

A predicted claim matches a gold claim when subject (up to index/ETF equivalents, and a
relative call read from either side: "A underperforms B" = "B outperforms A"), kind and
direction agree, values agree by the kind's rule (pipeline.kinds: within VALUE_TOLERANCE),
and horizon ends are within HORIZON_TOLERANCE_DAYS.

Gold claims marked `required: false` (conditional scenarios, consensus figures, ratings
without a target, ...) are optional: a prediction that pairs with one is neither credited
nor penalised, and missing one costs nothing. `all_claims` keeps the stricter reading that
counts every gold claim. A gold `horizon_end: null` with `horizon_assumed: true` accepts the
extractor's 12-month default. Forecasters agree up to firm aliases and corporate suffixes
("Citigroup" = "Citi", "Wedbush Securities" = "Wedbush"), and two author-role claims agree:
both credit the article's own writer, whatever label an unsigned writer gets.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import GoldError, IngestError
from pipeline.extract.attribution import load_firms
from pipeline.extract.claims import extract_claims, make_nlp
from pipeline.ingest.documents import read_document
from pipeline.kinds import KINDS
from pipeline.models import Claim
from pipeline.settings import Settings
from pipeline.symbols import canonical

HORIZON_TOLERANCE_DAYS = 31
MIN_ALIGNMENT = 3.0
FIELDS = ("subject", "kind", "direction", "value", "horizon", "forecaster")


@dataclass
class Score:
    true_pos: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.true_pos / self.predicted if self.predicted else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.true_pos / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.true_pos += other.true_pos
        self.predicted += other.predicted
        self.gold += other.gold


@dataclass
class EvalReport:
    claims: Score = field(default_factory=Score)
    all_claims: Score = field(default_factory=Score)
    fields: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    tags: Score = field(default_factory=Score)
    articles: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def forecaster_accuracy(self) -> float:
        """Of the required gold claims found, the share credited to the right forecaster."""
        found = self.claims.true_pos
        return self.forecaster_right / found if found else 1.0

    forecaster_right: int = 0

    def table(self) -> str:
        rows = [
            ("claims (required)", self.claims),
            ("claims (all gold)", self.all_claims),
            *[(f"  {k}", v) for k, v in self.fields.items()],
            ("catalyst/risk labels", self.tags),
        ]
        out = [
            f"{self.articles} articles",
            f"{'':24}{'precision':>10}{'recall':>10}{'F1':>10}{'tp/pred/gold':>16}",
        ]
        for name, s in rows:
            out.append(
                f"{name:24}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>10.3f}{f'{s.true_pos}/{s.predicted}/{s.gold}':>16}"
            )
        out.append(
            f"forecaster accuracy on required claims found: {self.forecaster_accuracy:.3f}"
            f" ({self.forecaster_right}/{self.claims.true_pos})"
        )
        return "\n".join(out)


def evaluate_gold(gold_dir: Path, settings: Settings) -> EvalReport:
    """Extract every gold file's article and score the claims against the gold.

    Raises:
        GoldError: the folder has no gold files, or one is malformed or names a missing article.
    """
    files = sorted(gold_dir.glob("*.json")) if gold_dir.is_dir() else []
    if not files:
        raise GoldError(
            "no gold files (*.json) found; pass the folder that holds them", str(gold_dir)
        )
    golds = [_load_gold(path) for path in files]
    report = EvalReport(articles=len(golds))
    articles = [g["article"] for g in golds]
    for gold, (_, predicted) in zip(
        golds, extract_claims(articles, settings, make_nlp(settings)), strict=True
    ):
        _score_article(gold, predicted, report)
    return report


def _load_gold(path: Path) -> dict[str, Any]:
    try:
        gold: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        source = (path.parent / gold["source"]).resolve()
        claims = gold["claims"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise GoldError(
            f"not a gold file ({exc}); it needs 'source' and 'claims'", str(path)
        ) from exc
    try:
        article = read_document(source)
    except (IngestError, OSError) as exc:
        raise GoldError(f"its article {source} cannot be read: {exc}", str(path)) from exc
    if article.published is None and gold.get("published"):
        article = replace(
            article, published=date.fromisoformat(gold["published"]), published_source="gold"
        )
    gold["article"] = article
    gold["claims"] = claims
    return gold


def _score_article(gold: dict[str, Any], predicted: list[Claim], report: EvalReport) -> None:
    wanted = list(gold["claims"])
    name = Path(gold["source"]).name
    pairs = _pairs(predicted, wanted)
    optional_hits = sum(1 for g, best in pairs if best is not None and not _required(g))
    scored_predictions = len(predicted) - optional_hits
    required = sum(1 for g in wanted if _required(g))
    report.claims.predicted += scored_predictions
    report.claims.gold += required
    report.all_claims.predicted += len(predicted)
    report.all_claims.gold += len(wanted)
    for s in report.fields.values():
        s.predicted += scored_predictions
        s.gold += required
    unmatched = list(predicted)
    for g, best in pairs:
        tag = "" if _required(g) else " (optional)"
        if best is None:
            report.misses.append(
                f"{name}:{tag} {g.get('subject')} {g.get('kind')} {g.get('direction')} | {g.get('evidence', '')[:90]}"
            )
            continue
        unmatched.remove(best)
        agree = _field_agreement(best, g)
        whole = all(agree[k] for k in ("subject", "kind", "direction", "value", "horizon"))
        report.all_claims.true_pos += int(whole)
        if _required(g):
            for key, ok in agree.items():
                report.fields[key].true_pos += int(ok)
            report.claims.true_pos += int(whole)
            report.forecaster_right += int(whole and agree["forecaster"])
        if not whole or not agree["forecaster"]:
            bad = [k for k, ok in agree.items() if not ok]
            report.misses.append(
                f"{name}:{tag} {g.get('subject')} {g.get('kind')} wrong {bad} (got {_describe(best)}) | {g.get('evidence', '')[:90]}"
            )
    report.extras += [f"{name}: {_describe(p)} | {p.evidence[:90]}" for p in unmatched]
    predicted_tags = {
        (side, t.label)
        for p in predicted[:1]
        for side, ts in (("catalyst", p.catalysts), ("risk", p.risks))
        for t in ts
    }
    gold_tags = {("catalyst", t["label"]) for t in gold.get("catalysts", [])} | {
        ("risk", t["label"]) for t in gold.get("risks", [])
    }
    if predicted or gold_tags:
        report.tags.add(Score(len(predicted_tags & gold_tags), len(predicted_tags), len(gold_tags)))


def _required(g: dict[str, Any]) -> bool:
    return bool(g.get("required", True))


def _describe(p: Claim) -> str:
    value = (
        f"{p.target_low:g}-{p.target_high:g}"
        if p.target_low is not None and p.target_high is not None
        else f"{p.move_pct:g}%"
        if p.move_pct is not None
        else ""
    )
    return (
        f"{p.subject} {p.kind} {p.direction} {value} to {p.horizon_end} by {p.forecaster}"
        f" ({p.forecaster_org})"
    )


def _pairs(
    predicted: list[Claim], wanted: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], Claim | None]]:
    """Pair gold and predicted claims, best-aligned pairs first, each used once."""
    scored = sorted(
        (
            (_alignment(p, g), gi, pi)
            for gi, g in enumerate(wanted)
            for pi, p in enumerate(predicted)
        ),
        key=lambda t: -t[0],
    )
    chosen: dict[int, int] = {}
    used: set[int] = set()
    for score, gi, pi in scored:
        if score >= MIN_ALIGNMENT and gi not in chosen and pi not in used:
            chosen[gi] = pi
            used.add(pi)
    return [(g, predicted[chosen[gi]] if gi in chosen else None) for gi, g in enumerate(wanted)]


def _subjects_agree(p: Claim, g: dict[str, Any]) -> bool:
    return KINDS[p.kind].subjects_agree(p, g)


def _direction_agrees(p: Claim, g: dict[str, Any]) -> bool:
    if _subjects_agree(p, g) and canonical(p.subject) != canonical(g["subject"]):
        return True  # another reading the kind accepts ("B outperforms A" for "A lags B")
    return p.direction == g.get("direction")


def horizon_agrees(p: Claim, g: dict[str, Any]) -> bool:
    if not g.get("horizon_end") and g.get("horizon_assumed") and p.horizon_assumed:
        return True  # the gold leaves the window to the 12-month default the claim assumed
    if not g.get("horizon_end") or p.horizon_end is None:
        return not g.get("horizon_end") and p.horizon_end is None
    return (
        abs((p.horizon_end - date.fromisoformat(g["horizon_end"])).days) <= HORIZON_TOLERANCE_DAYS
    )


def forecaster_agrees(p: Claim, g: dict[str, Any]) -> bool:
    if p.forecaster_role == "author" and g.get("forecaster_role") == "author":
        # Both credit the article's own writer; how an unsigned writer is labelled
        # ("unknown (forum poster)", "Site (author)") is a convention, not a finding.
        return True
    names = {_firm(p.forecaster), _firm(p.forecaster_org)} - {""}
    wanted = {_firm(g.get("forecaster")), _firm(g.get("forecaster_org"))} - {""}
    return bool(names & wanted)


FIRM_SUFFIX = re.compile(
    r"(?:,?\s+(?:securities|capital markets|aktiengesellschaft|ag|inc\.?|llc|plc|& co\.?|"
    r"& company|group|research|asset management|global wealth management|investment institute))+$"
)


def _firm(value: object) -> str:
    """A name compared up to firm aliases ("Citigroup" = "Citi") and corporate suffixes
    ("Wedbush Securities" = "Wedbush")."""
    name = _norm(value)
    if not name:
        return ""
    canonical = {_norm(k): _norm(v) for k, v in load_firms().canonical.items()}
    stripped = FIRM_SUFFIX.sub("", name) or name
    return canonical.get(name) or canonical.get(stripped) or stripped


def _norm(value: object) -> str:
    return " ".join(str(value or "").lower().replace("’", "'").split())


def _field_agreement(p: Claim, g: dict[str, Any]) -> dict[str, bool]:
    return {
        "subject": _subjects_agree(p, g),
        "kind": p.kind == g.get("kind"),
        "direction": _direction_agrees(p, g),
        "value": p.kind == g.get("kind") and KINDS[p.kind].value_agrees(p, g),
        "horizon": horizon_agrees(p, g),
        "forecaster": forecaster_agrees(p, g),
    }


def _alignment(p: Claim, g: dict[str, Any]) -> float:
    """How likely `p` is the reading of gold claim `g`: subject, kind, and shared evidence words."""
    score = 0.0
    agree = _field_agreement(p, g)
    score += sum(agree.values())
    if _subjects_agree(p, g):
        score += 3
    if p.kind == g.get("kind"):
        score += 1.5
    if _direction_agrees(p, g):
        score += 0.5
    words_p, words_g = (
        set(p.evidence.lower().split()),
        set(str(g.get("evidence", "")).lower().split()),
    )
    if words_p and words_g:
        score += 3 * len(words_p & words_g) / len(words_p | words_g)
    return score


TOKEN = re.compile(r"\w+")


def token_f1(predicted: str, expected: str) -> float:
    """Bag-of-words F1 of an extracted body against the expected body (lower-cased words),
    the measure article-extraction benchmarks report for body text."""
    got = Counter(TOKEN.findall(predicted.lower()))
    want = Counter(TOKEN.findall(expected.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)
