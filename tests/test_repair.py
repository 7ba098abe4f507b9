"""Corrected price data repairs verdicts: decisions made on bad prices are decided again,
with the old and the new verdict kept in outcome_history."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import run as stages
from pipeline.settings import Settings
from pipeline.store.database import Store

NOTE = (
    "---\ntitle: Small caps\nauthor: Jane Doe\npublished: 2024-03-04\n---\n"
    "I expect IWM to rally 15% by the end of June as breadth keeps improving.\n"
)


def _prices(folder: Path, source: Path, scale_window: bool) -> Path:
    folder.mkdir(exist_ok=True)
    for name in ("IWM.csv", "RUT.csv", "GSPC.csv", "SPY.csv"):
        shutil.copy(source / name, folder / name)
    if scale_window:  # a bad file: IWM's April 2024 closes doubled
        frame = pd.read_csv(folder / "IWM.csv")
        april = frame["date"].str.startswith("2024-04")
        frame.loc[april, "close"] = frame.loc[april, "close"] * 2
        frame.to_csv(folder / "IWM.csv", index=False)
    return folder


def _run(tmp_path: Path, store: Store, prices: Path, **grading: object) -> stages.Summary:
    settings = Settings(db_path=tmp_path / "t.db", progress=False).with_overrides(
        prices={"dir": prices}, grading=grading, report={"out_dir": tmp_path / "r"}
    )
    return stages.track(store, settings)


def _extracted(store: Store, settings: Settings, folder: Path) -> Path:
    """The note ingested and extracted into `store`; returns its folder."""
    folder.mkdir(exist_ok=True)
    (folder / "iwm.md").write_text(NOTE, encoding="utf-8")
    stages.ingest(store, [folder], settings)
    stages.extract(store, settings)
    return folder


def test_corrected_prices_repair_a_decision_and_keep_the_old_verdict(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    notes = _extracted(store, settings, tmp_path / "in")
    bad = _prices(tmp_path / "prices", prices_dir, scale_window=True)
    _run(tmp_path, store, bad)
    (first,) = store.outcomes().values()
    assert first.status == "hit"  # the doubled closes "reached" the target

    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    summary = _run(tmp_path, store, good)
    (fixed,) = store.outcomes().values()
    assert summary.repaired == ["IWM"] and fixed.status != "hit"
    assert any("prices corrected for IWM" in line for line in summary.lines())
    history = list(store.db["outcome_history"].rows)
    assert [(h["stored_status"], h["regrade_status"]) for h in history] == [("hit", fixed.status)]

    # the same verdict a fresh database reaches on the correct prices
    fresh = Store(tmp_path / "fresh.db")
    _extracted(fresh, settings, notes)
    _run(tmp_path, fresh, good)
    assert [o.status for o in fresh.outcomes().values()] == [fixed.status]

    # nothing changed: tracking again repairs nothing and rewrites nothing
    again = _run(tmp_path, store, good)
    assert again.repaired == [] and again.disagreements == []


def test_regrade_decides_again_on_purpose(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    _extracted(store, settings, tmp_path / "in")
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    _run(tmp_path, store, good)
    (right,) = store.outcomes().values()
    wrong = "hit" if right.status == "miss" else "miss"
    # a decision an older rule got wrong: with the same code and prices, tracking again
    # does not grade it again (nothing can have changed)
    store.db.execute("update outcomes set status = ?", [wrong])
    same = _run(tmp_path, store, good)
    assert same.graded == 0 and not same.disagreements
    # a new release grades every claim once: it keeps the stored decision, and says so
    store.set_meta({stages.GRADING_CODE: "the digest of an older release"})
    kept = _run(tmp_path, store, good)
    assert kept.graded == 1 and kept.disagreements
    assert [o.status for o in store.outcomes().values()] == [wrong]
    # --regrade decides it again on purpose; the old verdict stays in the history
    summary = _run(tmp_path, store, good, regrade=True)
    assert summary.regraded and [o.status for o in store.outcomes().values()] == [right.status]
    history = [(h["stored_status"], h["regrade_status"]) for h in store.db["outcome_history"].rows]
    assert (wrong, right.status) in history


def test_changed_grading_settings_grade_every_claim_once(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    _extracted(store, settings, tmp_path / "in")
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    assert _run(tmp_path, store, good).graded == 1
    assert _run(tmp_path, store, good).graded == 0  # nothing changed: nothing to grade
    # another drift (or default benchmark) can change verdicts: every claim once more
    assert _run(tmp_path, store, good, drift_pct_per_year=3.0).graded == 1
    assert _run(tmp_path, store, good, drift_pct_per_year=3.0).graded == 0


def test_undecided_claims_wait_for_a_new_date_or_new_prices(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    _extracted(store, settings, tmp_path / "in")
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    first = _run(tmp_path, store, good, as_of=date(2024, 4, 15))
    assert first.graded == 1 and [o.status for o in store.outcomes().values()] == ["pending"]
    # same prices, same date: a pending claim cannot change, so it is not graded again
    assert _run(tmp_path, store, good, as_of=date(2024, 4, 15)).graded == 0
    # a later date can end its window or reach its level
    assert _run(tmp_path, store, good, as_of=date(2024, 4, 16)).graded == 1
    assert _run(tmp_path, store, good, as_of=date(2024, 4, 16)).graded == 0
    # so can other closes for the same dates
    bad = _prices(tmp_path / "bad", prices_dir, scale_window=True)
    assert _run(tmp_path, store, bad, as_of=date(2024, 4, 16)).graded == 1
    assert _run(tmp_path, store, bad, as_of=date(2024, 4, 16)).graded == 0


def test_a_claim_without_prices_is_graded_again_when_a_series_arrives(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    _extracted(store, settings, tmp_path / "in")
    empty = tmp_path / "none"
    empty.mkdir()
    _run(tmp_path, store, empty)
    assert [o.status for o in store.outcomes().values()] == ["no_data"]
    assert _run(tmp_path, store, empty).graded == 0
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    assert _run(tmp_path, store, good).graded == 1
    assert [o.status for o in store.outcomes().values()] != ["no_data"]


def test_the_next_day_s_closes_grade_no_decided_claim_again(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    _extracted(store, settings, tmp_path / "in")
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    frames = {f: pd.read_csv(f) for f in sorted(good.glob("*.csv"))}
    for path, frame in frames.items():  # the prices as they were on the last day of 2024
        frame[frame["date"] <= "2024-12-31"].to_csv(path, index=False)
    assert _run(tmp_path, store, good).graded == 1
    (decided,) = store.outcomes().values()
    assert decided.status in ("hit", "miss")  # its window ended in June
    for path, frame in frames.items():  # and the next day's close arrives
        frame[frame["date"] <= "2025-01-02"].to_csv(path, index=False)
    grown = _run(tmp_path, store, good)
    assert grown.graded == 0 and grown.repaired == []  # added, not corrected
    # a close corrected inside the window is no next day's close: decided again
    frame = pd.read_csv(good / "IWM.csv")
    frame.loc[frame["date"].str.startswith("2024-05"), "close"] *= 1.02
    frame.to_csv(good / "IWM.csv", index=False)
    assert _run(tmp_path, store, good).graded == 1
    assert _run(tmp_path, store, good).graded == 0


def test_a_claim_without_any_series_waits_for_one_not_for_other_closes(
    tmp_path: Path, store: Store, settings: Settings, prices_dir: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "msft.md").write_text(NOTE.replace("IWM", "Microsoft (MSFT)"), encoding="utf-8")
    stages.ingest(store, [folder], settings)
    stages.extract(store, settings)
    good = _prices(tmp_path / "prices", prices_dir, scale_window=False)
    frames = {f: pd.read_csv(f) for f in sorted(good.glob("*.csv"))}
    for path, frame in frames.items():
        frame[frame["date"] <= "2024-12-31"].to_csv(path, index=False)
    assert _run(tmp_path, store, good).graded == 1
    assert [o.status for o in store.outcomes().values()] == ["no_data"]
    for path, frame in frames.items():  # the next day's closes, none of them Microsoft's
        frame[frame["date"] <= "2025-01-02"].to_csv(path, index=False)
    assert _run(tmp_path, store, good).graded == 0
    shutil.copy(prices_dir / "MSFT.csv", good / "MSFT.csv")  # its series arrives
    assert _run(tmp_path, store, good).graded == 1
    assert [o.status for o in store.outcomes().values()] != ["no_data"]
