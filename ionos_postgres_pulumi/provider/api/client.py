"""The one place that speaks HTTP to the DBaaS PostgreSQL v2 API.

One method per endpoint, pagination that always ends, credentials resolved when the client is made,
and retries:
- 429 on any method (nothing was done), as long as the API asks, up to a total wait per call. The
  wait is shared by every client of that API in the process (see `throttle`), so that parallel
  operations back off together instead of storming the quota.
- 502/503/504 and dropped connections on GET/PUT/DELETE, by urllib3's `Retry`, with capped
  exponential backoff and jitter. POST is not retried when its fate is unknown: it raises, and the
  provider finds the cluster by name instead of creating a second one.

A client is cheap to build and holds credentials, so it refuses to be pickled: build one per call.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import math
import os
import random
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from . import models
from .errors import (
    ApiError,
    ErrorMessage,
    MissingCredentialsError,
    ResponseFormatError,
    TransportError,
)
from .regions import normalize_region, resolve_base_url
from .throttle import RateGate

log = logging.getLogger(__name__)

USER_AGENT = "ionos-postgres-pulumi/0.1"
MAX_PAGES = 1000
DEFAULT_PAGE_SIZE = 100

ENV_TOKEN = "IONOS_TOKEN"  # noqa: S105 - the name of a variable, not a token
ENV_USERNAME = "IONOS_USERNAME"
ENV_PASSWORD = "IONOS_PASSWORD"  # noqa: S105 - the name of a variable, not a password
ENV_API_URL = "IONOS_API_URL"

T = TypeVar("T", bound=BaseModel)


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

    RETRY_AFTER_STATUS_CODES = frozenset({503})  # 429 is the client's own loop (`_send`), not urllib3's
    sleeper: Callable[[float], None] = staticmethod(time.sleep)
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
        seconds = _parse_retry_after(response.headers.get("Retry-After"))
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


class _BearerToken(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<bearer token (hidden)>"

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable; resolve them when a call runs")


class _BasicAuth(requests.auth.HTTPBasicAuth):
    def __repr__(self) -> str:
        return "<basic auth (hidden)>"

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable; resolve them when a call runs")


def resolve_auth(
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    env: Mapping[str, str] | None = None,
) -> requests.auth.AuthBase:
    """A Bearer token (argument, then IONOS_TOKEN) or, as a fallback, basic auth."""
    env = os.environ if env is None else env
    token = token or env.get(ENV_TOKEN)
    if token:
        return _BearerToken(token)
    username = username or env.get(ENV_USERNAME)
    password = password or env.get(ENV_PASSWORD)
    if username and password:
        return _BasicAuth(username, password)
    raise MissingCredentialsError()


class PostgresClient:
    """A client of one region's v2 API (`location` as `de/fra` or `de-fra`)."""

    def __init__(
        self,
        location: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        api_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        env: Mapping[str, str] | None = None,
        sleeper: Callable[[float], None] = time.sleep,
        page_size: int = DEFAULT_PAGE_SIZE,
        gate: RateGate | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.page_size = page_size
        self.region = normalize_region(location)
        self.base_url = resolve_base_url(self.region, api_url or env.get(ENV_API_URL))
        self.timeouts = timeouts or Timeouts()
        self._secrets = [s for s in (token or env.get(ENV_TOKEN), password or env.get(ENV_PASSWORD)) if s]
        self._session = requests.Session()
        self._session.auth = resolve_auth(token, username, password, env)
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})
        # trust_env stays on: HTTPS_PROXY and REQUESTS_CA_BUNDLE work as users expect. Certificates are
        # always verified; nothing in this project turns verification off.
        self._session.verify = True
        self._policy, self._sleeper = retry or RetryPolicy(), sleeper
        self._gate = gate or RateGate.shared(self.base_url)  # the API's quota is the process's
        self._deadline = math.inf  # see `deadline`; a client serves one operation, in one thread
        adapter = HTTPAdapter(max_retries=_retries(self._policy, sleeper), pool_maxsize=8)
        self._session.mount(self.base_url, adapter)
        self._once: requests.Session | None = None  # made when first needed (see _once_session)

    def __repr__(self) -> str:
        return f"PostgresClient(region={self.region!r}, base_url={self.base_url!r})"

    def __reduce__(self) -> Any:
        raise TypeError("PostgresClient holds credentials and is not picklable; build one per call")

    def close(self) -> None:
        self._session.close()
        if self._once is not None:
            self._once.close()

    def _once_session(self) -> requests.Session:
        """For changes that must not happen twice (an in-place restore): a PUT whose outcome is unknown
        is not repeated; the caller finds out what happened instead."""
        if self._once is None:
            once = requests.Session()
            once.auth, once.headers, once.verify = self._session.auth, self._session.headers, True
            retries = _retries(self._policy, self._sleeper, single_shot=frozenset({"POST", "PUT"}))
            once.mount(self.base_url, HTTPAdapter(max_retries=retries, pool_maxsize=2))
            self._once = once
        return self._once

    def __enter__(self) -> PostgresClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- clusters -------------------------------------------------------------------------------

    def list_clusters(self, *, name: str | None = None, state: str | None = None) -> list[models.ClusterRead]:
        """All clusters of the region; `name` matches names that *contain* it, as the API does."""
        params = {"filter.name": name, "filter.state": state}
        return list(self._paginate("/clusters", models.ClusterRead, params))

    def create_cluster(self, properties: models.ClusterCreateProperties) -> models.ClusterRead:
        body = models.ClusterCreate(properties=properties)
        return self._call(
            "POST",
            "/clusters",
            models.ClusterRead,
            body=body.to_wire(),
            expect=(201, 200),
            secrets=_passwords(properties.credentials),
        )

    def get_cluster(self, cluster_id: str) -> models.ClusterRead:
        return self._call("GET", f"/clusters/{cluster_id}", models.ClusterRead)

    def ensure_cluster(
        self, cluster_id: str, properties: models.ClusterProperties, *, once: bool = False
    ) -> models.ClusterRead:
        """PUT the full desired cluster: fields left out are reset by the API, not kept.

        `once`: never repeat the PUT when its outcome is unknown (a dropped connection, a 5xx), for
        changes that must not happen twice, such as an in-place restore.
        """
        body = models.ClusterEnsure(id=cluster_id, properties=properties)
        return self._call(
            "PUT",
            f"/clusters/{cluster_id}",
            models.ClusterRead,
            body=body.to_wire(),
            expect=(200, 201),
            secrets=_passwords(properties.credentials),
            session=self._once_session() if once else None,
        )

    def delete_cluster(self, cluster_id: str) -> None:
        self._send("DELETE", f"/clusters/{cluster_id}", expect=(202, 200, 204))

    # -- backups, backup locations, versions ---------------------------------------------------

    def list_backups(self, *, cluster_id: str | None = None) -> list[models.BackupRead]:
        return list(self._paginate("/backups", models.BackupRead, {"filter.clusterId": cluster_id}))

    def get_backup(self, backup_id: str) -> models.BackupRead:
        return self._call("GET", f"/backups/{backup_id}", models.BackupRead)

    def list_backup_locations(self) -> list[models.BackupLocationRead]:
        return list(self._paginate("/backup-locations", models.BackupLocationRead, {}))

    def get_backup_location(self, location_id: str) -> models.BackupLocationRead:
        return self._call("GET", f"/backup-locations/{location_id}", models.BackupLocationRead)

    def list_versions(self) -> list[models.PostgresVersionRead]:
        return list(self._paginate("/versions", models.PostgresVersionRead, {}))

    def get_version(self, version_id: str) -> models.PostgresVersionRead:
        return self._call("GET", f"/versions/{version_id}", models.PostgresVersionRead)

    # -- transport ------------------------------------------------------------------------------

    def _paginate(self, path: str, item: type[T], filters: Mapping[str, str | None]) -> Iterator[T]:
        """Every item, page by page; stops on a short page, never trusting `_links.next` alone.

        A page is short against the limit the server says it applied (it may cap what was asked).
        """
        params: dict[str, Any] = {k: v for k, v in filters.items() if v is not None}
        seen: set[str] = set()
        offset = 0
        for _ in range(MAX_PAGES):
            raw = self._send("GET", path, params={**params, "offset": offset, "limit": self.page_size})
            page = self._parse("GET", path, models.ResourceList[item], raw)  # type: ignore[valid-type]
            fresh = [i for i in page.items if getattr(i, "id", None) not in seen]
            seen.update(str(getattr(i, "id", "")) for i in fresh)
            yield from fresh
            applied = page.limit if 0 < page.limit <= self.page_size else self.page_size
            if len(page.items) < applied or not fresh:
                return
            offset += len(page.items)
        raise ApiError("GET", path, 200, detail=f"more than {MAX_PAGES} pages; stopped paginating")

    def _call(
        self,
        method: str,
        path: str,
        model: type[T],
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
        secrets: tuple[str, ...] = (),
        session: requests.Session | None = None,
    ) -> T:
        raw = self._send(method, path, body=body, expect=expect, secrets=secrets, session=session)
        return self._parse(method, path, model, raw)

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        expect: tuple[int, ...] = (200,),
        secrets: tuple[str, ...] = (),
        session: requests.Session | None = None,
    ) -> Any:
        """One call; `secrets` are values of this request (a password) to hide in any error text."""
        hidden = [*self._secrets, *secrets]
        response = self._admitted(
            lambda: self._request(session or self._session, method, path, params, body, hidden),
            method,
            path,
            hidden,
        )
        if response.status_code not in expect:
            raise _error_from(method, path, response, hidden)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ResponseFormatError(
                method, path, response.status_code, detail=_not_json(response, hidden)
            ) from None

    def _admitted(
        self, send: Callable[[], requests.Response], method: str, path: str, hidden: list[str]
    ) -> requests.Response:
        """The answer that is not a 429: a 429 means the API did nothing, so any method is sent again
        once the API's wait is over, until the wait would pass the budget (or the caller's deadline)."""
        started = time.monotonic()
        budget = min(self._policy.rate_limit_wait, self._deadline - started)
        waited, refused = 0.0, 0
        pause = min(self._gate.wait(self._policy.rate_limit_spread), max(0.0, budget))
        while True:
            if pause > 0:
                self._sleeper(pause)
                waited += pause
            response = send()
            if response.status_code != 429:
                return response
            self._gate.close_for(self._retry_after(response, refused))
            refused += 1
            pause = self._gate.wait(self._policy.rate_limit_spread)
            spent = max(waited, time.monotonic() - started)  # the wall clock also counts 5xx retries
            if spent + pause > budget:
                raise _error_from(method, path, response, hidden, waited=spent)

    @contextlib.contextmanager
    def deadline(self, until: float) -> Iterator[None]:
        """Within the block, waiting out 429s ends at `until` (monotonic time), even within the budget.

        For a caller with a deadline of its own (the waiter), which it must not overrun by a rate limit.
        """
        before, self._deadline = self._deadline, min(self._deadline, until)
        try:
            yield
        finally:
            self._deadline = before

    def _request(
        self,
        session: requests.Session,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: dict[str, Any] | None,
        hidden: list[str],
    ) -> requests.Response:
        started = time.monotonic()
        try:
            response = session.request(
                method,
                self.base_url + path,
                params=params,
                json=body,
                timeout=(self.timeouts.connect, self.timeouts.read),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise TransportError(method, path, _redact(_describe_transport_error(exc), hidden)) from None
        log.debug("%s %s -> %s in %.3fs", method, path, response.status_code, time.monotonic() - started)
        return response

    def _retry_after(self, response: requests.Response, refused: int) -> float:
        """What the API asked to wait (capped), or exponential backoff when it did not say (or said 0,
        or a time already past, which would be asking again at once, for ever)."""
        asked = _parse_retry_after(response.headers.get("Retry-After"))
        if asked is None or asked <= 0:
            return float(min(self._policy.backoff_max, self._policy.backoff_factor * 2**refused))
        return min(asked, self._policy.max_retry_after)

    def _parse(self, method: str, path: str, model: type[T], raw: Any) -> T:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}" for err in exc.errors()[:5]
            )
            raise ResponseFormatError(
                method, path, 200, detail=f"the response does not match the v2 API: {problems}"
            ) from None


def _parse_retry_after(header: str | None) -> float | None:
    """Seconds from `Retry-After` (a number or an HTTP date); None when absent or unreadable."""
    if not header:
        return None
    try:
        return float(Retry().parse_retry_after(header))
    except (InvalidHeader, ValueError, OverflowError):  # junk, 5,000 digits, the year 99999
        return None


def _passwords(credentials: models.Credentials | None) -> tuple[str, ...]:
    """A request's password (`_redact` hides it in every spelling an answer may echo it in)."""
    return () if credentials is None else (credentials.password.get_secret_value(),)


def _retries(
    policy: RetryPolicy, sleeper: Callable[[float], None], single_shot: frozenset[str] = frozenset({"POST"})
) -> _ApiRetry:
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


def _error_from(
    method: str, path: str, response: requests.Response, hidden: list[str], waited: float | None = None
) -> ApiError:
    messages: tuple[ErrorMessage, ...] = ()
    detail = ""
    try:
        body = response.json()
    except ValueError:
        body = None
        detail = _not_json(response, hidden) if response.content else ""
    if isinstance(body, dict):
        raw_messages = body.get("messages")
        if isinstance(raw_messages, list):
            messages = tuple(
                ErrorMessage(
                    _redact(str(m.get("errorCode") or ""), hidden),
                    _redact(str(m.get("message") or ""), hidden),
                )
                for m in raw_messages
                if isinstance(m, dict)
            )
    retry_after = response.headers.get("Retry-After")
    if response.status_code == 429 and retry_after:
        detail = f"the API asked to wait {_redact(retry_after, hidden)[:40]}s"
    if waited is not None:
        detail = f"{detail}; gave up after waiting {waited:.0f}s in all".lstrip("; ")
    return ApiError(method, path, response.status_code, messages, detail)


def _not_json(response: requests.Response, hidden: list[str]) -> str:
    kind = response.headers.get("Content-Type", "no content type")
    # Hidden before it is cut short or quoted, so that no part and no spelling of a secret is shown.
    start = " ".join(_redact(response.text, hidden)[:80].split())
    return _redact(f"expected JSON but got {kind}, starting {start!r}", hidden)


def _spellings(secret: str) -> set[str]:
    """A secret as written, URL-encoded, HTML-escaped (an error page) and JSON-escaped (a JSON body)."""
    return {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    }


def _redact(text: str, hidden: list[str]) -> str:
    spellings = {spelling for secret in hidden if secret for spelling in _spellings(secret)}
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, "***")
    return text


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
