from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from pipeline.models import Failure, Outcome
from pipeline.store import Store, migrations

from .conftest import make_article, make_claim


def test_store_round_trips_article_claim_outcome(store: Store) -> None:
    article = make_article(
        title="T", author="Jane Doe", published=date(2023, 11, 28), published_source="front_matter"
    )
    claim = make_claim(article)
    outcome = Outcome(
        "c1",
        "hit",
        date(2024, 1, 2),
        "reached",
        series="IWM",
        start_price=180.0,
        hit_date=date(2023, 12, 14),
        days_to_hit=16,
    )
    assert store.save_articles([article]) == 1
    store.save_extraction([(article.article_id, [claim])], "v1")
    store.save_outcomes([outcome])
    assert store.articles() == [article]
    assert store.claims() == [claim]
    assert store.outcomes() == {"c1": outcome}


def test_store_rerun_adds_nothing(store: Store) -> None:
    article = make_article()
    assert store.save_articles([article]) == 1
    assert store.save_articles([article, article]) == 0
    failure = Failure("x.bin", "ingest", "binary")
    assert store.save_failures([failure]) == 1
    assert store.save_failures([failure]) == 0
    assert store.counts()["articles"] == 1
    assert store.counts()["failures"] == 1


def test_store_replaces_claims_of_reextracted_article(store: Store) -> None:
    article = make_article()
    store.save_articles([article])
    assert store.save_extraction([(article.article_id, [make_claim(article)])], "v1") == 1
    assert store.save_extraction([(article.article_id, [make_claim(article)])], "v1") == 0
    assert store.articles(needing_extraction="v1") == []
    assert store.articles(needing_extraction="v2") == [article]
    assert len(store.claims()) == 1


def test_store_batch_is_atomic(store: Store) -> None:
    good = make_article("IWM could rally 10%.")
    store.save_articles([good])
    broken = make_claim(good, claim_id="c2")
    batch = [(good.article_id, [make_claim(good)]), ("missing", [broken, object()])]
    with pytest.raises(TypeError):  # the second item is not a Claim: the batch must roll back
        store.save_extraction(batch, "v1")  # type: ignore[arg-type]
    assert store.claims() == []
    assert store.articles(needing_extraction="v1") == [good]


def test_store_uses_wal_and_migrations(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    Store(tmp_path / "a.db").close()
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    applied = conn.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    assert applied == len(migrations.applied(Database(tmp_path / "a.db"))) >= 1
    assert migrations.pending(Database(tmp_path / "a.db")) == []


text_strategy = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=text_strategy,
    move=st.floats(0.1, 500, allow_nan=False),
    hedge=st.sampled_from(["will", "could", None]),
)
def test_store_claim_round_trip_property(
    tmp_path: Path, text: str, move: float, hedge: str | None
) -> None:
    store = Store(tmp_path / f"p{abs(hash((text, move)))}.db")
    article = make_article(text)
    claim = make_claim(article, move_pct=move, hedge=hedge, claim_id=article.article_id)
    store.save_articles([article])
    store.save_extraction([(article.article_id, [claim])], "v1")
    assert store.claims() == [claim]
    store.close()
