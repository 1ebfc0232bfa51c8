"""The emulator's HTTP server: what its requests are handled with, and the thread that serves it.

Built on the standard library's threading HTTP server (one thread per connection, HTTP/1.1 keep-alive)
rather than an ASGI framework, because fault injection needs the socket itself: a dropped connection,
or a request that is carried out but whose response never leaves, cannot be expressed through ASGI.
Each connection's socket has a timeout (`idle_timeout`), so an idle keep-alive connection or a body that
never arrives does not hold its thread for ever. The handling of one request is in `handler.py`.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from .faults import Faults, RateLimiter
from .handler import Handler
from .requestlog import MAX_LOGGED, RequestLog
from .settings import Settings
from .state import EmulatorState

log = logging.getLogger("emulator")


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
        self.requests: RequestLog = deque(maxlen=MAX_LOGGED)
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
