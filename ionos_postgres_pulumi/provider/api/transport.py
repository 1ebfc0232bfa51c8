"""How a request reaches the v2 API and comes back: the session, timeouts, retries, the shared rate
gate and deadlines. The endpoints (`client`) say what to ask; this module asks until it has an answer
worth reporting.

- 429 on any method (nothing was done), as long as the API asks, up to a total wait per call. The wait
  is shared by every client of that API in the process (see `throttle`), so that parallel operations
  back off together instead of storming the quota.
- 502/503/504 and dropped connections on GET/PUT/DELETE, by urllib3's `Retry`, with capped exponential
  backoff and jitter. POST is not retried when its fate is unknown: it raises, and the provider finds
  the cluster by name instead of creating a second one.
- Credentials never travel in clear: plain http:// only to this machine, and not through a proxy
  elsewhere (`refuse_credentials_in_clear`). An answer is read whole, up to what the client reads
  (`answers`).

The clock and the sleep are parameters, so that tests wait out rate limits and retries without waiting.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from .answers import MAX_ANSWER_BYTES, Answer, UnreadableJson
from .errors import ConfigurationError, ResponseFormatError, TransportError, error_from, not_json
from .redaction import hide_secrets
from .regions import is_loopback
from .throttle import RateGate

log = logging.getLogger(__name__)

USER_AGENT = "ionos-postgres-pulumi/0.1"

Clock = Callable[[], float]
Sleeper = Callable[[float], None]


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read of a response."""

    connect: float = 5.0
    read: float = 30.0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before it reports an error.

    A 429 is retried for as long as the API asks: each wait is what `Retry-After` says (capped at
    `max_retry_after`; without it, or when it is unreadable or 0, 0.5, 1, 2, ... s up to
    `backoff_max`) plus up to `rate_limit_spread` of jitter. The client gives up when the next wait
    would take the call past `rate_limit_wait`, counted from its start. Any other failure that may be
    retried is tried at most 6 times, with waits of 0.5, 1, 2, 4, 8 s (plus up to 0.25 s of jitter,
    each capped at 30 s).
    """

    retries: int = 5
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.25
    max_retry_after: float = 120.0
    rate_limit_wait: float = 300.0
    rate_limit_spread: float = 2.0
    statuses: frozenset[int] = frozenset({502, 503, 504})


class _ApiRetry(Retry):
    """urllib3's Retry (5xx and dropped connections), with a capped Retry-After and an injectable sleep."""

    RETRY_AFTER_STATUS_CODES = frozenset({503})  # 429 is the transport's own loop (`_admitted`)
    sleeper: Sleeper = staticmethod(time.sleep)
    max_retry_after: float = 120.0

    def new(self, **kw: Any) -> _ApiRetry:
        fresh = super().new(**kw)
        fresh.sleeper = self.sleeper
        fresh.max_retry_after = self.max_retry_after
        return fresh

    def get_backoff_time(self) -> float:
        """factor * 2**(n-1) from the first retry on (urllib3 retries the first at once), plus jitter."""
        failures = len(self.history)
        if failures == 0:
            return 0.0
        value = self.backoff_factor * 2 ** (failures - 1) + random.random() * self.backoff_jitter  # noqa: S311
        return float(min(self.backoff_max, value))

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        seconds = parse_retry_after(response.headers.get("Retry-After"))
        return None if seconds is None else min(seconds, self.max_retry_after)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        delay = None
        if self.respect_retry_after_header and response is not None:
            delay = self.get_retry_after(response)
        if delay is None:
            delay = self.get_backoff_time()
        log.debug("retrying in %.2fs", delay)
        if delay > 0:
            self.sleeper(delay)


class Transport:
    """Requests to one API endpoint (`base_url`), answered as JSON or raised as an `ApiError`.

    `secrets` (the credentials) are hidden from every error it raises. A transport serves one operation
    in one thread (see `deadline`).
    """

    def __init__(
        self,
        base_url: str,
        auth: requests.auth.AuthBase,
        secrets: tuple[str, ...],
        *,
        timeouts: Timeouts,
        policy: RetryPolicy,
        sleeper: Sleeper,
        clock: Clock,
        gate: RateGate,
    ) -> None:
        self.base_url, self.timeouts, self._secrets = base_url, timeouts, secrets
        self._policy, self._sleeper, self._clock, self._gate = policy, sleeper, clock, gate
        self._deadline = math.inf
        self._session = self._new_session(auth, frozenset({"POST"}), pool_size=8)
        refuse_credentials_in_clear(self._session, base_url)  # said when the client is made; and per request
        self._once: requests.Session | None = None  # made when first needed (see `_once_session`)

    @property
    def auth(self) -> requests.auth.AuthBase:
        return self._session.auth  # type: ignore[return-value]  # always set by `_new_session`

    def _new_session(
        self, auth: requests.auth.AuthBase, single_shot: frozenset[str], pool_size: int
    ) -> requests.Session:
        session = requests.Session()
        session.auth = auth
        session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        # trust_env stays on: HTTPS_PROXY and REQUESTS_CA_BUNDLE work as users expect. Certificates are
        # always verified; nothing in this project turns verification off.
        session.verify = True
        retries = _retries(self._policy, self._sleeper, single_shot)
        session.mount(self.base_url, HTTPAdapter(max_retries=retries, pool_maxsize=pool_size))
        return session

    def _once_session(self) -> requests.Session:
        """For changes that must not happen twice (an in-place restore): a PUT whose outcome is unknown
        is not repeated; the caller finds out what happened instead."""
        if self._once is None:
            self._once = self._new_session(self.auth, frozenset({"POST", "PUT"}), pool_size=2)
        return self._once

    def close(self) -> None:
        self._session.close()
        if self._once is not None:
            self._once.close()

    @contextlib.contextmanager
    def deadline(self, until: float) -> Iterator[None]:
        """Within the block, waiting out 429s ends at `until` (the transport's clock), even within the
        budget. For a caller with a deadline of its own (the waiter), which a rate limit must not overrun.
        """
        before, self._deadline = self._deadline, min(self._deadline, until)
        try:
            yield
        finally:
            self._deadline = before

    def send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
        secrets: tuple[str, ...] = (),
        once: bool = False,
    ) -> Any:
        """One call, its JSON answer (None when empty); `secrets` are values of this request (a password)
        to hide in any error text. `once`: a PUT is never repeated when its outcome is unknown."""
        hidden = [*self._secrets, *secrets]
        session = self._once_session() if once else self._session
        answer = self._admitted(
            lambda: self._request(session, method, path, params, body, hidden), method, path, hidden
        )
        if answer.status not in expect:
            raise error_from(method, path, answer, hidden)
        if not answer.content:
            return None
        try:
            return answer.json()
        except UnreadableJson as unreadable:
            detail = not_json(answer, hidden, unreadable)
            raise ResponseFormatError(method, path, answer.status, detail=detail) from None

    def _admitted(self, send: Callable[[], Answer], method: str, path: str, hidden: list[str]) -> Answer:
        """The answer that is not a 429: a 429 means the API did nothing, so any method is sent again
        once the API's wait is over, until the wait would pass the budget (or the caller's deadline)."""
        started = self._clock()
        budget = min(self._policy.rate_limit_wait, self._deadline - started)
        waited, refused = 0.0, 0
        pause = min(self._gate.wait(self._policy.rate_limit_spread), max(0.0, budget))
        while True:
            if pause > 0:
                self._sleeper(pause)
                waited += pause
            answer = send()
            if answer.status != 429:
                return answer
            self._gate.close_for(self._retry_after(answer, refused))
            refused += 1
            pause = self._gate.wait(self._policy.rate_limit_spread)
            spent = max(waited, self._clock() - started)  # the clock also counts 5xx retries
            if spent + pause > budget:
                raise error_from(method, path, answer, hidden, waited=spent)

    def _request(
        self,
        session: requests.Session,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: dict[str, Any] | None,
        hidden: list[str],
    ) -> Answer:
        url = self.base_url + path
        refuse_credentials_in_clear(session, url)
        started = self._clock()
        try:
            with session.request(
                method,
                url,
                params=params,
                json=body,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
                stream=True,  # read below, up to what the client reads
            ) as response:
                content = _read_whole(response, method, path)
        except requests.RequestException as exc:
            raise TransportError(method, path, hide_secrets(_describe_transport_error(exc), hidden)) from None
        log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, self._clock() - started)
        return Answer(response.status_code, response.headers, content, response.encoding)

    def _retry_after(self, answer: Answer, refused: int) -> float:
        """What the API asked to wait (capped), or exponential backoff when it did not say (or said 0,
        or a time already past, which would be asking again at once, for ever)."""
        asked = parse_retry_after(answer.headers.get("Retry-After"))
        if asked is None or asked <= 0:
            return float(min(self._policy.backoff_max, self._policy.backoff_factor * 2**refused))
        return min(asked, self._policy.max_retry_after)


def _read_whole(response: requests.Response, method: str, path: str) -> bytes:
    """The body, or a ResponseFormatError as soon as it is larger than the client reads (said up front
    by Content-Length, or found while reading)."""
    too_large = ResponseFormatError(
        method,
        path,
        response.status_code,
        detail=f"the answer is larger than the {MAX_ANSWER_BYTES // 2**20} MB the client reads; "
        "it is not the v2 API's",
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise too_large
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def refuse_credentials_in_clear(session: requests.Session, url: str) -> None:
    """ConfigurationError, before anything is sent, when a request to `url` would carry the credentials
    over plain HTTP to another machine: to a host that is not loopback, or through a proxy that is not
    (HTTP_PROXY, ALL_PROXY, as requests picks them from the environment, NO_PROXY honoured)."""
    target = urlsplit(url)
    if target.scheme != "http":
        return  # https: the credentials travel inside TLS, through a proxy's tunnel too
    if not is_loopback(target.hostname):
        raise ConfigurationError(f"the API URL {url} is plain http:// to another machine; use https://")
    proxies = session.merge_environment_settings(url, {}, None, None, None)["proxies"]
    proxy = requests.utils.select_proxy(url, proxies)
    if proxy is None:
        return
    proxy_host = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname
    if not is_loopback(proxy_host):
        raise ConfigurationError(
            f"the API URL {url} is plain http://, and the environment sends it through the proxy "
            f"at {proxy_host or '(an address it cannot read)'} "
            "(HTTP_PROXY, http_proxy or ALL_PROXY), which would receive the "
            f"credentials unencrypted; add {target.hostname} to NO_PROXY, use a proxy on this machine, "
            "or use https://"
        )


def parse_retry_after(header: str | None) -> float | None:
    """Seconds from `Retry-After` (a number or an HTTP date); None when absent or unreadable."""
    if not header:
        return None
    try:
        return float(Retry().parse_retry_after(header))
    except (InvalidHeader, ValueError, OverflowError):  # junk, 5,000 digits, the year 99999
        return None


def _retries(policy: RetryPolicy, sleeper: Sleeper, single_shot: frozenset[str]) -> _ApiRetry:
    retries = _ApiRetry(
        total=policy.retries,
        connect=policy.retries,
        read=policy.retries,
        status=policy.retries,
        other=0,
        redirect=0,
        backoff_factor=policy.backoff_factor,
        backoff_max=policy.backoff_max,
        backoff_jitter=policy.jitter,
        status_forcelist=policy.statuses,
        allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD"}) - single_shot,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retries.sleeper = sleeper
    retries.max_retry_after = policy.max_retry_after
    return retries


def _describe_transport_error(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, requests.ReadTimeout):
        return "timed out waiting for the response"
    if isinstance(exc, requests.exceptions.RetryError):
        return "retries exhausted"
    reason: BaseException = exc
    for _ in range(5):  # unwrap urllib3's MaxRetryError/ProtocolError chain to the socket's words
        inner = getattr(reason, "reason", None) or (reason.args[0] if reason.args else None)
        if not isinstance(inner, BaseException):
            break
        reason = inner
    text = str(reason) or type(reason).__name__
    return f"connection failed: {text}"
