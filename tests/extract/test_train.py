from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import ThesisError
from pipeline.extract.tags import classifier_tags
from pipeline.extract.train import CARD_FILE, default_data, load_examples, load_tagger, train_tagger
from pipeline.settings import MODELS_DIR


@pytest.mark.slow
def test_train_is_deterministic_and_writes_a_card(tmp_path: Path) -> None:
    first = train_tagger(default_data(), tmp_path / "a")
    second = train_tagger(default_data(), tmp_path / "b")
    assert (first.cv_macro_f1_mean, first.cv_macro_f1_std) == (
        second.cv_macro_f1_mean,
        second.cv_macro_f1_std,
    )
    card = json.loads((tmp_path / "a" / CARD_FILE).read_text())
    assert card["examples"] == len(load_examples(default_data())[0]) >= 400
    assert len(card["data_sha256"]) == 64 and card["version"] and card["sklearn_version"]
    assert 0.0 < card["cv_macro_f1_mean"] <= 1.0


def test_train_shipped_model_matches_shipped_data() -> None:
    """models/ must be retrained (`thesis train`) whenever the training data changes."""
    import hashlib

    card = json.loads((MODELS_DIR / CARD_FILE).read_text())
    assert card["data_sha256"] == hashlib.sha256(default_data().read_bytes()).hexdigest()


def test_train_classifier_adds_labels_the_rules_missed() -> None:
    model = load_tagger(MODELS_DIR)
    assert model is not None
    catalysts, risks = classifier_tags(
        [
            "Regional lenders are still nursing losses on commercial property loans, which could tighten credit."
        ],
        model,
        ((), ()),
    )
    assert [t.label for t in risks] == ["credit_liquidity_stress"] and catalysts == ()


def test_train_rejects_malformed_data(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    with pytest.raises(ThesisError, match="line 1"):
        load_examples(bad)
