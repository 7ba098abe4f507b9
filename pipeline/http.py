"""HTTP: the one polite client, for web pages and feeds (ingest) and price APIs (prices).

Input: URLs and an `HttpPolicy`. Output: httpx responses whose status is final (not a
redirect, not a 429/5xx that is still worth retrying), bodies capped. Side effects:
network requests, and sleeps between tries: exponential backoff, or the server's
Retry-After when it sends one, never longer than `max_wait`.

Safety: hosts that resolve to private, loopback, link-local or reserved addresses are
refused, and each connection goes to the very address that was checked (no second DNS
lookup: `pipeline/network.py`); each request has a deadline for connect, headers and body
together. Crawling policy (robots.txt, per-host spacing, byte budgets) sits on top, in
`pipeline/ingest/fetch.py`: it sees every request, redirect hops included, through the
`on_request` hook.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from pipeline.errors import ThesisError
from pipeline.network import Deadline, DeadlineError, PinnedBackend, PinnedTransport

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
#: More Content-Encoding layers than this is no real server (a bomb, or a lie).
MAX_ENCODINGS = 3
#: What a read answer keeps of the streamed one's extensions (the server's own wording).
ANSWER_EXTENSIONS = ("reason_phrase", "http_version")
#: An API's connect timeout (`HttpPolicy.for_api`).
API_CONNECT_TIMEOUT = 5.0


def _user_agent() -> str:
    try:
        release = version("thesis-tracker")
    except PackageNotFoundError:
        release = "dev"
    return f"ThesisTracker/{release} (market-commentary research; honours robots.txt)"


#: The one User-Agent every request names itself with (pages, feeds, price APIs).
USER_AGENT = _user_agent()


@dataclass(frozen=True)
class HttpPolicy:
    """How patient and how polite the client is (times in seconds).

    `retries` extra tries follow a 429/5xx answer or a network error; a connection that
    cannot be made at all is retried only with `retry_connect` (a price API that is down
    fails fast, so the next symbols do not each wait for it).
    """

    user_agent: str = USER_AGENT
    timeout: float = 20.0
    connect_timeout: float | None = None  # None: the same as `timeout`
    retries: int = 3
    backoff: float = 1.0  # first wait between tries; doubles each time
    max_wait: float = 60.0  # longest wait, and the longest Retry-After honoured
    max_bytes: int = 20 * 2**20
    retry_connect: bool = True
    # Longest one request may take, connect, headers and body together, however it
    # trickles: `timeout` bounds each read, so a server sending a byte a second would
    # never end. A request past its deadline is not tried again.
    deadline: float = 120.0
    # Private, loopback, link-local (cloud metadata) and reserved addresses are refused
    # before connecting, on every redirect hop, and checked again as the connection is
    # made, to the address it is made to; True allows them (tests, local mirrors).
    allow_private: bool = False

    def for_api(self) -> HttpPolicy:
        """This policy for a price API: connecting times out within API_CONNECT_TIMEOUT
        and is not retried, so a host that is down fails fast."""
        connect = min(API_CONNECT_TIMEOUT, self.timeout)
        return replace(self, connect_timeout=connect, retry_connect=False)

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds before try number `attempt` + 2: Retry-After when the server sent one
        (seconds or an HTTP date), else `backoff` doubled per attempt, at most `max_wait`."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return asked
        return float(min(self.backoff * 2**attempt, self.max_wait))


def parse_retry_after(value: str | None) -> float | None:
    """A Retry-After header (`120` or an HTTP date) in seconds from now; None if unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# -- what can go wrong --------------------------------------------------------------


class HttpError(ThesisError):
    """A request that did not get a usable answer. Callers usually turn it into their
    stage's error (IngestError, PriceDataError) with a message of their own."""

    def __init__(self, message: str, url: str, attempts: int = 1) -> None:
        super().__init__(message, url)
        self.url = url
        self.attempts = attempts


class UnreachableError(HttpError):
    """No answer: the connection failed or timed out (`cause` is httpx's error), or the
    request ran past its deadline (`deadline`)."""

    def __init__(self, url: str, cause: httpx.TransportError, attempts: int) -> None:
        super().__init__(f"no answer after {attempts} tries ({describe(cause)})", url, attempts)
        self.cause = cause
        self.connect = isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout)
        self.timed_out = isinstance(cause, httpx.TimeoutException)
        self.deadline = isinstance(cause, DeadlineError)


class KeptFailingError(HttpError):
    """The server answered 429 or 5xx to every try, or asked to wait longer than allowed."""

    def __init__(
        self, url: str, status: int, reason: str, attempts: int, asked: float | None = None
    ) -> None:
        super().__init__(f"the server answered {status} {reason} {attempts} times", url, attempts)
        self.status = status
        self.reason = reason
        self.asked = asked  # seconds the server asked to wait, when over `max_wait`


class TooManyRedirectsError(HttpError):
    """More than MAX_REDIRECTS hops."""

    def __init__(self, url: str) -> None:
        super().__init__(f"the address redirects more than {MAX_REDIRECTS} times", url)


class PrivateAddressError(HttpError):
    """The host is, or resolves to, an address on this machine or a private network."""

    def __init__(self, url: str, address: str) -> None:
        super().__init__(
            f"the host resolves to {address}, a private, loopback or link-local address; "
            "those are not fetched (set allow_private_addresses = true in [thesis.fetch] "
            "for a local mirror)",
            url,
        )
        self.address = address


class BadEncodingError(HttpError):
    """A body that is not what its Content-Encoding says, or in an unknown encoding."""


class TooLargeError(HttpError):
    """A body over `max_bytes`: declared in Content-Length, or found while streaming."""

    def __init__(self, url: str, size: int, limit: int, declared: bool) -> None:
        over = "" if declared else "more than "
        super().__init__(f"the body is {over}{size} bytes, over the {limit} limit", url)
        self.size = size
        self.limit = limit
        self.declared = declared


# -- the client -----------------------------------------------------------------------


class HttpClient:
    """GETs with timeouts, a deadline, retries, backoff, Retry-After, redirects and a size cap.

    Connections are direct (`pipeline.network.PinnedTransport`: proxies named in the
    environment are not used) and go to addresses checked as they are made. One request
    at a time: a client is not shared between threads. Use as a context manager, or call
    `close()`. `sleep` is how it waits (tests record it).
    """

    def __init__(
        self, policy: HttpPolicy | None = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.policy = policy or HttpPolicy()
        self.sleep = sleep
        connect = self.policy.connect_timeout
        timeout = httpx.Timeout(self.policy.timeout, connect=connect or self.policy.timeout)
        self._deadline = Deadline(self.policy.deadline)
        backend = PinnedBackend(self._addresses, self._deadline)
        self._client = httpx.Client(
            headers={"User-Agent": self.policy.user_agent},
            timeout=timeout,
            follow_redirects=False,
            transport=PinnedTransport(backend),
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        retry: bool = True,
        truncate: bool = False,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """The final answer to a GET of `url`, its body read (see `stream` and `read_capped`).

        Raises:
            HttpError: see `stream`; TooLargeError unless `truncate`.
        """
        with self.stream(url, params=params, headers=headers, retry=retry) as response:
            body = self.read_capped(response, truncate=truncate, max_bytes=max_bytes)
            kept = httpx.Headers(response.headers)
            kept.pop("content-encoding", None)  # the body is decoded already
            said = {k: v for k, v in response.extensions.items() if k in ANSWER_EXTENSIONS}
            return httpx.Response(
                response.status_code,
                headers=kept,
                content=body,
                request=response.request,
                extensions=said,
            )

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        on_request: Callable[[str], None] | None = None,
        retry: bool = True,
    ) -> Iterator[httpx.Response]:
        """The final answer to a GET of `url`, body not yet read (use `read_capped`).

        Redirects are followed hop by hop; `on_request(url)` runs before every request
        (each try, each hop) and may raise to stop it. Each request has `policy.deadline`
        seconds, from connecting to the last byte of the body read in the `with` block.
        Without `retry` there is one try and any status is returned as it is.

        Raises:
            UnreachableError: no answer after the tries allowed, or past the deadline.
            KeptFailingError: 429/5xx to every try, or a Retry-After over `max_wait`.
            TooManyRedirectsError: more than MAX_REDIRECTS hops.
            PrivateAddressError: a hop's host is, or resolves to, a private address.
        """
        attempts = self.policy.retries + 1 if retry else 1
        with self._deadline.kept():
            for attempt in range(attempts):
                last = attempt + 1 == attempts
                try:
                    response = self._follow(url, params, headers, on_request)
                except httpx.TransportError as exc:
                    failure = UnreachableError(url, exc, attempt + 1)
                    if last or self._final(failure):
                        raise failure from exc
                    self.sleep(self.policy.wait(attempt))
                    continue
                if retry and response.status_code in RETRY_STATUSES:
                    response.close()
                    self._wait_or_give_up(url, response, attempt, last)
                    continue
                try:
                    yield response
                finally:
                    response.close()
                return

    def read_capped(
        self, response: httpx.Response, *, truncate: bool = False, max_bytes: int | None = None
    ) -> bytes:
        """The body of a streamed response, decoded, at most `max_bytes` of it.

        The raw bytes are decoded here, not by httpx, so the cap holds while
        decompressing: a small gzip bomb (nested encodings included) stops at the cap
        instead of expanding in memory first.

        Raises:
            TooLargeError: the body is over the cap (declared, raw or decoded), unless
                `truncate`, which keeps the first `max_bytes` instead.
            BadEncodingError: the body is not what its Content-Encoding says.
            UnreachableError: the connection failed, or the request's deadline passed,
                while the body was read.
        """
        limit = (
            self.policy.max_bytes if max_bytes is None else min(max_bytes, self.policy.max_bytes)
        )
        url = str(response.url)
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise TooLargeError(url, int(declared), limit, declared=True)
        decoder = _Decoder(url, response.headers.get("content-encoding", ""), limit)
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in _raw_chunks(response):
                chunk = decoder.feed(raw)
                size += len(chunk)
                chunks.append(chunk)
                if size > limit:
                    break
            else:
                tail = decoder.flush()
                size += len(tail)
                chunks.append(tail)
        except TooLargeError:
            if not truncate:
                raise
            size = limit + 1
        if size > limit and not truncate:
            raise TooLargeError(url, size, limit, declared=False)
        return b"".join(chunks)[:limit]

    def _follow(
        self,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        on_request: Callable[[str], None] | None,
    ) -> httpx.Response:
        target = url
        for _ in range(MAX_REDIRECTS + 1):
            if not self.policy.allow_private:
                refuse_private(target)
            if on_request is not None:
                on_request(target)
            request = self._client.build_request("GET", target, params=params, headers=headers)
            self._deadline.start()
            try:
                response = self._client.send(request, stream=True)
            except _RefusedAddressError as exc:
                raise PrivateAddressError(target, exc.address) from None
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                return response
            response.close()
            target, params = urljoin(str(response.url), location), None
        raise TooManyRedirectsError(url)

    def _final(self, failure: UnreachableError) -> bool:
        """No other try after this failure: past the deadline, or a connection that could
        not be made when `retry_connect` is off."""
        return failure.deadline or (failure.connect and not self.policy.retry_connect)

    def _addresses(self, host: str, port: int) -> list[str]:
        """The addresses a connection to `host` may go to: looked up once, each one
        checked unless `policy.allow_private` (PinnedBackend dials these, never the name)."""
        try:
            found = _resolved(host, port)
        except (socket.gaierror, UnicodeError, ValueError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        for address, _ in found:
            if not self.policy.allow_private and _not_public(address):
                raise _RefusedAddressError(str(address))
        return list(dict.fromkeys(dialled for _, dialled in found))

    def _wait_or_give_up(
        self, url: str, response: httpx.Response, attempt: int, last: bool
    ) -> None:
        status, reason = response.status_code, response.reason_phrase
        wait = self.policy.wait(attempt, response.headers.get("retry-after"))
        if wait > self.policy.max_wait:
            raise KeptFailingError(url, status, reason, attempt + 1, asked=wait)
        if last:
            raise KeptFailingError(url, status, reason, attempt + 1)
        self.sleep(wait)


class _Decoder:
    """Content-Encoding undone step by step, each step's output capped at `limit`.

    Encodings are listed in the order they were applied ("gzip, deflate"), so they are
    undone from the last. gzip and deflate (zlib-wrapped or raw) are understood; any
    other is a BadEncodingError, as is a body that is not what it claims to be."""

    def __init__(self, url: str, header: str, limit: int) -> None:
        self.url = url
        self.limit = limit
        names = [n.strip().lower() for n in header.split(",") if n.strip()]
        names = [n for n in names if n != "identity"]
        unknown = [n for n in names if n not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise BadEncodingError(
                f"the body is in an encoding this client does not read ({', '.join(unknown)})",
                url,
            )
        if len(names) > MAX_ENCODINGS:
            raise BadEncodingError(f"the body is encoded {len(names)} times over", url)
        self.steps = [_Step(name, limit) for name in reversed(names)]
        self.names = names

    def feed(self, data: bytes) -> bytes:
        with self._errors():
            for step in self.steps:
                data = step.feed(data)
        return data

    def flush(self) -> bytes:
        data = b""
        with self._errors():
            for step in self.steps:
                data = step.feed(data) + step.flush()
        return data

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """zlib's and the cap's errors, in this client's words."""
        try:
            yield
        except zlib.error as exc:
            said = ", ".join(self.names)
            raise BadEncodingError(
                f"the body is not the {said} its Content-Encoding says ({exc})", self.url
            ) from exc
        except _OverLimitError:
            raise TooLargeError(self.url, self.limit + 1, self.limit, declared=False) from None


class _OverLimitError(Exception):
    pass


class _Step:
    """One decompression with its output capped."""

    def __init__(self, name: str, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.produced = 0
        self.started = False
        self.inflate = zlib.decompressobj(31 if name in ("gzip", "x-gzip") else 15)

    def feed(self, data: bytes) -> bytes:
        if not data:
            return b""
        try:
            out = self.inflate.decompress(data, self.limit + 1 - self.produced)
        except zlib.error:
            if self.name != "deflate" or self.started:
                raise
            self.inflate = zlib.decompressobj(-15)  # raw deflate, without the zlib header
            out = self.inflate.decompress(data, self.limit + 1 - self.produced)
        self.started = True
        self.produced += len(out)
        if self.produced > self.limit:
            raise _OverLimitError
        return out

    def flush(self) -> bytes:
        out = self.inflate.flush()
        self.produced += len(out)
        if self.produced > self.limit:
            raise _OverLimitError
        return out


def _raw_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body's bytes as they arrive; a network failure is an UnreachableError."""
    try:
        yield from response.iter_raw()
    except httpx.TransportError as exc:
        raise UnreachableError(str(response.url), exc, 1) from exc


_resolve = socket.getaddrinfo  # the resolver every address check asks (tests replace it)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class _RefusedAddressError(Exception):
    """A connection refused on its way out: the host resolved to `address`, not public.
    The client raises it again as a PrivateAddressError naming the URL."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.address = address


def refuse_private(url: str) -> None:
    """Raise PrivateAddressError when `url`'s host is, or resolves to, an address that is
    not on the public internet (checked after DNS resolution, every address it has).

    HttpClient checks each hop with it before its hooks run, then again as it connects,
    to the address it connects to.

    Raises:
        PrivateAddressError: a private, loopback, link-local, reserved or multicast address.
        UnreachableError: the host name does not resolve.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = _resolved(host, port)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise UnreachableError(
            url, httpx.ConnectError(f"cannot resolve {host!r}: {exc}"), 1
        ) from exc
    for address, _ in found:
        if _not_public(address):
            raise PrivateAddressError(url, str(address))


def _resolved(host: str, port: int) -> list[tuple[IPAddress, str]]:
    """Every address `host` has (one lookup through `_resolve`): as checked (an IPv4-mapped
    IPv6 address as its IPv4 one) and as dialled (the resolver's own text, IPv6 scope kept).

    Raises:
        socket.gaierror, UnicodeError: the name does not resolve.
    """
    found = []
    for *_, sockaddr in _resolve(host, port, proto=socket.IPPROTO_TCP):
        dialled = str(sockaddr[0])
        address = ipaddress.ip_address(dialled.split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        found.append((address, dialled))
    return found


def _not_public(address: IPAddress) -> bool:
    """Private, loopback, link-local, reserved or multicast: not on the public internet."""
    return not address.is_global or address.is_multicast


def describe(exc: Exception) -> str:
    """`ConnectError: [Errno 111] Connection refused`, or the type alone when it says nothing."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
