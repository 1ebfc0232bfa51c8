"""A small client of the emulator's admin API (`/_emulator`), for tests, benchmarks and scripts."""

from __future__ import annotations

from typing import Any

import requests

MUTATING = frozenset({"POST", "PUT", "DELETE", "PATCH"})


class EmulatorAdmin:
    def __init__(self, url: str, token: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"EmulatorAdmin({self.url!r})"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._session.request(
            method, f"{self.url}/_emulator{path}", json=body, timeout=self._timeout
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    # faults
    def add_fault(self, action: str, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/faults", {"action": action, **fields})
        return result

    def faults(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._call("GET", "/faults")["items"]
        return items

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    # pace, rate limit, quirks
    def set_pace(self, **paces: str | float) -> dict[str, str]:
        result: dict[str, str] = self._call("PUT", "/pace", paces)
        return result

    def set_rate_limit(self, rate: float | None, burst: int | None = None) -> None:
        self._call("PUT", "/rate-limit", {"rate": rate, "burst": burst})

    def set_quirks(
        self,
        stale_next_link: bool = False,
        page_limit_cap: int | None = None,
        busy_delete_status: int | None = None,
    ) -> None:
        """Every quirk at once: one not given is switched off."""
        body = {
            "staleNextLink": stale_next_link,
            "pageLimitCap": page_limit_cap,
            "busyDeleteStatus": busy_delete_status,
        }
        self._call("PUT", "/quirks", body)

    def rotate_token(self, token: str) -> None:
        """The token the emulator accepts from now on (the old one is refused); this client uses it too."""
        self._call("PUT", "/token", {"token": token})
        self._session.headers["Authorization"] = f"Bearer {token}"

    # clusters
    def clusters(self) -> list[dict[str, Any]]:
        """Every cluster of every region, with the emulator's own view (pending transition...)."""
        items: list[dict[str, Any]] = self._call("GET", "/clusters")["items"]
        return items

    def advance(self, cluster_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", f"/clusters/{cluster_id}/advance")
        return result

    def fail(self, cluster_id: str, message: str, recover_after: float | None = None) -> dict[str, Any]:
        """FAILED for good, or for `recover_after` seconds (then it goes on with what it was doing)."""
        body: dict[str, Any] = {"message": message}
        if recover_after is not None:
            body["recoverAfter"] = recover_after
        result: dict[str, Any] = self._call("POST", f"/clusters/{cluster_id}/fail", body)
        return result

    def remove(self, cluster_id: str) -> None:
        """Delete a cluster out of band, at once."""
        self._call("DELETE", f"/clusters/{cluster_id}")

    def reset(self) -> None:
        self._call("POST", "/reset")

    # the request log
    def requests(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._call("GET", "/requests")["items"]
        return items

    def mutating_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["method"] in MUTATING]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")
