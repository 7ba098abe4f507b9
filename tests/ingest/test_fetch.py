from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.errors import IngestError
from pipeline.ingest.fetch import ByteBudget, Fetcher, check_url, is_url
from pipeline.settings import Settings
from pipeline.store.database import Store

PAGE = "<html><body><article><p>IWM could rally 10% by year-end.</p></article></body></html>"


class Sleeps(list[float]):
    """Records the waits a Fetcher asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fetcher(web_settings: Settings, store: Store, sleeps: Sleeps) -> Iterator[Fetcher]:
    with Fetcher(web_settings, cache=store, sleep=sleeps) as client:
        yield client


def _robots(server: HTTPServer, text: str | None = None, status: int = 200) -> None:
    if text is None:
        server.expect_request("/robots.txt").respond_with_data("", status=404)
    else:
        server.expect_request("/robots.txt").respond_with_data(text, status=status)


def _page_requests(server: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in server.log if request.path == path]


def test_fetch_names_itself_and_caches_the_page(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    _robots(httpserver)
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    first = fetcher.fetch_page(httpserver.url_for("/a"))
    again = fetcher.fetch_page(httpserver.url_for("/a"))
    assert first.body.decode() == PAGE and not first.from_cache
    assert again.body == first.body and again.from_cache
    (request,) = _page_requests(httpserver, "/a")
    assert request.headers["User-Agent"].startswith("ThesisTracker/")
    assert "robots.txt" in request.headers["User-Agent"]


def test_fetch_revalidates_with_etag_and_last_modified(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    _robots(httpserver)
    stamp = "Wed, 21 Oct 2026 07:28:00 GMT"
    httpserver.expect_oneshot_request("/a").respond_with_data(
        PAGE, content_type="text/html", headers={"ETag": '"v1"', "Last-Modified": stamp}
    )
    httpserver.expect_oneshot_request(
        "/a", headers={"If-None-Match": '"v1"', "If-Modified-Since": stamp}
    ).respond_with_data("", status=304)
    fetcher.fetch_page(httpserver.url_for("/a"))
    page = fetcher.fetch_page(httpserver.url_for("/a"), revalidate=True)
    assert page.from_cache and page.body.decode() == PAGE and page.etag == '"v1"'
    assert len(_page_requests(httpserver, "/a")) == 2


def test_fetch_honours_robots_disallow(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    _robots(httpserver, "User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/private/a").respond_with_data(PAGE, content_type="text/html")
    with pytest.raises(IngestError, match=r"robots\.txt disallows"):
        fetcher.fetch_page(httpserver.url_for("/private/a"))
    assert _page_requests(httpserver, "/private/a") == []


def test_fetch_follows_redirects_checking_robots_on_each_hop(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    _robots(httpserver, "User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/sneaky").respond_with_data(
        "", status=302, headers={"Location": "/private/a"}
    )
    page = fetcher.fetch_page(httpserver.url_for("/old"))
    assert page.url.endswith("/old") and page.final_url.endswith("/new")
    with pytest.raises(IngestError, match=r"robots\.txt disallows"):
        fetcher.fetch_page(httpserver.url_for("/sneaky"))
    assert _page_requests(httpserver, "/private/a") == []


def test_fetch_skips_a_site_whose_robots_txt_fails(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    _robots(httpserver, "oops", status=503)
    with pytest.raises(IngestError, match=r"robots\.txt answered 503"):
        fetcher.fetch_page(httpserver.url_for("/a"))


def test_fetch_waits_the_crawl_delay_between_requests(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    _robots(httpserver, "User-agent: *\nCrawl-delay: 30\n")
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    httpserver.expect_request("/b").respond_with_data(PAGE, content_type="text/html")
    fetcher.fetch_page(httpserver.url_for("/a"))
    fetcher.fetch_page(httpserver.url_for("/b"))
    assert len(sleeps) >= 2 and all(20.0 < s <= 30.0 for s in sleeps[-2:])


def test_fetch_spaces_requests_to_one_host(
    httpserver: HTTPServer, web_settings: Settings, sleeps: Sleeps
) -> None:
    _robots(httpserver)
    httpserver.expect_request("/a").respond_with_data(PAGE, content_type="text/html")
    with Fetcher(web_settings.with_overrides(fetch={"delay": 20.0}), sleep=sleeps) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/a"))
        fetcher.fetch_page(httpserver.url_for("/a"))
    assert sleeps and all(10.0 < s <= 20.0 for s in sleeps)


def test_fetch_retries_429_after_the_time_the_server_asks(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    _robots(httpserver)
    httpserver.expect_oneshot_request("/a").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_oneshot_request("/a").respond_with_data(PAGE, content_type="text/html")
    page = fetcher.fetch_page(httpserver.url_for("/a"))
    assert page.status == 200 and 3.0 in sleeps


def test_fetch_backs_off_on_5xx_then_gives_up(
    httpserver: HTTPServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    _robots(httpserver)
    httpserver.expect_request("/a").respond_with_data("down", status=503)
    with pytest.raises(IngestError, match=r"kept answering with an error \(503\) after 3 tries"):
        fetcher.fetch_page(httpserver.url_for("/a"))
    assert sleeps == [0.01, 0.02]
    assert len(_page_requests(httpserver, "/a")) == 3


def test_fetch_refuses_a_retry_after_beyond_the_limit(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    _robots(httpserver)
    httpserver.expect_request("/a").respond_with_data(
        "", status=503, headers={"Retry-After": "3600"}
    )
    with pytest.raises(IngestError, match="asked to wait 3600 s"):
        fetcher.fetch_page(httpserver.url_for("/a"))


def test_fetch_client_errors_are_not_retried(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    _robots(httpserver)
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    with pytest.raises(IngestError, match="the server answered 404 NOT FOUND; check the URL"):
        fetcher.fetch_page(httpserver.url_for("/gone"))
    assert len(_page_requests(httpserver, "/gone")) == 1


def test_fetch_caps_the_size_declared_or_streamed(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    _robots(httpserver)
    big = "<p>" + "x" * 5000 + "</p>"
    httpserver.expect_request("/declared").respond_with_data(big, content_type="text/html")

    def streamed(request: Request) -> Response:
        chunks = (b"<p>" + b"y" * 1000 for _ in range(10))
        return Response(chunks, content_type="text/html", direct_passthrough=True)

    httpserver.expect_request("/streamed").respond_with_handler(streamed)
    with Fetcher(web_settings.with_overrides(fetch={"max_page_bytes": 2000})) as fetcher:
        with pytest.raises(IngestError, match="over the 0 MB limit"):
            fetcher.fetch_page(httpserver.url_for("/declared"))
        with pytest.raises(IngestError, match="more than"):
            fetcher.fetch_page(httpserver.url_for("/streamed"))


def test_fetch_refuses_content_that_is_not_a_page(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    _robots(httpserver)
    httpserver.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.7", content_type="application/pdf"
    )
    with pytest.raises(IngestError, match="content type is application/pdf"):
        fetcher.fetch_page(httpserver.url_for("/report.pdf"))


def test_fetch_reports_an_unreachable_host(web_settings: Settings, sleeps: Sleeps) -> None:
    with (
        Fetcher(web_settings, sleep=sleeps) as fetcher,
        pytest.raises(IngestError, match=r"could not be fetched|could not fetch"),
    ):
        fetcher.fetch_page("http://127.0.0.1:9/a")


def test_fetch_a_page_past_the_deadline_names_the_setting(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    _robots(httpserver)

    def trickle(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(50):
                time.sleep(0.1)
                yield b"x"

        return Response(body(), content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(trickle)
    started = time.monotonic()
    with (
        Fetcher(web_settings.with_overrides(fetch={"deadline": 0.5})) as fetcher,
        pytest.raises(IngestError, match=r"over 0\.5 s .*raise deadline in \[thesis\.fetch\]"),
    ):
        fetcher.fetch_page(httpserver.url_for("/slow"))
    assert time.monotonic() - started < 3 and len(_page_requests(httpserver, "/slow")) == 1


def _other_name(url: str) -> str:
    """The same local server under another host name (a second host for the budgets)."""
    return url.replace("localhost", "127.0.0.1")


def test_fetch_a_host_past_its_byte_budget_is_refused_before_connecting(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    robots = "User-agent: *\nAllow: /\n" + "#" * 477  # 500 bytes, counted too
    _robots(httpserver, robots)
    for path in ("/a", "/b", "/c"):
        httpserver.expect_request(path).respond_with_data("x" * 1000, content_type="text/html")
    settings = web_settings.with_overrides(fetch={"max_host_bytes": 1500})
    with Fetcher(settings) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/a"))  # 500 + 1000: the budget is spent
        with pytest.raises(IngestError) as caught:
            fetcher.fetch_page(httpserver.url_for("/b"))
        assert fetcher.fetch_page(_other_name(httpserver.url_for("/c"))).status == 200
    assert caught.value.item == httpserver.url_for("/b")
    assert caught.value.message == (
        "the byte budget for localhost is spent (1500 bytes read from it this run, "
        "max_host_bytes = 1500); it was not fetched: raise max_host_bytes in [thesis.fetch] "
        "to read more from one host"
    )
    assert _page_requests(httpserver, "/b") == []  # refused before connecting
    assert fetcher.budget.read == {"localhost": 1500, "127.0.0.1": 1500}


def test_fetch_the_run_byte_budget_covers_every_host(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    _robots(httpserver)
    for path in ("/a", "/b", "/c"):
        httpserver.expect_request(path).respond_with_data("x" * 1000, content_type="text/html")
    settings = web_settings.with_overrides(fetch={"max_total_bytes": 1500})
    with Fetcher(settings) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/a"))
        fetcher.fetch_page(_other_name(httpserver.url_for("/b")))  # started under the budget
        with pytest.raises(IngestError, match=r"run's byte budget is spent") as caught:
            fetcher.fetch_page(httpserver.url_for("/c"))
    assert "2000 bytes read from all hosts, max_total_bytes = 1500" in caught.value.message
    assert "from localhost" in caught.value.message
    assert "raise max_total_bytes in [thesis.fetch]" in caught.value.message
    assert _page_requests(httpserver, "/c") == []


def test_fetch_budgets_count_decoded_bytes_and_spare_cached_pages(
    httpserver: HTTPServer, web_settings: Settings, store: Store
) -> None:
    _robots(httpserver)
    httpserver.expect_request("/zipped").respond_with_data(
        gzip.compress(b"<p>" + b"x" * 5000), headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/next").respond_with_data(PAGE, content_type="text/html")
    settings = web_settings.with_overrides(fetch={"max_host_bytes": 4000})
    with Fetcher(settings, cache=store) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/zipped"))  # about 40 bytes on the wire
        assert fetcher.budget.read == {"localhost": 5003}
        with pytest.raises(IngestError, match="byte budget for localhost"):
            fetcher.fetch_page(httpserver.url_for("/next"))
        assert fetcher.fetch_page(httpserver.url_for("/zipped")).from_cache  # no bytes read


def test_fetch_a_body_over_the_cap_counts_against_the_budget(
    httpserver: HTTPServer, web_settings: Settings
) -> None:
    _robots(httpserver)

    def streamed(request: Request) -> Response:
        chunks = (b"y" * 1000 for _ in range(10))  # no Content-Length: found while reading
        return Response(chunks, content_type="text/html", direct_passthrough=True)

    httpserver.expect_request("/big").respond_with_handler(streamed)
    changes = {"max_page_bytes": 2000, "max_host_bytes": 2000}
    with Fetcher(web_settings.with_overrides(fetch=changes)) as fetcher:
        with pytest.raises(IngestError, match="more than"):
            fetcher.fetch_page(httpserver.url_for("/big"))
        with pytest.raises(IngestError, match="byte budget for localhost"):
            fetcher.fetch_page(httpserver.url_for("/big"))
    assert len(_page_requests(httpserver, "/big")) == 1


def test_fetch_a_budget_of_zero_is_no_limit() -> None:
    budget = ByteBudget(per_host=0, total=0)
    budget.count("http://a.test/x", 10 * 2**40)
    budget.check("http://a.test/y")


@pytest.mark.parametrize("url", ["ftp://example.com/a", "file:///etc/passwd", "javascript:x()"])
def test_fetch_only_http_and_https(url: str) -> None:
    with pytest.raises(IngestError, match="only http and https"):
        check_url(url)


def test_fetch_tells_urls_from_paths() -> None:
    assert is_url("https://example.com/a") and is_url("HTTP://x") and is_url("ftp://x")
    assert not is_url("corpus/") and not is_url("notes/https.txt")
