"""One settings object: defaults here, an optional TOML file, CLI flags override.

Settings are grouped by concern, one frozen dataclass per group, and the TOML file has
one table per group: `[thesis]` for the top-level keys, then `[thesis.fetch]`,
`[thesis.extract]`, `[thesis.prices]`, `[thesis.grading]` and `[thesis.report]`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import ThesisError
from pipeline.http import USER_AGENT, HttpPolicy
from pipeline.limits import Budget

DB_ENV = "THESIS_DB"
TABLE = "thesis"


def _models_dir() -> Path:
    """Trained artefacts: models/ beside the package in a checkout, else the copy the
    wheel ships as `pipeline.trained`."""
    checkout = Path(__file__).resolve().parent.parent / "models"
    if (checkout / "tag_classifier.joblib").is_file():
        return checkout
    return Path(__file__).resolve().parent / "trained"


MODELS_DIR = _models_dir()


@dataclass(frozen=True)
class FetchSettings:
    """HTTP for pages, feeds and price APIs (pipeline/http.py), and ingest's crawl policy."""

    user_agent: str = USER_AGENT
    delay: float = 1.0  # seconds between two requests to the same host (ingest)
    timeout: float = 20.0
    retries: int = 3  # extra tries after a 429/5xx answer or a network error
    backoff: float = 1.0  # first wait between tries; doubles each time
    max_wait: float = 60.0  # longest Retry-After honoured before giving up
    max_page_bytes: int = 20 * 2**20
    deadline: float = 120.0  # longest a whole answer may take, however slowly it trickles
    refresh: bool = False  # revalidate cached pages (conditional GET) instead of reusing them
    # The most new links one feed or sitemap (an index with its child sitemaps is one) gives
    # a run, newest first; the rest wait in the link_queue table for the next run (0: no
    # limit). At `delay` seconds a request, 200 links take a few minutes.
    max_items_per_source: int = 200
    # Fetch from private, loopback and link-local addresses (a local mirror, tests);
    # off by default, so a page cannot send the crawler to this machine or its network.
    allow_private_addresses: bool = False
    # Bytes one ingest run may read (decoded) from one host, and from all hosts together:
    # pages, feeds, sitemaps and robots.txt. Once a budget is spent, further URLs of that
    # host (or of any) are refused before connecting, each one a Failure (0: no limit).
    max_host_bytes: int = 500 * 2**20
    max_total_bytes: int = 5 * 2**30

    def http_policy(self, **changes: Any) -> HttpPolicy:
        """The HTTP client's policy for these settings, with `changes` applied."""
        policy = HttpPolicy(
            user_agent=self.user_agent,
            timeout=self.timeout,
            retries=self.retries,
            backoff=self.backoff,
            max_wait=self.max_wait,
            max_bytes=self.max_page_bytes,
            allow_private=self.allow_private_addresses,
            deadline=self.deadline,
        )
        return replace(policy, **changes)


@dataclass(frozen=True)
class IngestSettings:
    """Reading documents. `time_budget`: seconds one file or page may take to parse (0: no
    limit); over it, the item becomes a Failure and the batch goes on. A 1.9 MB page takes
    under a second."""

    time_budget: float = 30.0


@dataclass(frozen=True)
class ExtractSettings:
    """Extra instrument lexicons (CSV, same columns as the shipped one) and the classifier.

    `use_ner`: where the attribution rules leave a claim with the author, ask
    en_core_web_sm (installed with the package) who holds the view in that sentence
    (pipeline/extract/ner.py). On by default: on the devset it lifts forecaster accuracy
    from 0.869 to 0.918 at 1.6x the extraction time; `use_ner = false` for rules alone.
    """

    lexicon: tuple[Path, ...] = ()
    model_dir: Path = MODELS_DIR
    use_ner: bool = True
    # Seconds of extraction one article may take; over it, the article becomes a Failure
    # and the batch goes on (0: no limit). A 90 KB article takes under a second.
    time_budget: float = 60.0


@dataclass(frozen=True)
class PriceSettings:
    """Where prices come from: a CSV folder (`dir`), else the named `provider`
    (pipeline/prices/providers.py; `cache` for no fetching)."""

    provider: str = "stooq"
    dir: Path | None = None
    stooq_url: str = "https://stooq.com/q/d/l/"


@dataclass(frozen=True)
class GradingSettings:
    """How claims are graded. `as_of` None means: the last date with price data.

    `drift_pct_per_year`: the market's normal drift that direction calls are also graded
    net of; `use_inferred_dates`: grade undated articles from dates their text pins down
    (README, "How claims are resolved" and "Ingest").
    """

    as_of: date | None = None
    default_benchmark: str = "^GSPC"
    drift_pct_per_year: float = 8.0
    use_inferred_dates: bool = False
    # Re-decide every claim from the current price data, rewriting stored decisions (the
    # old verdicts stay in outcome_history): `thesis track --regrade`.
    regrade: bool = False


@dataclass(frozen=True)
class ReportSettings:
    out_dir: Path = Path("reports")


@dataclass(frozen=True)
class Settings:
    """Where things live and how a run behaves, one group per concern."""

    db_path: Path = Path("thesis.db")
    progress: bool = True
    # The process may grow to this much resident memory while it reads one item (parse or
    # extraction); past it, the item becomes a Failure and the batch goes on (0: no cap).
    memory_cap_mib: int = 4096
    # Processes that parse and extract (pipeline/engine.py): 0 is one per core, 1 is this
    # process alone. The store is written by this process only, whatever the number.
    workers: int = 0
    # A Dask scheduler ("tcp://host:8786"): parse and extract on its cluster instead of
    # local workers (needs the [dask] extra; README, Running on a cluster).
    scheduler: str | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    prices: PriceSettings = field(default_factory=PriceSettings)
    grading: GradingSettings = field(default_factory=GradingSettings)
    report: ReportSettings = field(default_factory=ReportSettings)

    @property
    def memory_cap_bytes(self) -> int:
        return self.memory_cap_mib * 2**20

    def budget(self, stage: str) -> Budget:
        """What one item of `stage` ("ingest" or "extract") may use."""
        group: IngestSettings | ExtractSettings = getattr(self, stage)
        return Budget(group.time_budget, self.memory_cap_bytes, stage)

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with every override that is not None applied.

        Top-level fields take values; groups take a mapping of their fields:
        `settings.with_overrides(db_path=path, prices={"provider": "cache", "dir": None})`
        (None leaves a field as it is).

        Raises:
            TypeError: a field or group that does not exist.
        """
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            if value is None:
                continue
            if name in GROUPS:
                if not isinstance(value, Mapping):
                    raise TypeError(f"override the {name} group with a mapping of its fields")
                given = {k: v for k, v in value.items() if v is not None}
                changes[name] = replace(getattr(self, name), **given)
            else:
                changes[name] = value
        return replace(self, **changes)


GROUPS: dict[str, type] = {
    "fetch": FetchSettings,
    "ingest": IngestSettings,
    "extract": ExtractSettings,
    "prices": PriceSettings,
    "grading": GradingSettings,
    "report": ReportSettings,
}


def load_settings(config: Path | None = None) -> Settings:
    """Defaults, then `THESIS_DB`, then a TOML file's `[thesis]` and `[thesis.<group>]`
    tables if given. Paths in `lexicon` are relative to the file.

    Raises:
        ThesisError: the TOML file is missing or malformed, has no `[thesis]` table, or
            names an unknown key or table.
    """
    settings = Settings()
    if env_db := os.environ.get(DB_ENV):
        settings = replace(settings, db_path=Path(env_db))
    if config is None:
        return settings
    try:
        document = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThesisError(f"cannot read settings ({exc}); fix the TOML file", str(config)) from exc
    table = document.get(TABLE)
    if not isinstance(table, dict):
        raise ThesisError(
            f"no [{TABLE}] table; put settings under [{TABLE}] and "
            f"[{TABLE}.<group>] ({', '.join(GROUPS)}); see README, Settings",
            str(config),
        )
    top = {k: v for k, v in table.items() if k not in GROUPS}
    overrides: dict[str, Any] = _converted(Settings, top, TABLE, config)
    for name, kind in GROUPS.items():
        group = table.get(name, {})
        if not isinstance(group, dict):
            raise ThesisError(
                f"{name!r} in [{TABLE}] is a table of settings: write it as [{TABLE}.{name}]",
                str(config),
            )
        overrides[name] = _converted(kind, group, f"{TABLE}.{name}", config)
    return settings.with_overrides(**overrides)


#: Keys of the flat [thesis] table used before settings were grouped.
MOVED = {
    "out_dir": "report.out_dir",
    "prices_dir": "prices.dir",
    "price_provider": "prices.provider",
    "stooq_url": "prices.stooq_url",
    "http_timeout": "fetch.timeout",
    "http_retries": "fetch.retries",
    "as_of": "grading.as_of",
    "default_benchmark": "grading.default_benchmark",
    "drift_pct_per_year": "grading.drift_pct_per_year",
    "use_inferred_dates": "grading.use_inferred_dates",
    "lexicon": "extract.lexicon",
    "model_dir": "extract.model_dir",
    "user_agent": "fetch.user_agent",
    "fetch_delay": "fetch.delay",
    "fetch_timeout": "fetch.timeout",
    "fetch_retries": "fetch.retries",
    "fetch_backoff": "fetch.backoff",
    "fetch_max_wait": "fetch.max_wait",
    "max_page_bytes": "fetch.max_page_bytes",
    "refresh": "fetch.refresh",
}


def _converted(kind: type, table: dict[str, Any], name: str, config: Path) -> dict[str, Any]:
    """A TOML table's values as the dataclass `kind` types them (paths, dates)."""
    known = {f.name: str(f.type) for f in fields(kind) if f.name not in GROUPS}
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            raise ThesisError(_unknown(key, name, known), str(config))
        typed = known[key]
        if typed.startswith("tuple[Path"):
            value = tuple(config.parent / p for p in value)
        elif typed.startswith("Path"):
            value = Path(value)
        elif typed.startswith("date") and isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError as exc:
                raise ThesisError(
                    f"{key} in [{name}] is not a date; write it as YYYY-MM-DD", str(config)
                ) from exc
        out[key] = value
    return out


def _unknown(key: str, table: str, known: dict[str, str]) -> str:
    moved = MOVED.get(key) if table == TABLE else None
    if moved:
        group, new = moved.split(".")
        return f"setting {key!r} has moved: write it as {new!r} in [{TABLE}.{group}]"
    tables = (
        f", and the tables {', '.join(f'[{TABLE}.{g}]' for g in GROUPS)}" if table == TABLE else ""
    )
    return f"unknown setting {key!r} in [{table}]; known: {', '.join(known)}{tables}"
