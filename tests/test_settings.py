"""Settings: grouped defaults, one TOML table per group, overrides of nested fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipeline.errors import ThesisError
from pipeline.settings import Settings, load_settings


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thesis.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_tables_fill_their_groups(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[thesis]\ndb_path = "x.db"\nprogress = false\n'
        "[thesis.fetch]\ndelay = 0.5\nretries = 1\n"
        '[thesis.extract]\nlexicon = ["mine.csv"]\n'
        '[thesis.prices]\nprovider = "cache"\ndir = "prices"\n'
        '[thesis.grading]\nas_of = "2024-12-31"\ndrift_pct_per_year = 0.0\n'
        '[thesis.report]\nout_dir = "out"\n',
    )
    settings = load_settings(config)
    assert settings.db_path == Path("x.db") and not settings.progress
    assert (settings.fetch.delay, settings.fetch.retries, settings.fetch.timeout) == (0.5, 1, 20.0)
    assert settings.extract.lexicon == (tmp_path / "mine.csv",)
    assert (settings.prices.provider, settings.prices.dir) == ("cache", Path("prices"))
    assert settings.grading.as_of == date(2024, 12, 31)
    assert settings.grading.drift_pct_per_year == 0.0
    assert settings.report.out_dir == Path("out")


def test_settings_a_table_alone_is_enough(tmp_path: Path) -> None:
    settings = load_settings(_config(tmp_path, "[thesis.grading]\nas_of = 2024-06-28\n"))
    assert settings.grading.as_of == date(2024, 6, 28) and settings.prices == Settings().prices


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[thesis]\ncolour = 1\n", r"unknown setting 'colour' in \[thesis\]; known: db_path"),
        ("[thesis.prices]\nurl = 'x'\n", r"unknown setting 'url' in \[thesis\.prices\]"),
        (
            "[thesis]\nfetch_delay = 0.0\n",
            r"'fetch_delay' has moved: .*'delay' in \[thesis\.fetch\]",
        ),
        ("[thesis]\nfetch = 1\n", r"write it as \[thesis\.fetch\]"),
        ("[fetch]\ndelay = 0.0\n", r"no \[thesis\] table"),
        ("", r"no \[thesis\] table"),
        ("[thesis.grading]\nas_of = 'soon'\n", r"as_of in \[thesis\.grading\] is not a date"),
        ("[thesis\n", "cannot read settings"),
    ],
)
def test_settings_bad_files_name_the_key_and_table(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ThesisError, match=message):
        load_settings(_config(tmp_path, text))


def test_settings_with_overrides_changes_nested_fields_and_skips_none() -> None:
    base = Settings()
    changed = base.with_overrides(
        db_path=Path("y.db"), progress=None, prices={"provider": "cache", "dir": None}
    )
    assert changed.db_path == Path("y.db") and changed.progress
    assert changed.prices.provider == "cache" and changed.prices.stooq_url == base.prices.stooq_url
    assert changed.fetch == base.fetch and base.prices.provider == "stooq"
    with pytest.raises(TypeError):
        base.with_overrides(prices={"colour": 1})
    with pytest.raises(TypeError, match="mapping"):
        base.with_overrides(prices="cache")


def test_settings_env_db_then_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THESIS_DB", str(tmp_path / "env.db"))
    assert load_settings().db_path == tmp_path / "env.db"
    config = _config(tmp_path, '[thesis]\ndb_path = "file.db"\n')
    assert load_settings(config).db_path == Path("file.db")


def test_settings_fetch_group_is_the_http_policy() -> None:
    fetch = Settings().with_overrides(fetch={"timeout": 3.0, "max_page_bytes": 10}).fetch
    policy = fetch.http_policy()
    assert (policy.timeout, policy.max_bytes, policy.user_agent) == (3.0, 10, fetch.user_agent)


def test_settings_byte_budgets_default_and_read_from_toml(tmp_path: Path) -> None:
    fetch = Settings().fetch
    assert (fetch.max_host_bytes, fetch.max_total_bytes) == (500 * 2**20, 5 * 2**30)
    config = _config(tmp_path, "[thesis.fetch]\nmax_host_bytes = 1000\nmax_total_bytes = 0\n")
    fetch = load_settings(config).fetch
    assert (fetch.max_host_bytes, fetch.max_total_bytes) == (1000, 0)


def test_settings_use_ner_is_on_unless_the_extract_table_turns_it_off(tmp_path: Path) -> None:
    assert load_settings(_config(tmp_path, "[thesis]\n")).extract.use_ner
    config = _config(tmp_path, "[thesis]\n[thesis.extract]\nuse_ner = false\n")
    assert not load_settings(config).extract.use_ner


def test_settings_item_cap_per_source_is_a_fetch_setting(tmp_path: Path) -> None:
    assert Settings().fetch.max_items_per_source == 200
    config = _config(tmp_path, "[thesis.fetch]\nmax_items_per_source = 50\n")
    assert load_settings(config).fetch.max_items_per_source == 50
