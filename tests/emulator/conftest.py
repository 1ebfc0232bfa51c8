from __future__ import annotations

import http.client
import json
import socket
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from ionos_postgres_pulumi.emulator.testing import RunningEmulator


class Raw:
    """Plain HTTP against one region of the emulator, to see exactly what goes over the wire."""

    def __init__(self, emulator: RunningEmulator, region: str = "de-fra", token: str | None = None) -> None:
        self.base = f"{emulator.url}/{region}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token or emulator.token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=10)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.session.put(self.base + path, json=body, timeout=10)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(self.base + path, timeout=10)

    def create(self, properties: dict[str, Any]) -> dict[str, Any]:
        response = self.post("/clusters", {"properties": properties})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


@pytest.fixture
def raw(emulator: RunningEmulator) -> Raw:
    return Raw(emulator)


@dataclass
class WireAnswer:
    """One answer as it came over the socket."""

    status: int
    headers: dict[str, str]  # names in lowercase
    body: bytes
    closes: bool  # the server closes the connection after it

    def json(self) -> Any:
        return json.loads(self.body)


def address(emulator: RunningEmulator) -> tuple[str, int]:
    host, port = emulator.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def read_answer(connection: socket.socket, method: str = "GET") -> WireAnswer | None:
    """The next answer on `connection`; None when it closed without one."""
    response = http.client.HTTPResponse(connection, method=method)
    try:
        response.begin()
    except (http.client.RemoteDisconnected, ConnectionError):
        return None
    body = response.read()
    headers = {name.lower(): value for name, value in response.getheaders()}
    return WireAnswer(response.status, headers, body, response.will_close)


def exchange(emulator: RunningEmulator, data: bytes, method: str = "GET", timeout: float = 5) -> WireAnswer:
    """Send `data` exactly as given on a new connection and read the answer."""
    with socket.create_connection(address(emulator), timeout=timeout) as connection:
        connection.sendall(data)
        answer = read_answer(connection, method)
    assert answer is not None, "the emulator closed the connection without an answer"
    return answer


def request_bytes(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    """A request as it goes over the wire, with the given headers only (plus Host)."""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: emulator",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def assert_ionos_error(answer: WireAnswer, status: int, text: str = "") -> None:
    """The error shape IONOS documents: {httpStatus, messages: [{errorCode, message}]}."""
    assert answer.status == status, answer
    body = answer.json()
    assert body["httpStatus"] == status
    assert all(set(m) == {"errorCode", "message"} for m in body["messages"]), body
    assert any(text in m["message"] for m in body["messages"]), body
