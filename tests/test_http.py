"""The one HTTP client against a real local server (pytest-httpserver)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpcore
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline import http as http_module
from pipeline.errors import IngestError
from pipeline.http import (
    USER_AGENT,
    BadEncodingError,
    HttpClient,
    HttpPolicy,
    KeptFailingError,
    PrivateAddressError,
    TooLargeError,
    UnreachableError,
    refuse_private,
)
from pipeline.ingest.fetch import Fetcher
from pipeline.prices.providers import make_provider
from pipeline.prices.stooq import StooqProvider
from pipeline.settings import Settings

FAST = HttpPolicy(timeout=2.0, retries=2, backoff=0.5, max_wait=30.0, allow_private=True)
CSV = "Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,0.5,1.5,10\n"
#: A public address no test dials for real: `dialled` routes it to the local test server.
PUBLIC = "93.184.216.34"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> HttpClient:
    return HttpClient(FAST, sleep=sleeps.append)


@pytest.fixture
def dialled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses sockets are opened to, in order; PUBLIC is routed to 127.0.0.1, as if
    the local test server were that public host."""
    real = httpcore.SyncBackend.connect_tcp
    seen: list[str] = []

    def connect(self: httpcore.SyncBackend, host: str, port: int, *a: Any, **kw: Any) -> Any:
        seen.append(host)
        return real(self, "127.0.0.1" if host == PUBLIC else host, port, *a, **kw)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect)
    return seen


def _rebinding(monkeypatch: pytest.MonkeyPatch, honest: int) -> list[str]:
    """Make every host answer PUBLIC to its first `honest` lookups and 127.0.0.1 after
    (a hostile DNS server); returns the hosts looked up."""
    real = http_module._resolve
    asked: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        return real(PUBLIC if len(asked) <= honest else "127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(http_module, "_resolve", resolve)
    return asked


@contextmanager
def dripping_server(
    head: bytes, drip: bytes, every: float = 0.2, heard: list[bytes] | None = None
) -> Iterator[str]:
    """A raw-socket HTTP server on loopback: to each connection it sends `head` at once,
    then `drip` one byte every `every` seconds; what it first reads goes to `heard`.
    Yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def answer(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2.0)
            said = conn.recv(65536)
            if heard is not None:
                heard.append(said)
            conn.sendall(head)
            for byte in drip:
                if stop.wait(every):
                    return
                conn.sendall(bytes([byte]))

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with suppress(OSError):  # the client hangs up once its deadline passes
                answer(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/drip"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


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
    with HttpClient(HttpPolicy(max_bytes=1000, allow_private=True), sleep=sleeps.append) as client:
        with pytest.raises(TooLargeError) as caught:
            client.get(httpserver.url_for("/big"))
        assert caught.value.declared and caught.value.size == 5000
        assert client.get(httpserver.url_for("/big"), truncate=True).content == b"x" * 1000


def test_http_one_user_agent_for_pages_and_price_apis(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/page").respond_with_data("<p>hi</p>", content_type="text/html")
    httpserver.expect_request("/q/d/l/").respond_with_data(CSV, content_type="text/csv")
    settings = Settings().with_overrides(
        fetch={"delay": 0.0, "allow_private_addresses": True},
        prices={"stooq_url": httpserver.url_for("/q/d/l/")},
    )
    with Fetcher(settings) as fetcher:
        fetcher.fetch_page(httpserver.url_for("/page"))
    stooq = make_provider(settings)
    assert isinstance(stooq, StooqProvider)
    stooq.fetch("IWM")
    agents = {request.path: request.headers["User-Agent"] for request, _ in httpserver.log}
    assert set(agents) == {"/robots.txt", "/page", "/q/d/l/"}
    assert set(agents.values()) == {settings.fetch.user_agent} == {USER_AGENT}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/page",
        "http://localhost/page",
        "http://10.1.2.3/x",
        "http://192.168.0.10/x",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://0.0.0.0/x",
    ],
)
def test_http_private_addresses_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(PrivateAddressError, match="private, loopback or link-local"):
        refuse_private(url)
    with HttpClient(HttpPolicy(retries=0)) as client, pytest.raises(PrivateAddressError):
        client.get(url)


def test_http_a_public_address_passes_the_check() -> None:
    refuse_private("http://93.184.216.34/page")  # an IP literal: no DNS needed


def test_http_a_redirect_to_a_private_address_is_refused(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, dialled: list[str]
) -> None:
    real = http_module._resolve

    def public_localhost(host: str, *args: object, **kwargs: object) -> object:
        if host == "localhost":  # the page's own host is PUBLIC (routed to the server)
            return real(PUBLIC, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(http_module, "_resolve", public_localhost)
    internal = httpserver.url_for("/admin").replace("localhost", "127.0.0.1")
    httpserver.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": internal}
    )
    httpserver.expect_request("/admin").respond_with_data("secret")
    with HttpClient(HttpPolicy(retries=0)) as client, pytest.raises(PrivateAddressError):
        client.get(httpserver.url_for("/go").replace("127.0.0.1", "localhost"))
    assert [r.path for r, _ in httpserver.log] == ["/go"]  # the internal page was never asked
    assert dialled == [PUBLIC]


def test_http_a_name_that_rebinds_to_loopback_is_never_connected_to(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, dialled: list[str]
) -> None:
    httpserver.expect_request("/secret").respond_with_data("secret")
    asked = _rebinding(monkeypatch, honest=1)  # public to the check, loopback to the connect
    url = f"http://rebind.test:{httpserver.port}/secret"
    with HttpClient(HttpPolicy(retries=2)) as client, pytest.raises(PrivateAddressError) as c:
        client.get(url)
    assert c.value.url == url and c.value.address == "127.0.0.1"
    assert asked == ["rebind.test", "rebind.test"] and dialled == [] and httpserver.log == []


def test_http_connects_to_the_address_it_checked(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, dialled: list[str]
) -> None:
    httpserver.expect_request("/page").respond_with_data("public")
    asked = _rebinding(monkeypatch, honest=2)  # a later lookup would say loopback
    with HttpClient(HttpPolicy(retries=0)) as client:
        assert client.get(f"http://rebind.test:{httpserver.port}/page").text == "public"
    assert len(asked) == 2 and dialled == [PUBLIC]  # the name was not looked up again


def test_http_allow_private_connects_to_loopback_as_resolved(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch, dialled: list[str]
) -> None:
    httpserver.expect_request("/page").respond_with_data("local")
    _rebinding(monkeypatch, honest=0)
    with HttpClient(FAST) as client:
        assert client.get(f"http://mirror.test:{httpserver.port}/page").text == "local"
    assert dialled == ["127.0.0.1"]


def test_http_a_body_that_lies_about_its_encoding_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/lie").respond_with_data(
        "plain text, not gzip", headers={"Content-Encoding": "gzip"}
    )
    with HttpClient(FAST) as client, pytest.raises(BadEncodingError, match="not the gzip"):
        client.get(httpserver.url_for("/lie"))


def test_http_an_unknown_encoding_is_a_clear_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/br").respond_with_data(b"xx", headers={"Content-Encoding": "br"})
    with HttpClient(FAST) as client, pytest.raises(BadEncodingError, match="does not read"):
        client.get(httpserver.url_for("/br"))


def test_http_nested_gzip_bomb_stops_at_the_cap_while_decoding(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * 200 * 2**20))  # 200 MB of zeros, twice zipped
    assert len(bomb) < 50_000
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip, gzip"}
    )
    policy = replace(FAST, max_bytes=2**20)
    with HttpClient(policy) as client, pytest.raises(TooLargeError, match="over the 1048576"):
        client.get(httpserver.url_for("/bomb"))


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("identity", lambda b: b),
    ],
)
def test_http_encoded_bodies_are_decoded(
    httpserver: HTTPServer, encoding: str, encode: Callable[[bytes], bytes]
) -> None:
    body = b"IWM could rally 10% by June. " * 500
    httpserver.expect_request("/e").respond_with_data(
        encode(body), headers={"Content-Encoding": encoding}
    )
    with HttpClient(FAST) as client:
        assert client.get(httpserver.url_for("/e")).content == body


def test_http_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    httpserver: HTTPServer,
) -> None:
    def trickle(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            for _ in range(100):
                time.sleep(0.1)
                yield b"x"

        return Response(body(), content_type="text/html")

    httpserver.expect_request("/drip").respond_with_handler(trickle)
    policy = replace(FAST, retries=0, deadline=0.5)
    started = time.monotonic()
    with HttpClient(policy) as client, pytest.raises(UnreachableError, match=r"over 0\.5 s"):
        client.get(httpserver.url_for("/drip"))
    assert time.monotonic() - started < 5


def test_http_tls_names_the_host_not_the_address_dialled(
    monkeypatch: pytest.MonkeyPatch, dialled: list[str]
) -> None:
    _rebinding(monkeypatch, honest=0)  # every name resolves to 127.0.0.1
    heard: list[bytes] = []
    with dripping_server(b"", b"", heard=heard) as url, HttpClient(replace(FAST, retries=0)) as c:
        port = url.split(":")[2].split("/")[0]
        with pytest.raises(UnreachableError):  # the raw server speaks no TLS
            c.get(f"https://pinned.test:{port}/")
    assert dialled == ["127.0.0.1"]
    assert heard and b"pinned.test" in heard[0]  # the ClientHello's SNI: the host name


def test_http_headers_that_drip_are_cut_off_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"
    policy = replace(FAST, deadline=1.0)  # retries too: a deadline is not tried again
    started = time.monotonic()
    with (
        dripping_server(b"", head) as url,
        HttpClient(policy) as client,
        pytest.raises(UnreachableError, match=r"over 1 s, the deadline") as caught,
    ):
        client.get(url)
    assert caught.value.deadline and caught.value.attempts == 1
    assert time.monotonic() - started < 2.5


def test_http_a_body_that_drips_is_cut_off_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n"
    started = time.monotonic()
    with (
        dripping_server(head, b"x" * 100) as url,
        HttpClient(replace(FAST, deadline=1.0)) as client,
        pytest.raises(UnreachableError, match=r"over 1 s, the deadline") as caught,
    ):
        client.get(url)
    assert caught.value.deadline and time.monotonic() - started < 2.5


def test_http_the_deadline_covers_connecting(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("ok")
    with (
        HttpClient(replace(FAST, deadline=0.0)) as client,
        pytest.raises(UnreachableError, match="deadline") as caught,
    ):
        client.get(httpserver.url_for("/a"))
    assert caught.value.deadline and httpserver.log == []


def test_http_robots_txt_is_read_up_to_its_cap(httpserver: HTTPServer) -> None:
    filler = "# filler\n" * 70_000  # about 630 KB, past the 512 KiB read
    robots = "User-agent: *\nDisallow: /private\n" + filler + "Disallow: /late\n"
    httpserver.expect_request("/robots.txt").respond_with_data(robots)
    httpserver.expect_request("/late/x").respond_with_data("<p>hi</p>", content_type="text/html")
    settings = Settings().with_overrides(fetch={"delay": 0.0, "allow_private_addresses": True})
    with Fetcher(settings) as fetcher:
        with pytest.raises(IngestError, match=r"robots\.txt disallows"):
            fetcher.fetch_page(httpserver.url_for("/private/x"))
        # a rule past the cap is not read (RFC 9309 asks for at least 500 KiB)
        assert fetcher.fetch_page(httpserver.url_for("/late/x")).status == 200
