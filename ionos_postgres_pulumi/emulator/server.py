"""The emulator's HTTP server: its settings, its request log, and the thread that serves it.

Built on the standard library's threading HTTP server (one thread per connection, HTTP/1.1 keep-alive)
rather than an ASGI framework, because fault injection needs the socket itself: a dropped connection,
or a request that is carried out but whose response never leaves, cannot be expressed through ASGI.
Each connection's socket has a timeout (`idle_timeout`), so an idle keep-alive connection or a body that
never arrives does not hold its thread for ever. The handling of one request is in `handler.py`.
"""

from __future__ import annotations

import hmac
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from .faults import Faults, RateLimiter
from .handler import Handler, RequestRecord
from .state import EmulatorState

log = logging.getLogger("emulator")

DEFAULT_IDLE_TIMEOUT = 30.0  # seconds


@dataclass
class AuthPolicy:
    """Bearer tokens: only `token` when set, any non-empty one with `any_token`; basic auth if allowed."""

    token: str | None = None
    any_token: bool = False
    allow_basic: bool = False

    def admits(self, header: str | None, admin: bool = False) -> bool:
        """Basic auth (any user and password, like a lenient service) never opens the admin API."""
        if not header:
            return False
        scheme, _, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            if self.token is not None:
                return hmac.compare_digest(credential.encode(), self.token.encode())
            return self.any_token
        return scheme.lower() == "basic" and bool(credential) and self.allow_basic and not admin


@dataclass
class Quirks:
    stale_next_link: bool = False  # the live API's `_links.next` that stays set past the last page
    page_limit_cap: int | None = None  # serve at most this many items per page, whatever was asked
    busy_delete_status: int | None = None  # refuse a DELETE while PROVISIONING or UPDATING (409 or 500)


@dataclass
class Settings:
    auth: AuthPolicy = field(default_factory=AuthPolicy)
    default_region: str = "de-txl"
    quirks: Quirks = field(default_factory=Quirks)
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(
        self,
        address: tuple[str, int],
        state: EmulatorState,
        settings: Settings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.state = state
        self.settings = settings
        self.limiter = limiter or RateLimiter()
        self.requests: deque[RequestRecord] = deque(maxlen=100_000)
        self._ticker_stop = threading.Event()
        super().__init__(address, Handler)

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start_ticker(self, interval: float = 0.05) -> threading.Thread:
        """Complete due transitions even when nobody asks (the real-PostgreSQL mode needs this)."""

        def run() -> None:
            while not self._ticker_stop.wait(interval):
                try:
                    self.state.tick()
                except Exception:
                    log.exception("tick failed")

        thread = threading.Thread(target=run, name="emulator-ticker", daemon=True)
        thread.start()
        return thread

    def handle_error(self, request: Any, client_address: Any) -> None:
        """An error outside a request's handling: a connection that broke is no news, anything else is."""
        if isinstance(sys.exc_info()[1], OSError):
            log.debug("the connection from %s broke", client_address, exc_info=True)
        else:
            log.exception("error on the connection from %s", client_address)

    def server_close(self) -> None:
        self._ticker_stop.set()
        super().server_close()


def serve_in_thread(server: EmulatorServer) -> Callable[[], None]:
    """Run `server` on a daemon thread; returns the function that stops it."""
    server.start_ticker()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
