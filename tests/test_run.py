from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from pipeline import run as stages
from pipeline.extract.claims import EXTRACTOR_VERSION
from pipeline.extract.ner import model_installed
from pipeline.settings import Settings
from pipeline.store.database import Store

from .conftest import SHARED, make_article

BODY = "".join(
    f"<p>Point {i}: breadth is improving, credit spreads are calm and the Fed is done hiking, "
    "which has historically helped smaller companies most.</p>"
    for i in range(8)
)
FORECAST = "<p>I expect IWM to rally 10% by year-end.</p>"


def _page(title: str, extra: str = "") -> str:
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"{extra}{FORECAST}{BODY}</article></body></html>"
    )


def _feed(server: HTTPServer, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{title}</title><link>{server.url_for(path)}</link>"
        "<pubDate>Mon, 04 Dec 2023 08:00:00 GMT</pubDate></item>"
        for path, title in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'


def test_run_ingest_follows_a_feed_once_and_records_a_syndicated_copy(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/a").respond_with_data(_page("Small caps"), content_type="text/html")
    syndicated = _page("Small caps (via Wire)", "<p>Republished with permission.</p>")
    httpserver.expect_request("/b").respond_with_data(syndicated, content_type="text/html")
    feed = _feed(httpserver, [("/a", "Small caps"), ("/b", "Copy")])
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"f1"'}
    )

    summary = stages.ingest(store, [httpserver.url_for("/feed.xml")], web_settings)
    assert (summary.articles_seen, summary.articles_new, summary.duplicates) == (2, 1, 1)
    assert summary.failures == []
    original, copy = sorted(store.articles(), key=lambda a: a.duplicate_of or "")
    assert original.published == date(2023, 12, 4) and original.published_source == "feed"
    assert copy.duplicate_of == original.article_id and "near-copy" in (copy.duplicate_reason or "")
    assert [d.kind for d in store.duplicates()] == ["near_copy"]

    assert stages.extract(store, web_settings).claims_new >= 1
    assert {c.article_id for c in store.claims()} == {original.article_id}
    assert store.articles(needing_extraction=stages.extraction_version(web_settings)) == []

    # The next run asks for the feed again (conditionally) and fetches no page twice.
    again = stages.ingest(store, [httpserver.url_for("/feed.xml")], web_settings)
    assert (again.articles_seen, again.articles_new) == (0, 0)
    page_hits = [r.path for r, _ in httpserver.log if r.path in ("/a", "/b")]
    assert page_hits == ["/a", "/b"]
    feed_hits = [r for r, _ in httpserver.log if r.path == "/feed.xml"]
    assert feed_hits[-1].headers.get("If-None-Match") == '"f1"'


def test_run_ingest_a_bad_url_is_a_failure_and_keeps_what_is_stored(
    httpserver: HTTPServer, store: Store, web_settings: Settings, tmp_path: Path
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    note = tmp_path / "note.md"
    note.write_text("---\npublished: 2024-01-02\n---\nIWM could rally 20% by year-end.\n")
    stages.ingest(store, [note], web_settings)
    summary = stages.ingest(store, [httpserver.url_for("/gone"), "ftp://x/y"], web_settings)
    assert [f.reason.split(";")[0] for f in summary.failures] == [
        "the server answered 410 GONE",
        "only http and https URLs can be fetched, not ftp: address",
    ]
    assert len(store.articles()) == 1 and len(store.failures()) == 2


def test_run_extract_uses_inferred_dates_only_when_asked(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text(
        "Tape note\nAfter the gap-up on Friday, 6/2/23, I expect IWM to rally 10% by year-end.\n"
    )
    stages.ingest(store, [note], settings)
    (article,) = store.articles()
    assert article.published is None and article.published_inferred == date(2023, 6, 2)

    stages.extract(store, settings)
    assert {c.published for c in store.claims()} == {None}
    stages.track(store, settings)
    assert {o.status for o in store.outcomes().values()} == {"no_date"}

    opted_in = settings.with_overrides(grading={"use_inferred_dates": True})
    stages.extract(store, opted_in)
    claims = store.claims()
    assert claims and {c.published for c in claims} == {date(2023, 6, 2)}
    assert {c.horizon_end for c in claims} == {date(2023, 12, 29)}  # 12-31 is a Sunday
    (stored,) = store.articles()
    assert stored.published is None  # the article itself still says: not certain


JAPANESE = (
    "小型株は昨年、大型のハイテク株に大きく後れを取りました。しかし多くの投資家は、"
    "中央銀行が利下げを始めれば、借り入れに頼る中小企業の業績が改善すると考えています。"
) * 6


def test_run_keeps_articles_in_other_languages_and_skips_them_in_extraction(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "ja.txt").write_bytes(("株式\n" + JAPANESE).encode("shift_jis"))
    german = "Die Aktien kleiner Unternehmen werden im kommenden Jahr um 20% steigen. " * 8
    (tmp_path / "de.html").write_text(
        f"<html lang=de><head><title>Kleine Werte</title></head><body><article><p>{german}"
        "</p></article></body></html>"
    )
    (tmp_path / "en.txt").write_text("Note\nI expect IWM to rally 10% by year-end.\n")
    ingested = stages.ingest(store, [tmp_path], settings)
    assert (ingested.articles_new, ingested.failures) == (3, [])
    languages = {a.location.rsplit("/", 1)[-1]: a.language for a in store.articles()}
    assert languages == {"ja.txt": "ja", "de.html": "de", "en.txt": None}

    extracted = stages.extract(store, settings)
    assert extracted.skipped_language == 2
    assert any("2 article(s) not in English" in line for line in extracted.lines())
    reasons = {a.language: a.skip_reason for a in store.articles()}
    assert reasons[None] is None and "German (de)" in str(reasons["de"])
    assert "Japanese (ja)" in str(reasons["ja"])
    assert {c.subject for c in store.claims()} == {"IWM"}
    assert stages.extract(store, settings).skipped_language == 0  # not queued again


def test_run_ingest_fingerprints_articles_stored_before_fingerprints(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    text = " ".join(f"Sentence {i} says small caps could rally as rates fall." for i in range(30))
    old = make_article(text)  # as an older version stored it: no fingerprint
    store.save_articles([old])
    copy = tmp_path / "copy.txt"
    copy.write_text(f"Syndicated\n{text} Reprinted with permission.\n")
    summary = stages.ingest(store, [copy], settings)
    assert summary.duplicates == 1 and summary.articles_new == 0
    assert [d.duplicate_of for d in store.duplicates()] == [old.article_id]


def test_run_ingest_finds_near_copies_and_versions_across_runs(
    tmp_path: Path, settings: Settings
) -> None:
    """The second run finds the first run's article through the store's index alone."""
    text = " ".join(f"Sentence {i} says small caps could rally as rates fall." for i in range(30))
    note = tmp_path / "notes" / "small-caps.md"
    note.parent.mkdir()
    note.write_text(f"Small caps\n{text}\n")
    store = Store(settings.db_path)
    assert stages.ingest(store, [note], settings).articles_new == 1
    (original,) = store.articles()
    store.close()

    copy = tmp_path / "elsewhere" / "copy.md"
    copy.parent.mkdir()
    copy.write_text(f"Syndicated\n{text}\nReprinted with permission.\n")
    note.write_text(f"Small caps\n{text} Update: the stop moved.\n")
    store = Store(settings.db_path)
    second = stages.ingest(store, [copy.parent, note.parent], settings)
    assert (second.articles_new, second.articles_updated, second.duplicates) == (0, 1, 1)
    (duplicate,) = store.duplicates()
    assert (duplicate.item, duplicate.kind) == (str(copy), "near_copy")
    assert duplicate.duplicate_of == original.article_id
    revised = [a for a in store.articles() if a.revision_of]
    assert [a.revision_of for a in revised] == [original.article_id]
    store.close()


def test_run_ingest_indexes_articles_stored_before_the_index(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    text = " ".join(f"Line {i}: breadth improves and credit spreads stay calm." for i in range(30))
    note = tmp_path / "note.md"
    stored = [  # as a version before the index stored them: fingerprints, no index keys
        replace(make_article(f"{text} Version {i}."), location=str(note), fingerprint=None)
        for i in range(3)
    ]
    for article in stored:
        store.save_articles([article])
    note.write_text(f"Desk note\n{text} Version 2. A correction.\n")
    summary = stages.ingest(store, [note], settings)
    assert (summary.articles_updated, summary.articles_new) == (1, 0)
    (revised,) = [a for a in store.articles() if a.revision_of]
    assert revised.revision_of == stored[-1].article_id  # the latest version stored there
    assert list(store.originals_without_keys()) == []


@pytest.mark.skipif(not model_installed(), reason="no en_core_web_sm installed")
def test_run_extract_turning_on_ner_re_extracts_stored_articles(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Desk note\nI expect IWM to rally 10% by year-end.\n")
    rules_only = settings.with_overrides(extract={"use_ner": False})
    stages.ingest(store, [note], rules_only)
    assert stages.extract(store, rules_only).claims_new == 1
    with_ner = settings.with_overrides(extract={"use_ner": True})
    assert store.articles(needing_extraction=EXTRACTOR_VERSION + "+ner") != []
    stages.extract(store, with_ner)  # the first-person claim keeps its author
    assert store.articles(needing_extraction=EXTRACTOR_VERSION + "+ner") == []


CORRECTED_NOTE = """---
title: Small caps into the summer
author: Priya Raman
published: 2024-03-04
---
Breadth has improved for six straight weeks and credit spreads are calm, which has
historically helped smaller companies more than the megacaps.

I expect IWM to rally 10% by the end of June.

{second}

Earnings revisions for the Russell 2000 turned positive in February for the first time
in two years, and the Fed has signalled that the next move in rates is down.
"""


def test_run_a_corrected_file_is_a_new_version_and_its_dropped_claims_are_withdrawn(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    note = tmp_path / "notes" / "small-caps.md"
    note.parent.mkdir()
    note.write_text(CORRECTED_NOTE.format(second="I also think KRE will fall 8% by May."))
    first = stages.ingest(store, [note.parent], settings)
    assert (first.articles_new, first.articles_updated) == (1, 0)
    stages.extract(store, settings)
    before = {c.subject: c for c in store.claims()}
    assert {"IWM", "KRE"} <= set(before)

    # The author corrects the note: the KRE call goes, an XLF call arrives.
    note.write_text(CORRECTED_NOTE.format(second="I also think XLF will rise 5% by May."))
    again = stages.ingest(store, [note.parent], settings)
    assert (again.articles_new, again.articles_updated) == (0, 1)
    assert "articles: 1 read, 0 new, 1 updated" in again.lines()
    old, new = sorted(store.articles(), key=lambda a: a.revision_of or "")
    assert new.revision_of == old.article_id

    extracted = stages.extract(store, settings)
    assert extracted.claims_withdrawn == 1
    assert any(
        "1 claim(s) a corrected version no longer makes" in line for line in extracted.lines()
    )
    claims = store.claims()
    by_subject = {c.subject: c for c in claims}
    # the withdrawn call stays on the record, marked; the repeated call counts once
    assert by_subject["KRE"].withdrawn_by == new.article_id
    assert by_subject["KRE"].article_id == old.article_id
    assert by_subject["XLF"].article_id == new.article_id
    assert [c.article_id for c in claims if c.subject == "IWM"] == [new.article_id]
    # nothing is queued again, and re-reading the corrected note changes nothing
    assert store.articles(needing_extraction=stages.extraction_version(settings)) == []
    third = stages.ingest(store, [note.parent], settings)
    assert (third.articles_new, third.articles_updated) == (0, 0)


def test_run_another_story_under_a_reused_file_name_is_no_version(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    note = tmp_path / "inbox" / "today.md"
    note.parent.mkdir()
    note.write_text(CORRECTED_NOTE.format(second="I also think KRE will fall 8% by May."))
    stages.ingest(store, [note.parent], settings)
    note.write_text(
        "Gold miners\n\nThe gold miners have lagged bullion all year. I expect GDX to gain 15% "
        "over the next six months as costs fall and the metal holds its level near the highs."
    )
    again = stages.ingest(store, [note.parent], settings)
    assert (again.articles_new, again.articles_updated) == (1, 0)
    assert all(a.revision_of is None for a in store.articles())


def test_run_a_corrected_page_at_the_same_url_is_a_new_version(
    httpserver: HTTPServer, store: Store, web_settings: Settings
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_oneshot_request("/story").respond_with_data(
        _page("Small caps"), content_type="text/html"
    )
    stages.ingest(store, [httpserver.url_for("/story")], web_settings)
    stages.extract(store, web_settings)
    corrected = _page("Small caps", "<p>Correction: an earlier version misstated the date.</p>")
    httpserver.expect_oneshot_request("/story").respond_with_data(
        corrected, content_type="text/html"
    )
    refresh = replace(web_settings, fetch=replace(web_settings.fetch, refresh=True))
    again = stages.ingest(store, [httpserver.url_for("/story")], refresh)  # --refresh
    assert (again.articles_new, again.articles_updated) == (0, 1)
    extracted = stages.extract(store, web_settings)
    assert extracted.claims_withdrawn == 0  # the IWM call is made again, so it counts once
    assert len({c.subject for c in store.claims()}) == len(store.claims())


def _ingested(db: Path, corpus_dir: Path, settings: Settings) -> Store:
    """A second store holding the sample corpus, to compare with the `store` fixture's."""
    other = Store(db)
    stages.ingest(other, [corpus_dir], settings)
    return other


def test_extract_reads_the_articles_a_few_at_a_time_and_stores_what_it_stored(
    store: Store,
    settings: Settings,
    corpus_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stages.ingest(store, [corpus_dir], settings)
    whole = stages.extract(store, settings)
    other = _ingested(tmp_path / "few.db", corpus_dir, settings)
    monkeypatch.setattr(stages, "EXTRACT_READ", 5)  # 12 articles: three reads
    reads: list[int] = []
    articles = Store.articles

    def counting(self: Store, **how: object) -> list[object]:
        found = articles(self, **how)  # type: ignore[arg-type]
        reads.append(len(found))
        return found  # type: ignore[return-value]

    monkeypatch.setattr(Store, "articles", counting)
    few = stages.extract(other, settings)
    assert reads == [5, 5, 2]
    assert few.claims_new == whole.claims_new == len(store.claims())
    assert [c.to_record() for c in other.claims()] == [c.to_record() for c in store.claims()]
    other.close()


def test_track_in_small_batches_stores_what_one_batch_stores(
    store: Store,
    settings: Settings,
    corpus_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stages.ingest(store, [corpus_dir], settings)
    stages.extract(store, settings)
    whole = stages.track(store, settings)
    other = _ingested(tmp_path / "batched.db", corpus_dir, settings)
    stages.extract(other, settings)
    monkeypatch.setattr(stages, "TRACK_BATCH", 7)  # 45 claims: seven batches
    batched = stages.track(other, settings)
    assert batched.graded == whole.graded == len(store.claims())
    assert (batched.outcomes, batched.net_of_drift) == (whole.outcomes, whole.net_of_drift)

    def decided(db: Store) -> list[tuple[object, ...]]:
        return sorted((o.claim_id, o.status, o.return_pct) for o in db.outcomes().values())

    assert decided(other) == decided(store)
    other.close()


def test_run_a_daily_rerun_grades_and_draws_only_what_can_change(
    store: Store, settings: Settings, corpus_dir: Path
) -> None:
    first = stages.run_all(store, [corpus_dir], settings)
    assert first.graded == sum(first.outcomes.values()) and first.pages_unchanged == 0
    again = stages.run_all(store, [corpus_dir], settings)
    assert again.outcomes == first.outcomes
    # same prices, same grading date: neither a decision nor a pending claim can change
    assert again.graded == 0
    assert again.pages == len(again.written) and again.pages_unchanged == first.pages - 3
    assert f"graded 0 of {sum(first.outcomes.values())} claims" in "\n".join(again.lines())


def _everything(store: Store) -> tuple[object, ...]:
    """What a run stored, in a comparable form."""
    return (
        sorted((a.article_id, a.location, a.title, a.published, a.text) for a in store.articles()),
        [c.to_record() for c in store.claims()],
        sorted((f.item, f.stage, f.reason, f.input_digest) for f in store.failures()),
        sorted((d.item, d.duplicate_of, d.kind) for d in store.duplicates()),
    )


def test_run_two_workers_store_what_one_stores(
    httpserver: HTTPServer, web_settings: Settings, tmp_path: Path, corpus_dir: Path
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path in ("/a", "/b", "/c"):
        httpserver.expect_request(path).respond_with_data(
            _page(f"Small caps {path}", f"<p>Note {path}.</p>"), content_type="text/html"
        )
    httpserver.expect_request("/feed.xml").respond_with_data(
        _feed(httpserver, [("/a", "A"), ("/b", "B"), ("/c", "C")]),
        content_type="application/rss+xml",
    )
    broken = tmp_path / "in" / "broken.md"
    broken.parent.mkdir()
    broken.write_text("---\npublished: 2024-02-30\n---\nI expect IWM to rally 10% by June.\n")
    sources = [corpus_dir, SHARED / "devset", broken.parent]
    stored = []
    for workers in (1, 2):
        settings = web_settings.with_overrides(db_path=tmp_path / f"{workers}.db", workers=workers)
        store = Store(settings.db_path)
        stages.ingest(store, [*sources, httpserver.url_for("/feed.xml")], settings)
        stages.extract(store, settings)
        stored.append(_everything(store))
        store.close()
    one, two = stored
    assert two == one
    assert len(one[0]) > 70 and len(one[1]) > 200 and [f[0] for f in one[2]] == [str(broken)]
