"""Every form in docs/forms.md, read from tests/extract_forms.toml: each case's sentence
must give exactly the claims it lists (subject up to index/ETF equivalents, kind, and
direction and values where the case states them).

A case marked `known_gap = true` is a form the rules do not read yet: it is an expected
failure, and strict, so that reading it turns the mark into a failure to remove.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline.extract.claims import claims_from_doc, make_nlp
from pipeline.extract.evaluate import forecaster_agrees, horizon_agrees
from pipeline.extract.tables import rating_grade
from pipeline.models import Article, Claim
from pipeline.settings import Settings
from pipeline.symbols import canonical

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent.parent / "extract_forms.toml").read_text(encoding="utf-8")
)["case"]
SETTINGS = Settings(progress=False)
NLP = make_nlp(SETTINGS)


def _matches(want: dict[str, Any], got: Claim) -> bool:
    """Whether `got` reads the case claim `want` on every field the case states, compared
    as `thesis eval` compares them (firm aliases, the horizon tolerance, rating grades)."""
    if canonical(got.subject) != canonical(want["subject"]) or got.kind != want["kind"]:
        return False
    if "direction" in want and got.direction != want["direction"]:
        return False
    for key in ("target_low", "target_high", "move_pct", "previous_target"):
        value = getattr(got, key)
        if key in want and (value is None or abs(value - want[key]) > 0.02 * abs(want[key])):
            return False
    for key in ("action", "horizon_assumed", "conditional"):
        if key in want and getattr(got, key) != want[key]:
            return False
    if "rating" in want and got.rating != rating_grade(want["rating"]):
        return False
    if "horizon_end" in want and not horizon_agrees(got, want):
        return False
    return not (
        ("forecaster" in want or "forecaster_org" in want)
        and not forecaster_agrees(got, {"forecaster_role": _role(want), **want})
    )


def _role(want: dict[str, Any]) -> str:
    return "author" if str(want.get("forecaster", "")).startswith("unknown") else "quoted"


def _params() -> list[Any]:
    return [
        pytest.param(
            case,
            id=f"{i:03d}-{case['form']}",
            marks=[pytest.mark.xfail(strict=True, reason="form not read yet")]
            if case.get("known_gap")
            else [],
        )
        for i, case in enumerate(CASES)
    ]


@pytest.mark.parametrize("case", _params())
def test_forms_case_gives_its_claims(case: dict[str, Any]) -> None:
    text = case["text"]
    article = Article.build(
        location="forms-case",
        text=text,
        raw=text,
        raw_format="text",
        published=date.fromisoformat(case["published"]),
        author="Case Writer",
        source="Forms Desk",
    )
    got = claims_from_doc(NLP(text), article, SETTINGS)
    want = case.get("claims", [])
    described = [(c.subject, c.kind, c.direction, c.target_low, c.move_pct) for c in got]
    assert len(got) == len(want), described
    for claim in want:
        assert any(_matches(claim, g) for g in got), (claim, described)


def test_forms_every_catalogued_form_has_cases() -> None:
    catalogue = (Path(__file__).parents[2] / "docs" / "forms.md").read_text(encoding="utf-8")
    forms = {case["form"] for case in CASES}
    assert forms, "no cases"
    missing = [form for form in forms if f"`{form}`" not in catalogue]
    assert not missing, f"cases name forms that docs/forms.md does not describe: {missing}"
