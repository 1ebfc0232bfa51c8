"""What an emulator is told when it starts and the admin API may change: who may call it, the live
service's quirks to imitate, the default region and how long a connection may idle."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

DEFAULT_IDLE_TIMEOUT = 30.0  # seconds


def new_token(nbytes: int = 24) -> str:
    """A random token that never starts with `-`: typed after a command (`pulumi config set --secret
    ionos:token "$IONOS_TOKEN"`), such a value reads as an option, and the command fails."""
    return "emu" + secrets.token_urlsafe(nbytes)


def token_problem(token: str) -> str | None:
    """Why `token` cannot be the emulator's: a client sends it in an `Authorization: Bearer` header, which
    carries visible ASCII only (a non-ASCII token is refused by clients before it is sent, or arrives in
    another encoding), and no space (it would end the credential). None when it can."""
    if not token:
        return "must not be empty"
    if not all("!" <= character <= "~" for character in token):
        return (
            "must be written in visible ASCII (letters, digits, punctuation) without spaces or control "
            "characters: an HTTP header carries nothing else, so no client could send it"
        )
    return None


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
