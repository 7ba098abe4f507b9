from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.dedupe import MemoryIndex
from pipeline.models import ArticleKeys, Failure, Link, Outcome
from pipeline.store.database import Store
from pipeline.store.migrations import migrations

from ..conftest import make_article, make_claim


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
        level=195.5,
        benchmark_series="^GSPC",
        drift_pct=0.6341,
        net_return_pct=13.9694,
        net_status="hit",
        provider="csv+stooq",
        prices_digest="0123456789abcdef",
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
    names = [r[0] for r in conn.execute("select name from _sqlite_migrations")]
    assert names[0] == "m001_initial" and len(names) == len(set(names)) >= 2
    store = Store(tmp_path / "a.db")
    assert migrations.pending(store.db) == []
    store.close()


def test_store_m002_upgrades_a_foundation_database(tmp_path: Path) -> None:
    """A database made before m002 (outcomes without provenance columns, no history
    tables) gains them on open, and keeps its rows."""
    path = tmp_path / "old.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    new_columns = [
        "level", "benchmark_series", "drift_pct", "net_return_pct", "net_status", "provider",
        "prices_digest",
    ]  # fmt: skip
    conn.execute("drop index idx_outcomes_status_net_status")  # m013's, on a column m002 adds
    for column in new_columns:
        conn.execute(f"alter table outcomes drop column {column}")
    for table in ("splits", "price_checks", "outcome_history"):
        conn.execute(f"drop table {table}")
    conn.execute(
        "delete from _sqlite_migrations where name = 'm002_price_sources_and_outcome_history'"
    )
    conn.execute(
        "insert into outcomes (claim_id, status, as_of, reason) values ('c0', 'hit', '2024-01-02', 'r')"
    )
    conn.commit()
    conn.close()
    store = Store(path)
    old = store.outcomes()["c0"]
    assert (old.status, old.prices_digest) == ("hit", None)
    outcome = Outcome("c1", "miss", date(2024, 1, 2), "r", provider="csv", prices_digest="ab" * 8)
    store.save_outcomes([outcome])
    assert store.outcomes()["c1"] == outcome
    assert store.disagreements() == [] and store.splits() == {}
    store.close()


text_strategy = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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


def test_store_article_texts_match_articles(store: Store) -> None:
    first, second = make_article("IWM could rally 10%."), make_article("QQQ may fall 5%.")
    store.save_articles([first, second])
    assert store.article_texts() == {a.article_id: a.text for a in store.articles()}


FEED = "https://notes.example.com/feed.xml"
SITEMAP = "https://notes.example.com/sitemap.xml"


def test_store_link_queue_keeps_order_and_metadata_and_no_duplicates(store: Store) -> None:
    first = [
        Link("https://notes.example.com/a", title="A", author="Jo", published=date(2024, 3, 4)),
        Link("https://notes.example.com/b", lastmod=date(2024, 3, 1)),
    ]
    assert store.queue_links(FEED, first) == 2
    later = [Link("https://notes.example.com/c"), first[0], Link("https://notes.example.com/c")]
    assert store.queue_links(FEED, later) == 1  # a and the second c are queued already
    assert store.queued_links(FEED) == [*first, Link("https://notes.example.com/c")]
    assert store.queue_links(SITEMAP, [first[1]]) == 1  # each source has its own queue
    assert store.queued_counts([FEED, SITEMAP, "https://elsewhere.example/feed"]) == {
        FEED: 3,
        SITEMAP: 1,
    }


def _batch_cut_short(store: Store, failure: Failure) -> None:
    with store.transaction():
        store.save_failures([failure])
        store.dequeue_links([failure.item])
        raise RuntimeError("the run was cut short")


def test_store_dequeued_link_leaves_every_queue_and_a_batch_is_all_or_nothing(
    store: Store,
) -> None:
    link = Link("https://notes.example.com/b")
    store.queue_links(FEED, [link, Link("https://notes.example.com/c")])
    store.queue_links(SITEMAP, [link])
    failure = Failure(link.url, "ingest", "the server answered 404 NOT FOUND; check the URL")
    with pytest.raises(RuntimeError, match="cut short"):
        _batch_cut_short(store, failure)
    assert store.failures() == [] and store.queued_counts([FEED, SITEMAP]) == {FEED: 2, SITEMAP: 1}
    with store.transaction():
        store.save_failures([failure])
        assert store.dequeue_links([link.url, "https://notes.example.com/never-queued"]) == 2
    assert store.queued_links(FEED) == [Link("https://notes.example.com/c")]
    assert store.queued_links(SITEMAP) == []
    assert store.failed_items([link.url, "https://notes.example.com/c"]) == {link.url}


def test_store_article_keys_index_stored_originals_only(store: Store) -> None:
    original = make_article("IWM could rally 10%.", url="https://example.com/a")
    copy = replace(make_article("IWM could rally 10%!"), duplicate_of=original.article_id)
    store.save_articles([original, copy])
    keys = [
        ArticleKeys(original.article_id, "a.txt", "https://example.com/a", b"\1" * 256, (5, 6)),
        ArticleKeys(copy.article_id, "a.txt", None, b"\2" * 256, (6, 7)),  # a duplicate
        ArticleKeys("not-stored", "b.txt", None, None),
    ]
    assert store.save_article_keys(keys) == 1
    assert store.save_article_keys(keys) == 0  # indexed once
    assert store.original_keys(original.article_id) == replace(keys[0], bands=())
    assert store.original_keys(copy.article_id) is None
    assert store.latest_original_at("a.txt") == original.article_id
    assert store.latest_original_with_url("https://example.com/a") == original.article_id
    assert store.latest_original_at("b.txt") is None
    assert [k.article_id for k in store.originals_sharing_bands([7, 6])] == [original.article_id]
    assert store.originals_sharing_bands([7]) == store.originals_sharing_bands([]) == []


def test_store_candidates_sharing_the_most_bands_come_first_under_a_limit(store: Store) -> None:
    # a template's originals share band 1 with everything; the copy shares bands 1-4
    common = [make_article(f"Daily wrap number {i}.") for i in range(5)]
    copy_of = make_article("The note the new article copies.")
    store.save_articles([*common, copy_of])
    keys = [
        ArticleKeys(a.article_id, f"{i}.txt", None, b"\1" * 256, (1, 100 + i))
        for i, a in enumerate(common)
    ]
    keys.insert(2, ArticleKeys(copy_of.article_id, "copy.txt", None, b"\2" * 256, (1, 2, 3, 4)))
    store.save_article_keys(keys)
    every = [k.article_id for k in store.originals_sharing_bands([1, 2, 3, 4])]
    assert every == [k.article_id for k in keys]  # in index order
    assert [k.article_id for k in store.originals_sharing_bands([1, 2, 3, 4], 1)] == [
        copy_of.article_id
    ]
    two = [k.article_id for k in store.originals_sharing_bands([1, 2, 3, 4], 2)]
    assert two == [common[0].article_id, copy_of.article_id]  # ties: the earliest indexed
    in_memory = MemoryIndex(keys).originals_sharing_bands([1, 2, 3, 4], 2)
    assert [k.article_id for k in in_memory] == two


def test_store_latest_original_follows_the_order_indexed(store: Store) -> None:
    first, second = make_article("Version one."), make_article("Version two.")
    store.save_articles([second, first])  # stored in one order, indexed in another
    store.save_article_keys(
        [ArticleKeys(a.article_id, "a.txt", "u", None) for a in (first, second)]
    )
    assert store.latest_original_at("a.txt") == store.latest_original_with_url("u")
    assert store.latest_original_at("a.txt") == second.article_id


def test_store_originals_without_keys_come_in_batches_in_ingest_order(store: Store) -> None:
    articles = [make_article(f"Note {i}.", url=f"https://example.com/{i}") for i in range(5)]
    for article in articles:  # one at a time: ingest order is the order saved
        store.save_articles([article])
    store.save_articles([replace(make_article("Copy."), duplicate_of=articles[0].article_id)])
    store.save_article_keys([ArticleKeys(articles[1].article_id, "a.txt", None, None)])
    batches = []
    for rows in store.originals_without_keys(size=2):
        batches.append([article_id for article_id, *_ in rows])
        store.save_article_keys([ArticleKeys(row[0], row[1], None, None) for row in rows])
    assert batches == [[articles[i].article_id for i in ids] for ids in ([0, 2], [3, 4])]
    assert rows[-1] == (articles[4].article_id, "a.txt", "https://example.com/4", None)
    assert list(store.originals_without_keys()) == []


def test_store_picks_the_claims_whose_grading_can_change_and_no_others(store: Store) -> None:
    article = make_article(published=date(2024, 1, 2))
    copy = make_article("IWM could rally 10% in the coming month!")
    store.save_articles([article, copy])
    day, next_day = date(2024, 3, 1), date(2024, 3, 4)
    claims = {
        name: make_claim(article, claim_id=name, evidence_start=n)
        for n, name in enumerate(["new", "pending", "unpriced", "hit", "bench", "other"])
    }
    store.save_extraction([(article.article_id, list(claims.values()))], "v1")
    store.save_extraction([(copy.article_id, [make_claim(copy, claim_id="dup")])], "v1")
    store.db.execute(  # the copy's claim is off the record
        "update articles set duplicate_of = ? where article_id = ?",
        [article.article_id, copy.article_id],
    )
    store.save_outcomes(
        [
            Outcome("pending", "pending", day, "open", series="IWM"),
            Outcome("unpriced", "no_data", day, "no prices"),
            Outcome("hit", "hit", day, "reached", series="IWM"),
            Outcome("bench", "miss", day, "lagged", series="IWM", benchmark_series="^GSPC"),
            Outcome("other", "miss", day, "fell", series="QQQ"),
        ]
    )

    def pick(as_of: date, corrected: set[str], same_book: bool, added: bool) -> list[str]:
        return store.claims_to_grade(as_of, corrected, same_book, added)

    assert pick(day, set(), True, False) == ["new"]  # graded once: nothing can change
    assert pick(next_day, set(), True, False) == ["new", "pending"]  # a new grading date
    assert pick(day, set(), False, False) == ["new", "pending"]  # the book moved
    assert pick(day, set(), False, True) == ["new", "pending", "unpriced"]  # a series came
    assert pick(day, {"^GSPC"}, True, False) == ["new", "bench"]  # decisions on it
    assert pick(day, {"IWM"}, True, False) == ["new", "hit", "bench"]
