"""Errors of the API client, and how they are read from an answer. Nothing here ever holds a token or a
password: every text taken from an answer passes `hide_secrets` first, then `printable` (no control
character of the service's reaches a terminal)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .answers import UnreadableJson
from .printable import printable
from .redaction import hide_secrets

if TYPE_CHECKING:
    from .answers import Answer


class ConfigurationError(Exception):
    """The client cannot be set up: an unknown region, a bad URL, missing credentials."""


class MissingCredentialsError(ConfigurationError):
    def __init__(self) -> None:
        super().__init__(
            "no IONOS credentials: set an API token with `pulumi config set --secret ionos:token <token>` "
            "or the IONOS_TOKEN environment variable (IONOS_USERNAME and IONOS_PASSWORD are the fallback)"
        )


@dataclass(frozen=True)
class ErrorMessage:
    error_code: str
    message: str


_SUMMARIES = {
    400: "the API rejected the request as malformed",
    401: "the API token is missing, invalid or expired",
    403: "the credentials are not allowed to do this (check the user's DBaaS privileges and contract)",
    404: "not found",
    405: "the API does not allow this method here",
    409: "the cluster is busy with another change; wait until it is AVAILABLE",
    415: "the API expected a JSON body",
    422: "the API rejected the values",
    429: "the API rate limit was hit and the retries ran out",
}


def summarize(status: int | None) -> str:
    if status is None:
        return "the API could not be reached"
    if status in _SUMMARIES:
        return _SUMMARIES[status]
    if status >= 500:
        return "the API had a server error"
    if 200 <= status < 300:  # a success the client could not take as it came
        return "the API's answer is not what the v2 API sends"
    return f"unexpected HTTP status {status}"


class ApiError(Exception):
    """A failed call to the v2 API, with what the API said about it.

    `http_status` is None when no HTTP response arrived (connection refused, dropped, timed out).
    """

    def __init__(
        self,
        method: str,
        path: str,
        http_status: int | None,
        messages: tuple[ErrorMessage, ...] = (),
        detail: str = "",
    ) -> None:
        self.method = method
        self.path = path
        self.http_status = http_status
        self.messages = messages
        self.detail = detail
        self.summary = summarize(http_status)
        super().__init__(self._render())

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(m.error_code for m in self.messages if m.error_code)

    @property
    def is_not_found(self) -> bool:
        return self.http_status == 404

    @property
    def is_conflict(self) -> bool:
        """The cluster is busy with another change (PUT or DELETE while not AVAILABLE)."""
        return self.http_status == 409

    @property
    def is_retryable(self) -> bool:
        """Worth asking again later: no answer, a server error, or the rate limit (the client's own
        retries have run out by the time this is raised)."""
        return self.http_status is None or self.http_status >= 500 or self.http_status == 429

    @property
    def outcome_unknown(self) -> bool:
        """For a request that changes something: it may have been carried out although this failed (no
        answer, a server error, or a success whose body could not be read)."""
        if self.http_status is None or self.http_status >= 500:
            return True
        return isinstance(self, ResponseFormatError) and 200 <= self.http_status < 300

    @property
    def answered(self) -> bool:
        """The service answered (even with an error): it is done with the request, whatever it did."""
        return self.http_status is not None

    @property
    def refused_credentials(self) -> bool:
        """The token (or user) is missing, wrong, expired, or not allowed to do this."""
        return self.http_status in (401, 403)

    def _render(self) -> str:
        status = f"HTTP {self.http_status}" if self.http_status is not None else "no response"
        text = f"{self.method} {self.path} failed: {status} ({self.summary})"
        said = "; ".join(
            f"[{m.error_code}] {m.message}" if m.error_code else m.message for m in self.messages
        )
        if said:
            text += f": {said}"
        if self.detail:
            text += f" ({self.detail})"
        return text


class ResponseFormatError(ApiError):
    """The API answered, but not with the JSON the v2 API defines (a proxy's HTML page, a cut body...)."""


class TransportError(ApiError):
    """No usable HTTP response: connection refused or dropped, or a timeout, after the retries."""

    def __init__(self, method: str, path: str, detail: str) -> None:
        super().__init__(method, path, None, (), detail)


def error_from(
    method: str, path: str, answer: Answer, hidden: Sequence[str], waited: float | None = None
) -> ApiError:
    """The error an answer that is not the expected one means, with what the API said (secrets hidden)."""
    messages: tuple[ErrorMessage, ...] = ()
    detail = ""
    try:
        body = answer.json()
    except UnreadableJson as unreadable:
        body = None
        detail = not_json(answer, hidden, unreadable) if answer.content else ""
    if isinstance(body, dict):
        raw_messages = body.get("messages")
        if isinstance(raw_messages, list):
            messages = tuple(
                ErrorMessage(
                    printable(hide_secrets(str(m.get("errorCode") or ""), hidden)),
                    printable(hide_secrets(str(m.get("message") or ""), hidden)),
                )
                for m in raw_messages
                if isinstance(m, dict)
            )
    retry_after = answer.headers.get("Retry-After")
    if answer.status == 429 and retry_after:
        detail = f"the API asked to wait {printable(hide_secrets(retry_after, hidden)[:40])}s"
    if waited is not None:
        detail = f"{detail}; gave up after waiting {waited:.0f}s in all".lstrip("; ")
    return ApiError(method, path, answer.status, messages, detail)


def not_json(answer: Answer, hidden: Sequence[str], unreadable: UnreadableJson) -> str:
    """Why the body is not JSON the client reads, or else its content type and how it starts."""
    if str(unreadable):
        return str(unreadable)
    kind = answer.headers.get("Content-Type", "no content type")
    # Hidden before it is cut short or quoted, so that no part and no spelling of a secret is shown.
    start = " ".join(hide_secrets(answer.text, hidden)[:80].split())
    return hide_secrets(f"expected JSON but got {kind}, starting {start!r}", hidden)
