from __future__ import annotations

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
