"""Fixtures of the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import run as stages
from pipeline.settings import Settings
from pipeline.store.database import Store


@pytest.fixture
def graded(tmp_path: Path, corpus_dir: Path, prices_dir: Path) -> tuple[Store, Settings]:
    settings = Settings(db_path=tmp_path / "t.db", progress=False).with_overrides(
        report={"out_dir": tmp_path / "reports"}, prices={"dir": prices_dir}, workers=1
    )
    store = Store(settings.db_path)
    stages.ingest(store, [corpus_dir], settings)
    stages.extract(store, settings)
    stages.track(store, settings)
    return store, settings
