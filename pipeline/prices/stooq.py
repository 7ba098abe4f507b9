"""Stooq: free daily bars over HTTP, no key needed, as a PriceProvider.

Input: a symbol, mapped to Stooq's name by data/stooq_symbols.csv (indexes) or the rule
`IWM` -> `iwm.us`. Output: Stooq's split-adjusted daily bars. Side effects: HTTP GETs to
`base_url` with timeouts, retried with backoff on 429 and 5xx (honouring Retry-After).
Stooq's CSV carries no split events, so its splits come from data/splits.csv.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import httpx
import pandas as pd

from pipeline.errors import PriceDataError
from pipeline.prices.book import COLUMNS, known_splits

STOOQ_URL = "https://stooq.com/q/d/l/"
USER_AGENT = "thesis-tracker/0.1 (daily closes for grading market forecasts)"
#: What Stooq writes instead of CSV when a symbol or date range has no bars.
NO_DATA = ("no data", "brak danych")
DAILY_LIMIT = "exceeded the daily hits limit"


@dataclass(frozen=True)
class HttpPolicy:
    """How patient a provider is: per-request timeout, retries and their waits (seconds)."""

    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    max_wait: float = 60.0

    def wait(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry number `attempt` + 1: Retry-After when the server sent one
        (seconds or an HTTP date), else `backoff` doubled per attempt."""
        if retry_after:
            try:
                return max(0.0, float(retry_after))
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after)
                except (TypeError, ValueError):
                    pass
                else:
                    return max(0.0, (when - datetime.now(UTC)).total_seconds())
        return self.backoff * 2.0**attempt


@cache
def stooq_symbols() -> dict[str, str]:
    """Our symbol -> Stooq's, for the names the `.us` rule cannot derive (indexes)."""
    text = (
        resources.files("pipeline.prices").joinpath("data", "stooq_symbols.csv").read_text("utf-8")
    )
    return {
        row["symbol"].strip(): row["stooq"].strip() for row in csv.DictReader(text.splitlines())
    }


def stooq_symbol(symbol: str) -> str:
    """`IWM` -> `iwm.us`, `BRK.B` -> `brk-b.us`, `^GSPC` -> `^spx` (from the data file).

    Raises:
        PriceDataError: an index Stooq's name is not known for.
    """
    known = stooq_symbols()
    if symbol in known:
        return known[symbol]
    if symbol.startswith("^"):
        raise PriceDataError(
            f"no Stooq name is known for the index {symbol}; add a row to "
            "pipeline/data/stooq_symbols.csv",
            symbol,
        )
    return f"{symbol.lower().replace('.', '-')}.us"


@dataclass
class StooqProvider:
    """Daily bars from Stooq's CSV download (`<base_url>?s=iwm.us&i=d[&d1=...&d2=...]`)."""

    base_url: str = STOOQ_URL
    policy: HttpPolicy = field(default_factory=HttpPolicy)
    sleep: Callable[[float], None] = time.sleep
    name: str = "stooq"
    remote: bool = True
    #: Set after a connection failure, so the other symbols fail fast instead of timing out.
    unreachable: str | None = None

    def fetch(self, symbol: str, start: date | None = None) -> pd.DataFrame:
        code = stooq_symbol(symbol)
        params = {"s": code, "i": "d"}
        if start is not None:
            params |= {"d1": f"{start:%Y%m%d}", "d2": f"{date.today():%Y%m%d}"}
        text = self._get(params, symbol)
        return parse_stooq_csv(text, symbol, code, partial=start is not None)

    def splits(self, symbol: str) -> list[tuple[date, float]]:
        return known_splits().get(symbol, [])

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def _get(self, params: dict[str, str], symbol: str) -> str:
        if self.unreachable:
            raise PriceDataError(self.unreachable, symbol)
        timeout = httpx.Timeout(self.policy.timeout, connect=min(5.0, self.policy.timeout))
        headers = {"User-Agent": USER_AGENT, "Accept": "text/csv, text/plain;q=0.9"}
        with httpx.Client(timeout=timeout, headers=headers, follow_redirects=True) as client:
            for attempt in range(self.policy.retries + 1):
                last = attempt == self.policy.retries
                try:
                    response = client.get(self.base_url, params=params)
                except httpx.ConnectTimeout as exc:  # nothing answers: do not wait again
                    raise self._unreachable(f"cannot reach {self.host} (timed out)") from exc
                except httpx.TimeoutException as exc:
                    if last:
                        raise self._unreachable(f"{self.host} did not answer in time") from exc
                    self.sleep(self.policy.wait(attempt, None))
                    continue
                except httpx.TransportError as exc:
                    raise self._unreachable(f"cannot reach {self.host} ({exc})") from exc
                if response.status_code == 429 or response.status_code >= 500:
                    wait = self.policy.wait(attempt, response.headers.get("Retry-After"))
                    if last or wait > self.policy.max_wait:
                        raise PriceDataError(
                            f"{self.host} answered {response.status_code} "
                            f"{response.reason_phrase} after {attempt + 1} attempt(s); "
                            "try again later",
                            symbol,
                        )
                    self.sleep(wait)
                    continue
                return self._body(response, params["s"], symbol)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _unreachable(self, why: str) -> PriceDataError:
        self.unreachable = why
        return PriceDataError(why)

    def _body(self, response: httpx.Response, code: str, symbol: str) -> str:
        if response.status_code == 404:
            raise PriceDataError(
                f"{self.host} has no series {code} (404); check its name in "
                "pipeline/data/stooq_symbols.csv",
                symbol,
            )
        if response.status_code >= 400:
            raise PriceDataError(
                f"{self.host} refused {code} ({response.status_code} {response.reason_phrase})",
                symbol,
            )
        if "html" in response.headers.get("Content-Type", "").lower():
            raise PriceDataError(_web_page(self.host), symbol)
        return response.text


def parse_stooq_csv(text: str, symbol: str, code: str, *, partial: bool = False) -> pd.DataFrame:
    """Stooq's `Date,Open,High,Low,Close,Volume` CSV as bars in our columns.

    `partial` (a date range was asked for): "No data" means nothing new, not an error.

    Raises:
        PriceDataError: an empty answer, a web page, "No data" for a whole series, the daily
            limit message, or a CSV without date and close columns.
    """
    body = text.lstrip("\ufeff").strip()
    head = body[:300].lower()
    if not body:
        raise PriceDataError(f"Stooq sent an empty answer for {code}", symbol)
    if head.startswith("<") or "<html" in head:
        raise PriceDataError(_web_page("Stooq"), symbol)
    if DAILY_LIMIT in head:
        raise PriceDataError(
            "Stooq's daily download limit is used up; try again tomorrow",
            symbol,
        )
    if any(head.startswith(marker) for marker in NO_DATA):
        if partial:
            return pd.DataFrame(columns=COLUMNS[1:], index=pd.DatetimeIndex([], name="date"))
        raise PriceDataError(
            f"Stooq has no data for {code}; check its name in pipeline/data/stooq_symbols.csv",
            symbol,
        )
    try:
        frame = pd.read_csv(io.StringIO(body))
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        frame["close"] = pd.to_numeric(frame["close"])
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise PriceDataError(
            f"Stooq's answer for {code} is not a daily prices CSV ({exc})",
            symbol,
        ) from exc
    return frame.set_index("date").sort_index().reindex(columns=COLUMNS[1:])


def _web_page(host: str) -> str:
    return (
        f"{host} answered with a web page instead of CSV (it may be asking for a browser "
        "check, or be down); try --provider yfinance"
    )
