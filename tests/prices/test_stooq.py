"""The Stooq provider against a real local HTTP server (pytest-httpserver) playing stooq.com.

The server answers in Stooq's CSV format (`Date,Open,High,Low,Close,Volume`, ISO dates,
oldest first), built from rows of the real IWM.csv, and with the failures Stooq is known
for: 404, an empty body, an HTML page served with status 200 (its browser check),
"No data", the daily-limit notice, and 429/503 with and without Retry-After.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer

from pipeline.errors import PriceDataError
from pipeline.http import USER_AGENT, HttpPolicy
from pipeline.prices.stooq import StooqProvider, parse_stooq_csv, stooq_symbol

PATH = "/q/d/l/"


def stooq_csv(prices_dir: Path, start: str, end: str) -> str:
    """Rows of the real IWM.csv between two dates, written the way Stooq writes them."""
    frame = pd.read_csv(prices_dir / "IWM.csv", index_col="date")[start:end]
    lines = ["Date,Open,High,Low,Close,Volume"]
    lines += [
        f"{day},{r.open:g},{r.high:g},{r.low:g},{r.close:g},{int(r.volume)}"
        for day, r in frame.iterrows()
    ]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def stooq(httpserver: HTTPServer, sleeps: list[float]) -> StooqProvider:
    return StooqProvider(
        base_url=httpserver.url_for(PATH),
        policy=HttpPolicy(
            timeout=2.0, retries=3, backoff=1.0, max_wait=30.0, allow_private=True
        ).for_api(),
        sleep=sleeps.append,
    )


def test_stooq_symbol_names() -> None:
    assert stooq_symbol("IWM") == "iwm.us"
    assert stooq_symbol("BRK.B") == "brk-b.us"
    assert stooq_symbol("^GSPC") == "^spx"
    assert stooq_symbol("^NDX") == "^ndx"
    with pytest.raises(
        PriceDataError, match=r"no Stooq name .* \^RUT; add a row to .*stooq_symbols\.csv"
    ):
        stooq_symbol("^RUT")


def test_stooq_fetch_reads_the_whole_series(
    httpserver: HTTPServer, stooq: StooqProvider, prices_dir: Path
) -> None:
    body = stooq_csv(prices_dir, "2023-11-20", "2023-12-29")
    httpserver.expect_request(PATH, query_string={"s": "iwm.us", "i": "d"}).respond_with_data(
        body, content_type="text/csv"
    )
    bars = stooq.fetch("IWM")
    assert list(bars.columns) == ["open", "high", "low", "close", "adj_close", "volume"]
    assert bars.index[0] == pd.Timestamp("2023-11-20") and bars.index.is_monotonic_increasing
    assert bars.at[pd.Timestamp("2023-11-28"), "close"] == 178.04  # SOURCES.md sanity fact
    assert bars["adj_close"].isna().all()  # Stooq's CSV has no adjusted-close column
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == USER_AGENT


def test_stooq_fetch_from_a_date_asks_for_that_range(
    httpserver: HTTPServer, stooq: StooqProvider, prices_dir: Path
) -> None:
    query = {"s": "^spx", "i": "d", "d1": "20231201", "d2": f"{date.today():%Y%m%d}"}
    body = stooq_csv(prices_dir, "2023-12-01", "2023-12-08")
    httpserver.expect_request(PATH, query_string=query).respond_with_data(body)
    assert len(stooq.fetch("^GSPC", date(2023, 12, 1))) == 6


def test_stooq_no_data_for_a_range_is_nothing_new(
    httpserver: HTTPServer, stooq: StooqProvider
) -> None:
    httpserver.expect_request(PATH).respond_with_data("No data")
    assert stooq.fetch("IWM", date(2030, 1, 2)).empty
    with pytest.raises(PriceDataError, match=r"Stooq has no data for iwm\.us"):
        stooq.fetch("IWM")


CHALLENGE = (
    "<!DOCTYPE html><html><head><title>Checking your browser</title></head>"
    "<body><script>/* proof of work */</script></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "message"),
    [
        (404, "Not Found", "text/plain", r"has no series iwm\.us \(404\); check its name"),
        (200, "", "text/csv", r"Stooq sent an empty answer for iwm\.us"),
        (200, "  \r\n", "text/csv", r"Stooq sent an empty answer"),
        (200, CHALLENGE, "text/html; charset=utf-8", r"answered with a web page instead of CSV"),
        (200, CHALLENGE, "text/plain", r"Stooq answered with a web page instead of CSV"),
        (200, "Exceeded the daily hits limit", "text/plain", r"daily download limit is used up"),
        (200, "Symbol,Price\nIWM,abc\n", "text/csv", r"is not a daily prices CSV"),
        (
            200,
            "Date,Open,High,Low,Close\n2023-13-45,1,1,1,1\n",
            "text/csv",
            r"not a daily prices CSV",
        ),
        (403, "Forbidden", "text/plain", r"refused iwm\.us \(403 FORBIDDEN\)"),
    ],
)
def test_stooq_bad_answers_raise_a_price_data_error(
    httpserver: HTTPServer,
    stooq: StooqProvider,
    sleeps: list[float],
    status: int,
    body: str,
    content_type: str,
    message: str,
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        body, status=status, content_type=content_type
    )
    with pytest.raises(PriceDataError, match=message) as caught:
        stooq.fetch("IWM")
    assert caught.value.item == "IWM"
    assert len(httpserver.log) == 1 and sleeps == []  # none of these is worth a retry


def test_stooq_retries_429_after_the_retry_after_seconds(
    httpserver: HTTPServer, stooq: StooqProvider, sleeps: list[float], prices_dir: Path
) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data(
        stooq_csv(prices_dir, "2024-01-02", "2024-01-05")
    )
    assert len(stooq.fetch("IWM")) == 4
    assert sleeps == [7.0] and len(httpserver.log) == 2


def test_stooq_retries_5xx_with_doubling_backoff(
    httpserver: HTTPServer, stooq: StooqProvider, sleeps: list[float], prices_dir: Path
) -> None:
    for status in (503, 502):
        httpserver.expect_ordered_request(PATH).respond_with_data("busy", status=status)
    httpserver.expect_ordered_request(PATH).respond_with_data(
        stooq_csv(prices_dir, "2024-01-02", "2024-01-05")
    )
    assert len(stooq.fetch("IWM")) == 4
    assert sleeps == [1.0, 2.0]


def test_stooq_gives_up_after_the_last_retry(
    httpserver: HTTPServer, stooq: StooqProvider, sleeps: list[float]
) -> None:
    httpserver.expect_request(PATH).respond_with_data("slow down", status=429)
    with pytest.raises(
        PriceDataError, match=r"answered 429 TOO MANY REQUESTS after 4 attempt\(s\)"
    ):
        stooq.fetch("IWM")
    assert len(httpserver.log) == 4 and sleeps == [1.0, 2.0, 4.0]


def test_stooq_does_not_wait_longer_than_max_wait(
    httpserver: HTTPServer, stooq: StooqProvider, sleeps: list[float]
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        "come back in an hour", status=429, headers={"Retry-After": "3600"}
    )
    with pytest.raises(PriceDataError, match=r"after 1 attempt\(s\); try again later"):
        stooq.fetch("IWM")
    assert sleeps == []


def test_stooq_unreachable_host_fails_fast_for_every_symbol(sleeps: list[float]) -> None:
    provider = StooqProvider(
        base_url="http://127.0.0.1:9/q/d/l/",
        policy=HttpPolicy(timeout=2.0, allow_private=True).for_api(),
        sleep=sleeps.append,
    )
    with pytest.raises(PriceDataError, match=r"cannot reach 127\.0\.0\.1:9"):
        provider.fetch("IWM")
    with pytest.raises(PriceDataError, match=r"cannot reach 127\.0\.0\.1:9"):
        provider.fetch("SPY")  # no second connection attempt
    assert sleeps == [] and provider.unreachable


def test_stooq_timeout_is_retried_then_reported(
    httpserver: HTTPServer, sleeps: list[float]
) -> None:
    def slow(_request: object) -> None:
        import time

        time.sleep(0.6)

    httpserver.expect_request(PATH).respond_with_handler(slow)  # type: ignore[arg-type]
    provider = StooqProvider(
        base_url=httpserver.url_for(PATH),
        policy=HttpPolicy(timeout=0.2, retries=1, backoff=0.5, allow_private=True).for_api(),
        sleep=sleeps.append,
    )
    with pytest.raises(PriceDataError, match="did not answer in time"):
        provider.fetch("IWM")
    assert sleeps == [0.5]


def test_stooq_parse_tolerates_a_byte_order_mark_and_lowercase() -> None:
    text = "\ufeffdate,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,10\n"
    bars = parse_stooq_csv(text, "IWM", "iwm.us")
    assert bars.at[pd.Timestamp("2024-01-02"), "close"] == 1.5


def test_stooq_reports_splits_from_the_shipped_data_file() -> None:
    splits = StooqProvider().splits("NVDA")
    assert (date(2024, 6, 10), 10.0) in splits and (date(2021, 7, 20), 4.0) in splits
    assert StooqProvider().splits("IWM") == []
