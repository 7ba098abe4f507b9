"""The one HTTP client against a real local server (pytest-httpserver)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer

from pipeline.http import (
    USER_AGENT,
    HttpClient,
    HttpPolicy,
    KeptFailingError,
    TooLargeError,
    UnreachableError,
)
from pipeline.ingest.fetch import Fetcher
from pipeline.prices.providers import make_provider
from pipeline.prices.stooq import StooqProvider
from pipeline.settings import Settings

FAST = HttpPolicy(timeout=2.0, retries=2, backoff=0.5, max_wait=30.0)
CSV = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> HttpClient:
    return HttpClient(FAST, sleep=sleeps.append)


def test_http_retries_a_503_after_the_time_retry_after_asks(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_ordered_request("/a").respond_with_data(
        "busy", status=503, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/a").respond_with_data("ok")
    with client:
        response = client.get(httpserver.url_for("/a"))
    assert response.status_code == 200 and response.text == "ok"
    assert sleeps == [7.0]


def test_http_gives_up_after_the_retries_backing_off(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/a").respond_with_data("down", status=503)
    with client, pytest.raises(KeptFailingError) as caught:
        client.get(httpserver.url_for("/a"))
    assert (caught.value.status, caught.value.attempts, caught.value.asked) == (503, 3, None)
    assert sleeps == [0.5, 1.0] and len(httpserver.log) == 3


def test_http_refuses_a_retry_after_beyond_max_wait(
    httpserver: HTTPServer, client: HttpClient, sleeps: list[float]
) -> None:
    httpserver.expect_request("/a").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    with client, pytest.raises(KeptFailingError) as caught:
        client.get(httpserver.url_for("/a"))
    assert caught.value.asked == 3600.0 and caught.value.attempts == 1
    assert sleeps == [] and len(httpserver.log) == 1


def test_http_client_errors_are_answers_not_retried(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    with client:
        assert client.get(httpserver.url_for("/gone")).status_code == 404
    assert len(httpserver.log) == 1


def test_http_wait_reads_retry_after_as_seconds_or_a_date() -> None:
    policy = HttpPolicy(backoff=1.0, max_wait=10.0)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    assert 15 < policy.wait(0, when) <= 20
    assert policy.wait(2, "not a date") == 4.0
    assert policy.wait(0, "-5") == 0.0
    assert policy.wait(5) == 10.0  # backoff never waits longer than max_wait


def test_http_connect_failures_are_retried_unless_for_an_api(sleeps: list[float]) -> None:
    url = "http://127.0.0.1:9/a"  # nothing listens on the discard port
    with HttpClient(FAST, sleep=sleeps.append) as client, pytest.raises(UnreachableError) as c:
        client.get(url)
    assert c.value.connect and c.value.attempts == 3 and sleeps == [0.5, 1.0]
    sleeps.clear()
    with HttpClient(FAST.for_api(), sleep=sleeps.append) as api, pytest.raises(UnreachableError):
        api.get(url)
    assert sleeps == [] and FAST.for_api().connect_timeout == 2.0


def test_http_follows_redirects_showing_every_hop(
    httpserver: HTTPServer, client: HttpClient
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("here")
    hops: list[str] = []
    with client, client.stream(httpserver.url_for("/old"), on_request=hops.append) as response:
        assert client.read_capped(response) == b"here"
    assert hops == [httpserver.url_for("/old"), httpserver.url_for("/new")]


def test_http_caps_the_body_or_truncates_it(httpserver: HTTPServer, sleeps: list[float]) -> None:
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    with HttpClient(HttpPolicy(max_bytes=1000), sleep=sleeps.append) as client:
        with pytest.raises(TooLargeError) as caught:
            client.get(httpserver.url_for("/big"))
        assert caught.value.declared and caught.value.size == 5000
        assert client.get(httpserver.url_for("/big"), truncate=True).content == b"x" * 1000


def test_http_one_user_agent_for_pages_and_price_apis(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data("<p>hi</p>", content_type="text/html")
    httpserver.expect_request("/q/d/l/").respond_with_data(CSV, content_type="text/csv")
    settings = Settings().with_overrides(
        fetch={"delay": 0.0}, prices={"stooq_url": httpserver.url_for("/q/d/l/")}
    )
    with Fetcher(settings) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/page"))
    stooq = make_provider(settings)
    assert isinstance(stooq, StooqProvider)
    stooq.fetch("IWM")
    agents = {request.path: request.headers["User-Agent"] for request, _ in httpserver.log}
    assert set(agents) == {"/robots.txt", "/page", "/q/d/l/"}
    assert set(agents.values()) == {settings.fetch.user_agent} == {USER_AGENT}
