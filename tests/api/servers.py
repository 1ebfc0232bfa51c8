"""Small HTTP servers on loopback for the client's tests: a forwarding proxy that records what it is
sent, and a server that answers every request with one fixed answer (a body the emulator cannot serve)."""

from __future__ import annotations

import contextlib
import http.client
import threading
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "proxy-connection", "keep-alive", "transfer-encoding", "proxy-authorization"}


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        """Tests read what was received, not a log on stderr."""


class _Forwarding(_Quiet):
    server: RecordingProxy

    def _forward(self) -> None:
        self.server.received.append(f"{self.requestline}\n{self.headers}")
        target = urlsplit(self.path)  # a proxy is sent the whole URL
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80, timeout=10)
        try:
            upstream.request(
                self.command, target.path + (f"?{target.query}" if target.query else ""), body, headers
            )
            answer = upstream.getresponse()
            content = answer.read()
        finally:
            upstream.close()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


class RecordingProxy(ThreadingHTTPServer):
    """An HTTP proxy on loopback; `received` holds each request line and headers it forwarded."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Forwarding)
        self.received: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Fixed(_Quiet):
    server: FixedAnswerServer

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests += 1
        with contextlib.suppress(ConnectionError):  # the client may stop reading a body it will not take
            self.send_response(self.server.status)
            self.send_header("Content-Type", "application/json")
            chunks = list(self.server.chunks) if self.server.declare_length else None
            if chunks is not None:
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(chunk)
                return
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in self.server.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = _answer


class FixedAnswerServer(ThreadingHTTPServer):
    """Answers every request with `status` and the body `chunks` (with Content-Length, or chunked)."""

    daemon_threads = True

    def __init__(self, status: int, chunks: Iterable[bytes], declare_length: bool = True) -> None:
        super().__init__(("127.0.0.1", 0), _Fixed)
        self.status, self.chunks, self.declare_length = status, chunks, declare_length
        self.requests = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextlib.contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[None]:
    """The server answering on a thread of its own until the block ends."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
