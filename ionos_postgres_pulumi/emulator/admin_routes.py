"""The emulator's admin API under `/_emulator`: pace, faults, rate limit, quirks, the token, clusters, the
request log.

Every route needs the emulator's token except `GET /_emulator/health`, which a script polls to learn
that the emulator is up. Inputs are checked: a value of the wrong type or range is a 400 naming it.
The answers are JSON (an empty object when there is nothing to say), with status 200.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .admin_input import flag, only_known, optional_number, optional_text, optional_whole
from .faults import MAX_RECOVER_SECONDS, FaultRule
from .pace import TRANSITIONS, Pace
from .problems import ApiProblem
from .routing import Answer, Request, Route, RouteTable
from .settings import token_problem

MIN_RATE, MAX_RATE = 1e-3, 1e6  # requests per second
MAX_BURST = 1_000_000
MAX_PAGE_LIMIT_CAP = 1000
BUSY_DELETE_STATUSES = (409, 500)  # what the live service answers a DELETE while a cluster is UPDATING


def health(request: Request) -> Answer:
    return done({"status": "ok", "pace": request.state.paces.describe()})


def list_requests(request: Request) -> Answer:
    return done({"items": [record.to_json() for record in list(request.requests)]})


def clear_requests(request: Request) -> Answer:
    request.requests.clear()
    return done()


def list_faults(request: Request) -> Answer:
    return done({"items": [rule.to_json() for rule in request.state.faults.list()]})


def add_fault(request: Request) -> Answer:
    data = request.admin_body()
    with bad_input():
        rule = FaultRule.from_json(data)
    return done(request.state.faults.add(rule).to_json())


def clear_faults(request: Request) -> Answer:
    request.state.faults.clear()
    return done()


def get_pace(request: Request) -> Answer:
    return done(request.state.paces.describe())


def set_pace(request: Request) -> Answer:
    """`{"create": "manual", "delete": 2.5}`: every pace is checked before any is set."""
    data = request.admin_body()
    with bad_input():
        only_known(data, TRANSITIONS, "pace")
        wanted = {transition: Pace.parse(value) for transition, value in data.items()}
    paces = request.state.paces
    for transition, pace in wanted.items():
        paces.set(transition, pace)
    return done(paces.describe())


def set_rate_limit(request: Request) -> Answer:
    """`{"rate": 5, "burst": 10}` requests per second per token; `{"rate": null}` switches it off."""
    data = request.admin_body()
    with bad_input():
        only_known(data, ("rate", "burst"), "rate-limit")
        rate = optional_number(data, "rate", MIN_RATE, MAX_RATE)
        burst = optional_whole(data, "burst", 1, MAX_BURST)
    limiter = request.limiter
    limiter.configure(rate, burst)
    return done({"rate": limiter.rate, "burst": limiter.burst})


def set_quirks(request: Request) -> Answer:
    """Behaviours of the live service that a client must survive, off unless asked for. A PUT sets every
    quirk: one left out is switched off."""
    data = request.admin_body()
    with bad_input():
        only_known(data, ("staleNextLink", "pageLimitCap", "busyDeleteStatus"), "quirks")
        stale = flag(data, "staleNextLink")
        cap = optional_whole(data, "pageLimitCap", 1, MAX_PAGE_LIMIT_CAP)
        busy_delete = optional_whole(data, "busyDeleteStatus", 0)
        if busy_delete is not None and busy_delete not in BUSY_DELETE_STATUSES:
            raise ValueError("busyDeleteStatus: must be 409, 500 or null")
    quirks = request.settings.quirks
    quirks.stale_next_link, quirks.page_limit_cap, quirks.busy_delete_status = stale, cap, busy_delete
    return done(
        {
            "staleNextLink": quirks.stale_next_link,
            "pageLimitCap": quirks.page_limit_cap,
            "busyDeleteStatus": quirks.busy_delete_status,
        }
    )


def rotate_token(request: Request) -> Answer:
    """`{"token": "..."}`: the Bearer token the emulator accepts from now on, for the v2 API and this admin
    API alike; the old one is refused at once, as a revoked IONOS token is."""
    data = request.admin_body()
    with bad_input():
        only_known(data, ("token",), "token")
        token = optional_text(data, "token") or ""
        problem = token_problem(token)
        if problem:
            raise ValueError(f"token: {problem}; the token in use stays")
    if request.settings.auth.token is None:
        raise ApiProblem(409, ["this emulator accepts any token (--any-token): there is none to rotate"])
    request.settings.auth.token = token
    return done()


def list_clusters(request: Request) -> Answer:
    state = request.state
    with state.lock:
        state.tick()
        return done({"items": [record.admin_view() for record in state.clusters.values()]})


def advance(request: Request) -> Answer:
    cluster_id = request.params["clusterId"]
    advanced = request.state.advance(cluster_id)
    return done(advanced.admin_view() if advanced else {"id": cluster_id, "state": "gone"})


def fail(request: Request) -> Answer:
    """`{"message": "...", "recoverAfter": 30}`: FAILED, for good or for that many seconds."""
    data = request.admin_body()
    with bad_input():
        only_known(data, ("message", "recoverAfter"), "fail")
        message = optional_text(data, "message") or "failed by the emulator's admin API"
        recover_after = optional_number(data, "recoverAfter", 0, MAX_RECOVER_SECONDS)
    failed = request.state.fail(request.params["clusterId"], message, recover_after)
    return done(failed.admin_view())


def remove(request: Request) -> Answer:
    request.state.remove(request.params["clusterId"])
    return done()


def reset(request: Request) -> Answer:
    request.state.reset()
    request.requests.clear()
    return done()


def done(document: Any = None) -> Answer:
    return Answer.json(200, document if document is not None else {})


@contextlib.contextmanager
def bad_input() -> Iterator[None]:
    """A ValueError while reading the admin API's input is the client's mistake: a 400 that says why."""
    try:
        yield
    except ValueError as exc:
        raise ApiProblem(400, [str(exc)]) from None


ADMIN_ROUTES = RouteTable(
    Route("GET", "/health", health, public=True),
    Route("GET", "/requests", list_requests),
    Route("DELETE", "/requests", clear_requests),
    Route("GET", "/faults", list_faults),
    Route("POST", "/faults", add_fault),
    Route("DELETE", "/faults", clear_faults),
    Route("GET", "/pace", get_pace),
    Route("PUT", "/pace", set_pace),
    Route("PUT", "/rate-limit", set_rate_limit),
    Route("PUT", "/quirks", set_quirks),
    Route("PUT", "/token", rotate_token),
    Route("GET", "/clusters", list_clusters),
    Route("POST", "/clusters/{clusterId}/advance", advance),
    Route("POST", "/clusters/{clusterId}/fail", fail),
    Route("DELETE", "/clusters/{clusterId}", remove),
    Route("POST", "/reset", reset),
)
