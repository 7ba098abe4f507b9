from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from pipeline.cli import main, run_cli
from pipeline.store.database import Store

CLAIM_FIELDS = [
    "claim_id",
    "article_id",
    "url",
    "title",
    "published",
    "forecaster",
    "forecaster_org",
    "forecaster_role",
    "subject",
    "subject_text",
    "kind",
    "direction",
    "target_low",
    "target_high",
    "move_pct",
    "benchmark",
    "ratio",
    "horizon_start",
    "horizon_end",
    "horizon_text",
    "horizon_assumed",
    "hedge",
    "conditional",
    "negated",
    "evidence",
    "evidence_start",
    "evidence_end",
    "catalysts",
    "risks",
    "rating",
    "previous_rating",
    "previous_target",
    "action",
    "consensus",
    "withdrawn_by",
]
OUTCOME_FIELDS = [
    "claim_id",
    "status",
    "as_of",
    "start_date",
    "start_price",
    "end_date",
    "end_price",
    "return_pct",
    "benchmark_return_pct",
    "excess_return_pct",
    "best_price",
    "hit_date",
    "reason",
]


@pytest.fixture
def thesis(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """Run the real console entry point in-process and return (exit code, stdout + stderr)."""

    def invoke(db: Path, *args: str) -> tuple[int, str]:
        code = 0
        try:
            run_cli(["--quiet", "--db", str(db), *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return invoke


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "t.db"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "no/such/dir"], "Error: no/such/dir: no such file or folder; check the path"),
        (["track", "--as-of", "2024-13-01"], "'2024-13-01' is not a date; write it as YYYY-MM-DD"),
        (["track", "--prices", "no/such/prices"], "Error: no/such/prices: no such prices folder"),
        (
            ["export", "claims", "--format", "parquet"],
            "Error: Parquet is binary: pass -o FILE.parquet",
        ),
        (
            ["export", "tweets"],
            "'tweets' is not one of 'claims', 'outcomes', 'articles', 'scorecards', 'mentions'",
        ),
        (["eval", "nowhere"], "Error: nowhere: no gold files (*.json) found"),
        (["extract", "--workers", "-1"], "'--workers': -1 is not in the range x>=0"),
    ],
)
def test_cli_expected_errors_exit_1_without_traceback(
    thesis: Callable[..., tuple[int, str]], db: Path, args: list[str], message: str
) -> None:
    code, output = thesis(db, *args)
    assert code == 1
    assert message in output
    assert "Traceback" not in output


@pytest.mark.parametrize("name", sorted(main.commands))
def test_cli_every_command_has_help_with_example(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert "thesis " in result.output


def test_cli_newer_database_is_refused_with_a_message(
    thesis: Callable[..., tuple[int, str]], db: Path
) -> None:
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('thesis', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    code, output = thesis(db, "track")
    assert code == 1
    assert f"Error: {db}: the database was written by a newer version" in output
    assert "Traceback" not in output


def test_cli_batch_with_bad_file_goes_on_and_exits_3(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.md").write_text(
        "---\npublished: 2024-01-02\nauthor: Jane Doe\n---\nIWM could rally 20% by year-end.\n"
    )
    (folder / "empty.txt").write_text("")
    code, output = thesis(db, "ingest", str(folder))
    assert code == 3
    assert (
        "articles: 1 read, 1 new" in output
        and "failed: 1" in output
        and "empty.txt: the file is empty" in output
    )
    rows = sqlite3.connect(db).execute("select stage, item from failures").fetchall()
    assert rows == [("ingest", str(folder / "empty.txt"))]


@pytest.mark.slow
def test_cli_end_to_end_on_sample_corpus_with_real_prices(
    thesis: Callable[..., tuple[int, str]],
    db: Path,
    tmp_path: Path,
    corpus_dir: Path,
    prices_dir: Path,
) -> None:
    out = tmp_path / "reports"
    code, output = thesis(
        db, "run", str(corpus_dir), "--prices", str(prices_dir), "--out", str(out)
    )
    assert code == 0, output
    assert "articles: 12 read, 12 new" in output
    conn = sqlite3.connect(db)
    counts = {
        t: conn.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("articles", "claims", "outcomes", "prices")
    }
    assert (
        counts["articles"] == 12
        and counts["claims"] >= 40
        and counts["outcomes"] == counts["claims"]
        and counts["prices"] > 0
    )
    statuses = dict(
        conn.execute("select status, count(*) from outcomes group by status").fetchall()
    )
    assert statuses.get("hit", 0) >= 10 and statuses.get("miss", 0) >= 10

    code, output = thesis(
        db, "run", str(corpus_dir), "--prices", str(prices_dir), "--out", str(out)
    )
    assert code == 0 and "articles: 12 read, 0 new" in output and "claims: 0 new" in output
    again = {
        t: conn.execute(f"select count(*) from {t}").fetchone()[0]
        for t in ("articles", "claims", "outcomes", "prices")
    }
    assert again == counts

    code, output = thesis(db, "export", "claims", "--format", "jsonl")
    records = [json.loads(line) for line in output.splitlines()]
    assert len(records) == counts["claims"] and list(records[0]) == CLAIM_FIELDS
    code, output = thesis(db, "export", "outcomes", "--format", "jsonl")
    assert set(OUTCOME_FIELDS) <= set(json.loads(output.splitlines()[0]))
    for fmt in ("csv", "parquet"):
        code, output = thesis(
            db, "export", "outcomes", "--format", fmt, "-o", str(tmp_path / f"o.{fmt}")
        )
        assert code == 0 and (tmp_path / f"o.{fmt}").stat().st_size > 0

    html = (out / "index.html").read_text()
    markdown = (out / "claims.md").read_text()
    for record in records:
        assert record["evidence"].split()[0] in markdown
    assert "<script src" not in html and "http://" not in html.split("<body>")[0]
    assert html.count('<tr data-claim="') == counts["claims"]


def test_cli_run_with_two_workers_prints_and_stores_what_one_does(
    thesis: Callable[..., tuple[int, str]], tmp_path: Path, corpus_dir: Path, prices_dir: Path
) -> None:
    outputs, exports = [], []
    for workers in ("1", "2"):
        db, out = tmp_path / f"{workers}.db", tmp_path / f"reports{workers}"
        args = ("run", str(corpus_dir), "--prices", str(prices_dir), "--out", str(out))
        code, output = thesis(db, *args, "--workers", workers)
        assert code == 0, output
        outputs.append(output.replace(str(out), "OUT"))
        exports.append([thesis(db, "export", table)[1] for table in ("claims", "outcomes")])
    assert outputs[1] == outputs[0] and "articles: 12 read, 12 new" in outputs[0]
    assert exports[1] == exports[0]


def test_cli_python_dash_m_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Thesis Tracker" in result.stdout


@pytest.fixture
def one_article(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.md").write_text(
        "---\npublished: 2023-11-28\nauthor: Jane Doe\n---\nIWM could rally 10% in the coming month.\n"
    )
    return folder


def test_cli_track_keeps_decisions_and_lists_disagreements(
    thesis: Callable[..., tuple[int, str]],
    db: Path,
    one_article: Path,
    prices_dir: Path,
    tmp_path: Path,
) -> None:
    """IWM rose from 178.04 to 204.04 in the month: a hit. Halving the cached December
    closes (a provider revising its data) makes a re-grade a miss: the stored hit stays,
    the disagreement is recorded once, listed by the run that found it, and the next run
    (nothing changed since) grades nothing again."""
    code, output = thesis(
        db, "run", str(one_article), "--prices", str(prices_dir), "--out", str(tmp_path / "r")
    )
    assert code == 0 and "hit 1" in output
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "update prices set close = close * 0.5 where symbol = 'IWM' "
            "and date > '2023-11-28' and date <= '2023-12-31'"
        )
    code, output = thesis(db, "track", "--provider", "cache")
    assert code == 0 and "outcomes as of 2025-12-31: hit 1" in output
    assert "history: 1 re-grade(s) differ from stored decisions (stored kept" in output
    assert "stored hit (as of 2025-12-31, prices " in output and "re-grade miss" in output
    code, output = thesis(db, "track", "--provider", "cache")
    assert code == 0 and "outcomes as of 2025-12-31: hit 1" in output
    assert "history:" not in output and "graded 0 of 1 claims" in output
    assert conn.execute("select status from outcomes").fetchall() == [("hit",)]
    assert conn.execute("select regrade_status from outcome_history").fetchall() == [("miss",)]


def test_cli_run_offline_grades_no_data_and_says_how_to_add_a_csv(
    thesis: Callable[..., tuple[int, str]], db: Path, one_article: Path, tmp_path: Path
) -> None:
    """No --prices: the online provider is used; its host is unreachable (nothing listens
    on port 9), so the claim is no_data with a reason naming the symbol and the CSV."""
    config = tmp_path / "thesis.toml"
    config.write_text(
        '[thesis.prices]\nstooq_url = "http://127.0.0.1:9/q/d/l/"\n'
        "[thesis.fetch]\nallow_private_addresses = true\n"
    )
    code, output = thesis(
        db, "--config", str(config), "run", str(one_article), "--out", str(tmp_path / "r")
    )
    assert code == 0, output
    assert "no_data 1" in output and "cannot reach 127.0.0.1:9" in output
    reason = sqlite3.connect(db).execute("select reason from outcomes").fetchone()[0]
    assert reason.startswith("No prices for IWM or ^RUT (IWM: stooq: cannot reach 127.0.0.1:9")
    assert "save daily prices as IWM.csv or RUT.csv" in reason and "--prices DIR" in reason


def test_cli_unknown_provider_is_a_usage_error(
    thesis: Callable[..., tuple[int, str]], db: Path
) -> None:
    code, output = thesis(db, "track", "--provider", "bloomberg")
    assert code == 1 and "Invalid value for '--provider'" in output and "Traceback" not in output


def test_cli_ingest_without_sources_is_an_error(
    thesis: Callable[..., tuple[int, str]], db: Path
) -> None:
    code, output = thesis(db, "ingest")
    assert code == 1 and "Error: give at least one file, folder or URL, or --sources FILE" in output


def test_cli_ingest_urls_and_sources_file(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n"
    )
    page = (
        "<html><head><title>Banks</title><meta property='article:published_time' "
        "content='2024-01-08'></head><body><article><p>I expect KRE to rally 25% over the next "
        "12 months.</p></article></body></html>"
    )
    httpserver.expect_request("/banks").respond_with_data(page, content_type="text/html")
    config = tmp_path / "fast.toml"
    config.write_text(
        "[thesis.fetch]\ndelay = 0.0\nbackoff = 0.01\nretries = 1\nallow_private_addresses = true\n"
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'urls = ["{httpserver.url_for("/banks")}", "{httpserver.url_for("/private/x")}"]\n'
    )
    code, output = thesis(db, "--config", str(config), "ingest", "--sources", str(sources))
    assert code == 3, output
    assert "articles: 1 read, 1 new" in output and "failed: 1" in output
    assert "robots.txt disallows" in output
    code, output = thesis(db, "--config", str(config), "ingest", httpserver.url_for("/banks"))
    assert code == 0 and "articles: 1 read, 0 new" in output
    assert [r.path for r, _ in httpserver.log].count("/banks") == 1  # the cache served the rerun


def test_cli_ingest_says_how_many_links_wait_for_the_next_run(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    items = ""
    for i, subject in enumerate(("IWM", "KRE", "XLF")):
        page = f"<html><body><article><p>I expect {subject} to rise {5 + i}% this year.</p></article></body></html>"
        httpserver.expect_request(f"/n{i}").respond_with_data(page, content_type="text/html")
        items += f"<item><title>{subject}</title><link>{httpserver.url_for(f'/n{i}')}</link></item>"
    feed = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    config = tmp_path / "capped.toml"
    config.write_text(
        "[thesis.fetch]\ndelay = 0.0\nallow_private_addresses = true\nmax_items_per_source = 2\n"
    )
    url = httpserver.url_for("/feed.xml")
    code, output = thesis(db, "--config", str(config), "ingest", url)
    assert code == 0 and "articles: 2 read, 2 new" in output, output
    assert (
        "1 link queued for the next run (cap 2 per source; raise [thesis.fetch] "
        "max_items_per_source)"
    ) in output
    code, output = thesis(db, "--config", str(config), "ingest", url)
    assert code == 0 and "articles: 1 read, 1 new" in output and "queued" not in output


def test_cli_run_with_inferred_dates_grades_an_undated_seed(
    thesis: Callable[..., tuple[int, str]],
    db: Path,
    tmp_path: Path,
    seeds_dir: Path,
    prices_dir: Path,
) -> None:
    seed = next(seeds_dir.glob("002_*.txt"))
    out = str(tmp_path / "reports")
    code, output = thesis(db, "run", str(seed), "--prices", str(prices_dir), "--out", out)
    assert code == 0 and "no_date" in output, output
    code, output = thesis(
        db, "run", str(seed), "--prices", str(prices_dir), "--out", out, "--use-inferred-dates"
    )
    assert code == 0 and "no_date" not in output, output


def test_cli_config_with_an_old_flat_key_says_where_it_moved(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path
) -> None:
    config = tmp_path / "old.toml"
    config.write_text('[thesis]\nprice_provider = "cache"\n')
    code, output = thesis(db, "--config", str(config), "track")
    assert code == 1 and "Traceback" not in output
    assert "Error: " in output and "'price_provider' has moved" in output
    assert "write it as 'provider' in [thesis.prices]" in output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_cli_export_mentions_from_stored_text(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path, fmt: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    text = "Wingstop (WING) and shares of Target rose; the Dow slipped.\n"
    (folder / "a.md").write_text(f"---\npublished: 2024-03-04\nauthor: Jane Doe\n---\n{text}")
    assert thesis(db, "ingest", str(folder))[0] == 0
    out = tmp_path / f"m.{fmt}"
    code, output = thesis(db, "export", "mentions", "--format", fmt, "-o", str(out))
    assert code == 0 and "wrote 4 mentions" in output
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif fmt == "csv":
        rows = pd.read_csv(out).to_dict("records")
    else:
        rows = pd.read_parquet(out).to_dict("records")
    assert [(r["symbol"], r["text"]) for r in rows] == [
        ("WING", "Wingstop"),
        ("WING", "WING"),
        ("TGT", "Target"),
        ("^DJI", "Dow"),
    ]
    assert list(rows[0]) == ["article_id", "url", "symbol", "text", "start", "end"]
    stored = sqlite3.connect(db).execute("select text from articles").fetchone()[0]
    assert all(stored[r["start"] : r["end"]] == r["text"] for r in rows)


@pytest.mark.parametrize("command", [["track"], ["report"], ["export", "claims"]])
def test_cli_a_damaged_database_is_one_error_line_with_what_to_do(
    thesis: Callable[..., tuple[int, str]], db: Path, tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        (folder / f"n{i}.md").write_text(
            f"---\npublished: 2024-01-02\nauthor: Writer {i}\n---\n"
            f"Note {i}: I expect IWM to rally {i + 5}% by year-end. " + "Breadth. " * 200 + "\n"
        )
    code, _ = thesis(db, "ingest", str(folder))
    assert code == 0
    with sqlite3.connect(db) as con:
        con.execute("pragma wal_checkpoint(truncate)")
    pages = db.stat().st_size // 4096
    with db.open("r+b") as handle:  # scribble over every page but the schema's
        for page in range(1, pages):
            handle.seek(page * 4096)
            handle.write(b"\xde\xad" * 2048)
    extra = {"track": ["--prices", str(tmp_path)], "report": ["--out", str(tmp_path / "r")]}
    code, output = thesis(db, *command, *extra.get(command[0], []))
    assert code == 1, output
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "PRAGMA integrity_check" in errors[0], output


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--out", "{blocked}/report"],
        ["export", "claims", "-o", "{blocked}/claims.csv"],
        ["export", "claims", "--format", "parquet", "-o", "{blocked}/claims.parquet"],
        ["export", "claims", "--format", "jsonl", "-o", "{blocked}/claims.jsonl"],
    ],
)
def test_cli_an_output_path_that_cannot_be_written_is_one_error_line(
    thesis: Callable[..., tuple[int, str]],
    tmp_path: Path,
    one_article: Path,
    prices_dir: Path,
    command: list[str],
) -> None:
    db = tmp_path / "t.db"
    assert (
        thesis(
            db, "run", str(one_article), "--prices", str(prices_dir), "--out", str(tmp_path / "r")
        )[0]
        == 0
    )
    blocked = tmp_path / "a-file"  # a file where a folder should be: unwritable, even for root
    blocked.write_text("not a folder", encoding="utf-8")
    code, output = thesis(db, *(part.format(blocked=blocked) for part in command))
    assert code == 1 and "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert str(blocked) in errors[0] and "cannot write here" in errors[0], output
