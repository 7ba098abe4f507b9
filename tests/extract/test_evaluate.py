from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from pipeline.errors import GoldError
from pipeline.extract.evaluate import evaluate_gold
from pipeline.settings import Settings

FLOORS = tomllib.loads((Path(__file__).parent.parent / "quality_floors.toml").read_text())


@pytest.mark.parametrize(
    ("name", "gold"), [("corpus", "corpus/gold"), ("seeds", "tests/gold/seeds")]
)
def test_evaluate_meets_pinned_floors(root: Path, name: str, gold: str) -> None:
    report = evaluate_gold(root / gold, Settings(progress=False))
    floors = FLOORS[name]
    assert report.claims.f1 >= floors["claim_f1"], (
        report.table() + "\n" + "\n".join(report.misses + report.extras)
    )
    assert report.fields["forecaster"].f1 >= floors["forecaster_f1"], report.table()
    assert report.tags.f1 >= floors["tag_f1"], report.table()


def test_evaluate_devset_meets_pinned_floors(root: Path) -> None:
    """Real-form commentary (../shared/devset): required claims, rules only."""
    gold = root.parent / "shared" / "devset" / "gold"
    floors = FLOORS["devset"]
    digest = hashlib.sha256()
    for path in sorted(gold.glob("*.json")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == floors["gold_sha256"], (
        "the devset gold changed since the floors were measured: re-measure with "
        "`thesis eval ../shared/devset/gold` and update tests/quality_floors.toml"
    )
    report = evaluate_gold(gold, Settings(progress=False))
    assert report.claims.f1 >= floors["claim_f1"], report.table() + "\n" + "\n".join(report.misses)
    assert report.forecaster_accuracy >= floors["forecaster_accuracy"], report.table()


def test_evaluate_seed_bar_claims_are_found(root: Path) -> None:
    """The forecasts issue 4 names, each with the right subject, kind, direction, value and horizon."""
    report = evaluate_gold(root / "tests/gold/seeds", Settings(progress=False))
    assert report.claims.recall == 1.0, "\n".join(report.misses)


def test_evaluate_counts_a_wrong_claim_as_a_miss(tmp_path: Path, root: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text(
        "---\npublished: 2024-01-02\nauthor: Jane Doe\n---\nI think IWM could rally 20% over the next 12 months.\n"
    )
    gold = {
        "source": "a.md",
        "claims": [
            {
                "forecaster": "Jane Doe",
                "subject": "IWM",
                "kind": "move",
                "direction": "up",
                "move_pct": 35,
                "horizon_end": "2025-01-02",
                "evidence": "I think IWM could rally 20% over the next 12 months.",
            }
        ],
    }
    (tmp_path / "a.json").write_text(json.dumps(gold))
    report = evaluate_gold(tmp_path, Settings(progress=False))
    assert (report.claims.true_pos, report.claims.predicted, report.claims.gold) == (0, 1, 1)
    assert report.fields["subject"].true_pos == 1 and report.fields["value"].true_pos == 0
    gold["claims"][0]["move_pct"] = 20
    (tmp_path / "a.json").write_text(json.dumps(gold))
    assert evaluate_gold(tmp_path, Settings(progress=False)).claims.f1 == 1.0


def test_evaluate_rejects_empty_or_broken_gold(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match="no gold files"):
        evaluate_gold(tmp_path, Settings())
    (tmp_path / "x.json").write_text('{"source": "missing.txt", "claims": []}')
    with pytest.raises(GoldError, match="cannot be read"):
        evaluate_gold(tmp_path, Settings())


def test_evaluate_optional_gold_claims_are_neither_credited_nor_penalised(
    tmp_path: Path,
) -> None:
    article = tmp_path / "a.md"
    article.write_text(
        "---\npublished: 2024-01-02\nauthor: Jane Doe\n---\n"
        "I think IWM could rally 20% over the next 12 months.\n"
    )
    optional = {
        "forecaster": "Jane Doe",
        "subject": "IWM",
        "kind": "move",
        "direction": "up",
        "move_pct": 20,
        "horizon_end": "2025-01-02",
        "required": False,
        "evidence": "I think IWM could rally 20% over the next 12 months.",
    }
    missed = {**optional, "subject": "QQQ", "evidence": "QQQ will do something else."}
    (tmp_path / "a.json").write_text(json.dumps({"source": "a.md", "claims": [optional, missed]}))
    report = evaluate_gold(tmp_path, Settings(progress=False))
    assert (report.claims.true_pos, report.claims.predicted, report.claims.gold) == (0, 0, 0)
    assert (report.all_claims.true_pos, report.all_claims.predicted) == (1, 1)
    assert report.all_claims.gold == 2


def test_evaluate_null_gold_horizon_accepts_the_assumed_default(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text(
        "---\npublished: 2024-01-02\nauthor: Jane Doe\n---\nI think IWM could rally 20%.\n"
    )
    gold = {
        "forecaster": "Jane Doe",
        "subject": "IWM",
        "kind": "move",
        "direction": "up",
        "move_pct": 20,
        "horizon_end": None,
        "horizon_assumed": True,
        "evidence": "I think IWM could rally 20%.",
    }
    (tmp_path / "a.json").write_text(json.dumps({"source": "a.md", "claims": [gold]}))
    report = evaluate_gold(tmp_path, Settings(progress=False))
    assert report.claims.true_pos == 1 and report.forecaster_accuracy == 1.0
    gold["horizon_assumed"] = False
    (tmp_path / "a.json").write_text(json.dumps({"source": "a.md", "claims": [gold]}))
    assert evaluate_gold(tmp_path, Settings(progress=False)).claims.true_pos == 0
