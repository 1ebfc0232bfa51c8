"""The errors the emulated API answers with: `{httpStatus, messages: [{errorCode, message}]}`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# IONOS PaaS APIs use codes of this form (paas-auth-1 is seen live); the others are inferred.
ERROR_CODES: Mapping[int, str] = {
    400: "paas-validation-1",
    401: "paas-auth-1",
    403: "paas-auth-2",
    404: "paas-resource-1",
    405: "paas-request-1",
    408: "paas-request-4",
    409: "paas-conflict-1",
    411: "paas-request-2",
    415: "paas-request-3",
    422: "paas-validation-2",
    429: "paas-rate-1",
    500: "paas-internal-1",
    502: "paas-gateway-1",
    503: "paas-unavailable-1",
    504: "paas-gateway-2",
}


class ApiProblem(Exception):
    def __init__(self, status: int, messages: Iterable[str], headers: Mapping[str, str] | None = None):
        self.status = status
        self.messages = list(messages) or [f"HTTP {status}"]
        self.headers = dict(headers or {})
        super().__init__("; ".join(self.messages))

    def body(self) -> dict[str, Any]:
        code = ERROR_CODES.get(self.status, f"paas-http-{self.status}")
        return {
            "httpStatus": self.status,
            "messages": [{"errorCode": code, "message": m} for m in self.messages],
        }


def not_found(kind: str, identifier: str) -> ApiProblem:
    return ApiProblem(404, [f"{kind} {identifier!r} was not found"])
