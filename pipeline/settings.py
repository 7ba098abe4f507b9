"""One settings object: defaults here, an optional TOML file, CLI flags override."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from pipeline.errors import ThesisError

DB_ENV = "THESIS_DB"


def _models_dir() -> Path:
    """Trained artefacts: models/ beside the package in a checkout, else the copy the
    wheel ships as `pipeline.trained`."""
    checkout = Path(__file__).resolve().parent.parent / "models"
    if (checkout / "tag_classifier.joblib").is_file():
        return checkout
    return Path(__file__).resolve().parent / "trained"


MODELS_DIR = _models_dir()


def _user_agent() -> str:
    try:
        release = version("thesis-tracker")
    except PackageNotFoundError:
        release = "dev"
    return f"ThesisTracker/{release} (market-commentary research; honours robots.txt)"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class Settings:
    """Where things live and how a run behaves.

    `as_of` None means: the last date with price data.
    """

    db_path: Path = Path("thesis.db")
    out_dir: Path = Path("reports")
    prices_dir: Path | None = None
    as_of: date | None = None
    default_benchmark: str = "^GSPC"
    progress: bool = True
    lexicon: tuple[Path, ...] = ()
    model_dir: Path = MODELS_DIR
    # Prices and grading: the online provider used without --prices (stooq, yfinance, or
    # cache for no fetching), its HTTP patience, and the market's normal drift that
    # direction calls are also graded net of (README, "How claims are resolved").
    price_provider: str = "stooq"
    stooq_url: str = "https://stooq.com/q/d/l/"
    http_timeout: float = 10.0
    http_retries: int = 3
    drift_pct_per_year: float = 8.0
    # ingest: grading with dates inferred from the text is opt-in (README, "Ingest")
    use_inferred_dates: bool = False
    # ingest over HTTP (pipeline/fetch.py)
    user_agent: str = USER_AGENT
    fetch_delay: float = 1.0  # seconds between two requests to the same host
    fetch_timeout: float = 20.0
    fetch_retries: int = 3  # extra tries after a 429/5xx answer or a network error
    fetch_backoff: float = 1.0  # first wait between tries; doubles each time
    fetch_max_wait: float = 60.0  # longest Retry-After honoured before giving up
    max_page_bytes: int = 20 * 2**20
    refresh: bool = False  # revalidate cached pages (conditional GET) instead of reusing them

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with every override that is not None applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def load_settings(config: Path | None = None) -> Settings:
    """Defaults, then `THESIS_DB`, then a TOML file's `[thesis]` table if given.

    Raises:
        ThesisError: the TOML file is missing, malformed or names an unknown key.
    """
    settings = Settings()
    if env_db := os.environ.get(DB_ENV):
        settings = replace(settings, db_path=Path(env_db))
    if config is None:
        return settings
    try:
        table = tomllib.loads(config.read_text(encoding="utf-8")).get("thesis", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThesisError(f"cannot read settings ({exc}); fix the TOML file", str(config)) from exc
    known = {f.name: f for f in fields(Settings)}
    for key in table:
        if key not in known:
            raise ThesisError(f"unknown setting {key!r}; known: {', '.join(known)}", str(config))
    converted: dict[str, Any] = {
        key: Path(value) if key.endswith(("_path", "_dir")) else value
        for key, value in table.items()
    }
    if "lexicon" in converted:
        converted["lexicon"] = tuple(config.parent / p for p in converted["lexicon"])
    if isinstance(converted.get("as_of"), str):
        converted["as_of"] = date.fromisoformat(converted["as_of"])
    return replace(settings, **converted)
