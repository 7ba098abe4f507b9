"""Shared fixtures: paths to the real material in ../shared and a fresh store per test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipeline import engine
from pipeline.models import Article, Claim, Tag
from pipeline.settings import Settings
from pipeline.store.database import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def close_test_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every SQLite connection a test opens (its own queries, stores it never closes) is
    closed when it ends: Python 3.13 warns about a connection left to the garbage collector,
    and warnings are errors here. The code under test closes its own (the CLI opens each
    store in a `with`); this only spares tests a `close()` after every query."""
    opened: list[sqlite3.Connection] = []
    real = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real(*args, **kwargs)
        opened.append(connection)
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    yield
    for connection in opened:
        connection.close()


@pytest.fixture(autouse=True)
def one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run in one process unless they ask for workers (`workers=2`): the default,
    one worker per core, would start a pool (and load the models again) in every test,
    and a worker process does not see a test's monkeypatches."""
    monkeypatch.setattr(engine, "available_cores", lambda: 1)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def prices_dir() -> Path:
    path = SHARED / "prices"
    assert (path / "IWM.csv").is_file(), f"real prices are expected in {path}"
    return path


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    path = SHARED / "seeds"
    assert path.is_dir(), f"seed articles are expected in {path}"
    return path


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return ROOT / "corpus"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    db = Store(tmp_path / "thesis.db")
    yield db
    db.close()


@pytest.fixture
def settings(tmp_path: Path, prices_dir: Path) -> Settings:
    return Settings(db_path=tmp_path / "thesis.db", progress=False).with_overrides(
        report={"out_dir": tmp_path / "reports"}, prices={"dir": prices_dir}
    )


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    """Settings for tests against the local HTTP server: no politeness delays, loopback
    allowed."""
    return settings.with_overrides(
        fetch={
            "delay": 0.0,
            "backoff": 0.01,
            "retries": 2,
            "timeout": 5.0,
            "allow_private_addresses": True,  # the local server is on loopback
        }
    )


def make_article(text: str = "IWM could rally 10% in the coming month.", **meta: object) -> Article:
    return Article.build(location="a.txt", text=text, raw=text, raw_format="text", **meta)


def make_claim(article: Article, **changes: object) -> Claim:
    values: dict[str, object] = dict(  # noqa: C408 - keyword form reads like the dataclass
        claim_id="c1",
        article_id=article.article_id,
        url=None,
        title="t",
        published=date(2023, 11, 28),
        forecaster="Jane Doe",
        forecaster_org=None,
        forecaster_role="author",
        subject="IWM",
        subject_text="IWM",
        kind="move",
        direction="up",
        target_low=None,
        target_high=None,
        move_pct=10.0,
        benchmark=None,
        ratio=None,
        horizon_start=date(2023, 11, 28),
        horizon_end=date(2023, 12, 28),
        horizon_text="in the coming month",
        horizon_assumed=False,
        hedge="could",
        conditional=False,
        negated=False,
        evidence=article.text,
        evidence_start=0,
        evidence_end=len(article.text),
        catalysts=(Tag("seasonality", "Santa rally"),),
        risks=(),
    )
    values.update(changes)
    return Claim(**values)  # type: ignore[arg-type]
