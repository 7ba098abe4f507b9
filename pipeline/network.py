"""Network: the connections under the one HTTP client (`pipeline/http.py`).

Input: a host and port from httpcore, to connect to. Output: network streams. Side effects:
DNS lookups (through the `addresses` callable the client passes) and sockets. Every
connection goes to an address that was looked up and checked once, so a name cannot
answer one address to the check and another to the connection (DNS rebinding); every
connect, TLS handshake, read and write of a request fits in the request's `Deadline`.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

#: httpcore's errors as httpx names them (what httpx.HTTPTransport does, in a table).
HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}
#: httpx's own connection limits (httpx.Limits()), which httpcore's pool does not default to.
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)

#: host, port -> the addresses (IP literals) a connection may go to, checked; may raise.
Addresses = Callable[[str, int], Sequence[str]]


class DeadlineError(httpx.TimeoutException):
    """A request that ran past its deadline (connect, headers and body together)."""


class Deadline:
    """When the request under way must be done by: one per client, one request at a time
    (the client is not shared between threads). Until `start`, nothing is bounded."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.until: float | None = None

    def start(self) -> None:
        """A new request: it has `seconds` from now."""
        self.until = time.monotonic() + self.seconds

    @contextmanager
    def kept(self) -> Iterator[None]:
        """Put back, on the way out, the deadline there was on the way in (a request made
        while another is under way, such as robots.txt before a redirect hop, has its own)."""
        outer = self.until
        try:
            yield
        finally:
            self.until = outer

    @contextmanager
    def within(self, timeout: float | None) -> Iterator[float | None]:
        """`timeout` cut to the time left; a timeout once the deadline has passed, or a
        step started with no time left, is a DeadlineError."""
        if self.until is None:
            yield timeout
            return
        left = self.until - time.monotonic()
        if left <= 0:
            raise DeadlineError(self.message())
        try:
            yield left if timeout is None else min(timeout, left)
        except httpcore.TimeoutException as exc:
            if time.monotonic() >= self.until:
                raise DeadlineError(self.message()) from exc
            raise

    def message(self) -> str:
        return (
            f"the answer took over {self.seconds:g} s, the deadline for one request "
            "(connect, headers and body); raise deadline in [thesis.fetch] for a slow site"
        )


class _TimedStream(httpcore.NetworkStream):
    """A connection whose every step fits in the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with self._deadline.within(timeout) as bounded:
            return self._stream.read(max_bytes, bounded)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with self._deadline.within(timeout) as bounded:
            self._stream.write(buffer, bounded)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """TLS over the connection; SNI and the certificate check use `server_hostname`
        (httpcore passes the URL's host name), never the address connected to."""
        with self._deadline.within(timeout) as bounded:
            secure = self._stream.start_tls(ssl_context, server_hostname, bounded)
        return _TimedStream(secure, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's sockets, each connected to an address `addresses(host, port)` gave.

    The host name is looked up once, by `addresses`, which checks what it found and
    raises to refuse; the connection then dials those IP literals, so nothing resolves
    the name again between the check and the connect.
    """

    def __init__(self, addresses: Addresses, deadline: Deadline) -> None:
        self._addresses = addresses
        self._deadline = deadline
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """A connection to the first of `host`'s checked addresses that answers.

        Raises:
            httpcore.ConnectError, httpcore.ConnectTimeout: no address could be reached.
            DeadlineError: the request's deadline passed while connecting.
        """
        failure: Exception = httpcore.ConnectError(f"{host!r} has no address to connect to")
        for address in self._addresses(host, port):
            try:
                with self._deadline.within(timeout) as bounded:
                    stream = self._sockets.connect_tcp(
                        address, port, bounded, local_address, socket_options
                    )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _TimedStream(stream, self._deadline)
        raise failure


class PinnedTransport(httpx.BaseTransport):
    """httpx.HTTPTransport's job over a connection pool on a `PinnedBackend`.

    httpx.HTTPTransport builds its httpcore.ConnectionPool without a way to pass a network
    backend, so this is a transport of our own: HTTP/1.1, certificates verified (httpx's
    defaults, SSL_CERT_FILE and SSL_CERT_DIR honoured) and no proxy. Proxies named in the
    environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) are not used, as httpx does for any
    client given a transport: through a proxy, which address a name reaches is the
    proxy's choice, so the address check could not hold.
    """

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=LIMITS.max_connections,
            max_keepalive_connections=LIMITS.max_keepalive_connections,
            keepalive_expiry=LIMITS.keepalive_expiry,
            network_backend=backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with httpx_errors():
            answer = self._pool.handle_request(core)
        assert isinstance(answer.stream, Iterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class _Body(httpx.SyncByteStream):
    """A response body as httpcore streams it, its errors in httpx's names."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


@contextmanager
def httpx_errors() -> Iterator[None]:
    """httpcore's errors raised as the httpx ones they correspond to; others as they are."""
    try:
        yield
    except Exception as exc:
        kind = next((HTTPX_ERRORS[k] for k in type(exc).__mro__ if k in HTTPX_ERRORS), None)
        if kind is None:
            raise
        raise kind(str(exc)) from exc
