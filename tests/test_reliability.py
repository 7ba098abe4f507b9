"""One bad article never stops a batch: good files mixed with every crash class seen in
the audit (issue 12), through the real command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline import run as run_module
from pipeline.cli import run_cli
from pipeline.extract import claims as claims_module
from pipeline.ingest import documents as documents_module
from pipeline.ingest.parse import parse_text
from pipeline.limits import resident_bytes
from pipeline.report import render as render_module
from pipeline.settings import Settings

GOOD = {
    "good_iwm.md": (
        "---\ntitle: Small caps into summer\nauthor: Jane Doe\npublished: 2024-03-04\n---\n"
        "I expect IWM to rally 10% by the end of June as breadth keeps improving.\n"
    ),
    "good_msft.md": (
        "---\ntitle: Big tech\nauthor: Lee Park\npublished: 2024-01-08\n---\n"
        "I think MSFT will fall 8% by the end of March as spending slows.\n"
    ),
    "good_page.html": (
        "<html><head><title>Nvidia call</title>"
        "<meta property='article:published_time' content='2024-02-01'></head><body><article>"
        "<p>By Dana Whitfield</p><p>I expect NVDA to rise 20% by the end of the year.</p>"
        "</article></body></html>"
    ),
}
CALL = "I expect IWM to rally 10% by June."
BAD = {
    "date_feb30.md": f"---\ntitle: a\npublished: 2024-02-30\n---\n{CALL}\n",
    "date_zero.md": f"---\ntitle: a\npublished: 0000-00-00\n---\n{CALL}\n",
    "date_far.md": (
        "---\ntitle: a\npublished: 9999-12-31\n---\n"
        "I expect IWM to rally 10% in the second half and into the new year.\n"
    ),
    "header_zero.txt": f"date 0000-00-00 Header\n{CALL}\n",
    "header_feb30.txt": f"date 2024-02-30 Header\n{CALL}\n",
    "title_list.md": f"---\ntitle: [a, b]\npublished: 2024-01-02\n---\n{CALL}\n",
    "title_binary.md": f"---\ntitle: !!binary aGVsbG8=\npublished: 2024-01-02\n---\n{CALL}\n",
    "author_dict.md": f"---\nauthor: {{name: x}}\npublished: 2024-01-02\n---\n{CALL}\n",
    "url_list.md": f"---\nurl: [1, 2]\npublished: 2024-01-02\n---\n{CALL}\n",
    "url_int.md": f"---\nurl: 7\npublished: 2024-01-02\n---\n{CALL}\n",
}
#: Read and stored (the bad part coerced or ignored), never a crash.
SURVIVORS = {
    "title_int.md": f"---\ntitle: 42\nauthor: 5\npublished: 2024-01-02\n---\n{CALL} Breadth.\n",
    "author_list.md": (
        f"---\ntitle: b\nauthor: [Ann Lee, Bo Park]\npublished: 2024-01-03\n---\n{CALL} Rates.\n"
    ),
    "huge_horizon.md": (
        "---\ntitle: c\npublished: 2024-01-04\n---\n"
        "I expect IWM to rally 10% in the next 99999999999 months.\n"
    ),
    "far_horizon.md": (
        "---\ntitle: f\npublished: 2024-01-05\n---\nI expect IWM to reach 900 by the end of 2150.\n"
    ),
    "graph_five.html": (
        "<html><head><title>d</title><script type='application/ld+json'>{\"@graph\": 5}"
        f"</script></head><body><p>{CALL} Credit.</p></body></html>"
    ),
    "deep_ld.html": (
        "<html><head><title>e</title><script type='application/ld+json'>"
        + "[" * 5000
        + "]" * 5000
        + f"</script></head><body><p>{CALL} Spreads.</p></body></html>"
    ),
    # over spaCy's default max_length of 1,000,000 characters
    "long.txt": "Long note\n"
    + "".join(
        f"Note {i}: {'small caps held their ground and breadth improved ' * 9}.\n"
        for i in range(2_300)
    )
    + "I expect IWM to rally 10% by the end of June.\n",
}


def _files(where: Path, files: dict[str, str]) -> Path:
    where.mkdir()
    for name, text in files.items():
        (where / name).write_text(text, encoding="utf-8")
    return where


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _files(tmp_path / "in", {**GOOD, **BAD, **SURVIVORS})


def _thesis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = 0
    try:
        run_cli(["--quiet", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _config(tmp_path: Path, toml: str) -> str:
    """A settings file holding `toml`; its path, for --config."""
    config = tmp_path / "thesis.toml"
    config.write_text(toml, encoding="utf-8")
    return str(config)


def _msft_extraction_does(monkeypatch: pytest.MonkeyPatch, misbehave: Callable[[], None]) -> None:
    """Extraction runs `misbehave` on the article that names MSFT and reads the others as
    usual. The models are loaded first, so only that article meets a budget or a cap."""
    settings = Settings()
    warm = parse_text(GOOD["good_iwm.md"], "warm.md", "markdown")
    list(claims_module.extract_each([warm], settings, claims_module.make_nlp(settings)))
    real = claims_module.claims_from_doc

    def rule(doc, article, settings):  # type: ignore[no-untyped-def]
        if "MSFT" in article.text:
            misbehave()
        return real(doc, article, settings)

    monkeypatch.setattr(claims_module, "claims_from_doc", rule)


def _run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, folder: Path, prices: Path, *extra: str
) -> tuple[int, str, Path]:
    """`thesis run` on `folder` into tmp_path/t.db with the given prices; returns the exit
    code, the output and the database."""
    db = tmp_path / "t.db"
    code, output = _thesis(
        capsys,
        "--db",
        str(db),
        *extra,
        "run",
        str(folder),
        "--prices",
        str(prices),
        "--out",
        str(tmp_path / "report"),
    )
    return code, output, db


def test_a_batch_with_every_crash_class_goes_on_and_reports_every_good_file(
    folder: Path, tmp_path: Path, prices_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output, db = _run(capsys, tmp_path, folder, prices_dir)
    out = tmp_path / "report"

    assert code == 3, output
    assert "Traceback" not in output
    con = sqlite3.connect(db)
    failed = {Path(item).name for (item,) in con.execute("select item from failures")}
    assert set(BAD) <= failed, output
    assert not (set(GOOD) | set(SURVIVORS)) & failed, output
    stored = {Path(p).name for (p,) in con.execute("select location from articles")}
    assert set(GOOD) | set(SURVIVORS) <= stored
    graded = dict(
        con.execute(
            "select a.location, o.status from claims c join articles a using (article_id) "
            "join outcomes o using (claim_id)"
        ).fetchall()
    )
    for name in GOOD:
        status = graded.get(str(folder / name))
        assert status in ("hit", "miss", "pending"), (name, status)
    long_claims = con.execute(
        "select count(*) from claims join articles using (article_id) where location = ?",
        [str(folder / "long.txt")],
    ).fetchone()
    assert len(SURVIVORS["long.txt"]) > 1_000_000 and long_claims == (1,)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(name in index for name in ("Jane Doe", "Lee Park", "Dana Whitfield"))
    # a horizon no record can grade is excluded, with the reason, never defaulted
    for name in ("huge_horizon.md", "far_horizon.md"):
        status, why = con.execute(
            "select o.status, o.reason from claims c join articles a using (article_id) "
            "join outcomes o using (claim_id) where a.location = ?",
            [str(folder / name)],
        ).fetchone()
        assert status == "excluded" and "over 30 years or past 2100" in why, (name, why)
    # each bad file's reason names what to fix
    reasons = dict(con.execute("select item, reason from failures").fetchall())
    assert "2024-02-30" in reasons[str(folder / "header_feb30.txt")]
    assert "outside 1900-2100" in reasons[str(folder / "date_far.md")]
    assert "title must be text, not list" in reasons[str(folder / "title_list.md")]


def test_an_unexpected_error_in_one_article_is_one_failure_and_the_rest_go_on(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = claims_module.claims_from_doc

    def flaky(doc, article, settings):  # type: ignore[no-untyped-def]
        if "MSFT" in article.text:
            raise RuntimeError("a bug no rule foresaw")
        return real(doc, article, settings)

    monkeypatch.setattr(claims_module, "claims_from_doc", flaky)
    folder = _files(tmp_path / "in", GOOD)
    code, output, db = _run(capsys, tmp_path, folder, prices_dir)
    assert code == 3 and "Traceback" not in output
    assert "extract: " in output and "unexpected RuntimeError: a bug no rule foresaw" in output
    con = sqlite3.connect(db)
    subjects = {s for (s,) in con.execute("select subject from claims")}
    assert {"IWM", "NVDA"} <= subjects and "MSFT" not in subjects
    # the failed article stays queued, but the same code is not made to fail on it again
    calls = []
    monkeypatch.setattr(
        claims_module, "claims_from_doc", lambda *args: calls.append(args) or flaky(*args)
    )
    code, output = _thesis(capsys, "--db", str(db), "extract")
    assert code == 3 and not calls, output
    assert "failed: 1 (1 unchanged since they failed before, with the same code" in output
    # once the bug is fixed (the extraction code changed), the next run extracts it
    monkeypatch.setattr(claims_module, "claims_from_doc", real)
    monkeypatch.setattr(run_module, "code_digest", lambda *packages: "a fixed release")
    code, output = _thesis(capsys, "--db", str(db), "extract")
    assert code == 0, output
    assert "MSFT" in {s for (s,) in con.execute("select subject from claims")}


def test_an_article_over_its_time_budget_is_a_failure(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def runaway() -> None:
        while True:  # a rule that never returns
            pass

    _msft_extraction_does(monkeypatch, runaway)
    where = _files(tmp_path / "in", {n: GOOD[n] for n in ("good_iwm.md", "good_msft.md")})
    config = _config(tmp_path, "[thesis.extract]\ntime_budget = 2\n")
    code, output, db = _run(capsys, tmp_path, where, prices_dir, "--config", config)
    assert code == 3, output
    assert "good_msft.md: extraction (64 characters) ran over its time budget (2 s)" in output
    assert "IWM" in {s for (s,) in sqlite3.connect(db).execute("select subject from claims")}


def test_an_unexpected_error_grading_one_claim_leaves_the_others_graded(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = run_module.resolve_claims

    def flaky(claims, *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(c.subject == "MSFT" for c in claims):
            raise ZeroDivisionError("a grading bug")
        return real(claims, *args, **kwargs)

    monkeypatch.setattr(run_module, "resolve_claims", flaky)
    folder = _files(tmp_path / "in", GOOD)
    code, output, db = _run(capsys, tmp_path, folder, prices_dir)
    assert code == 3 and "Traceback" not in output
    assert "track: claim " in output and "unexpected ZeroDivisionError: a grading bug" in output
    graded = {
        s
        for (s,) in sqlite3.connect(db).execute(
            "select subject from claims join outcomes using (claim_id)"
        )
    }
    assert {"IWM", "NVDA"} <= graded and "MSFT" not in graded


def test_an_article_that_grows_the_process_past_its_memory_cap_is_a_failure(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def hungry() -> None:
        hoard = []
        while True:  # a rule that keeps every candidate it ever made
            hoard.append(bytearray(2**20))

    _msft_extraction_does(monkeypatch, hungry)  # the models are loaded: the cap is over them
    now = resident_bytes()
    if now is None:
        pytest.skip("resident memory cannot be read on this platform")
    config = _config(tmp_path, f"[thesis]\nmemory_cap_mib = {now // 2**20 + 300}\n")
    where = _files(tmp_path / "in", {n: GOOD[n] for n in ("good_iwm.md", "good_msft.md")})
    code, output, db = _run(capsys, tmp_path, where, prices_dir, "--config", config)
    assert code == 3, output
    assert "good_msft.md: extraction (64 characters) grew the process past its memory cap" in output
    assert "IWM" in {s for (s,) in sqlite3.connect(db).execute("select subject from claims")}


def test_a_file_over_its_parse_budget_is_a_failure_and_is_not_read_again_until_it_changes(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = documents_module.read_document
    reads: list[str] = []

    def slow(path, overrides=None, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(path.name)
        if "MSFT" in path.read_text(encoding="utf-8"):
            while True:  # a parser that never returns on this page
                pass
        return real(path, overrides, **kwargs)

    monkeypatch.setattr(documents_module, "read_document", slow)
    where = _files(tmp_path / "in", {n: GOOD[n] for n in ("good_iwm.md", "good_msft.md")})
    config = _config(tmp_path, "[thesis.ingest]\ntime_budget = 1\n")
    code, output, db = _run(capsys, tmp_path, where, prices_dir, "--config", config)
    assert code == 3, output
    assert "good_msft.md: reading the file ran over its time budget (1 s)" in output
    assert "time_budget in [thesis.ingest]" in output
    # unchanged, with the same code: not read again, still listed as failed
    reads.clear()
    code, output, _ = _run(capsys, tmp_path, where, prices_dir, "--config", config)
    assert code == 3 and reads == ["good_iwm.md"], output
    assert "1 unchanged since they failed before" in output
    # edited: read again, and now it is stored
    monkeypatch.setattr(documents_module, "read_document", real)
    msft = where / "good_msft.md"
    msft.write_text(GOOD["good_msft.md"].replace("MSFT", "Microsoft (MSFT)"), encoding="utf-8")
    code, output, _ = _run(capsys, tmp_path, where, prices_dir, "--config", config)
    assert code == 0, output
    assert "MSFT" in {s for (s,) in sqlite3.connect(db).execute("select subject from claims")}


def test_a_report_page_that_fails_to_render_is_one_failure_and_the_rest_is_written(
    tmp_path: Path,
    prices_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = render_module._chart_spec

    def flaky(row, closes):  # type: ignore[no-untyped-def]
        if row.claim.subject == "MSFT":
            raise OverflowError("a chart axis out of range")
        return real(row, closes)

    monkeypatch.setattr(render_module, "_chart_spec", flaky)
    folder = _files(tmp_path / "in", GOOD)
    code, output, db = _run(capsys, tmp_path, folder, prices_dir)
    assert code == 3 and "Traceback" not in output
    assert "report: claim " in output and "unexpected OverflowError" in output
    con = sqlite3.connect(db)
    pages = dict(con.execute("select subject, claim_id from claims").fetchall())
    claims_dir = tmp_path / "report" / "claims"
    failed = (claims_dir / f"{pages['MSFT']}.html").read_text(encoding="utf-8")
    assert "could not be rendered" in failed and "OverflowError" in failed
    for subject in ("IWM", "NVDA"):
        page = (claims_dir / f"{pages[subject]}.html").read_text(encoding="utf-8")
        assert "could not be rendered" not in page and "<svg" in page
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert all(name in index for name in ("Jane Doe", "Lee Park", "Dana Whitfield"))
    assert con.execute("select count(*) from failures where stage = 'report'").fetchone() == (1,)
