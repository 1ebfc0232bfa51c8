"""One filter for every message the provider shows: check failures, errors, and what it logs, from every
stage. It hides every secret the provider knows (the database password of the call's inputs, whatever shape
they have; the API token of the stack's configuration or the environment; basic-auth credentials) in every
spelling a message can carry (see `api.redaction`), however the secret reached the program: a secret that
the program made itself (`Output.secret`, a generated password) reaches the provider as plain text, and the
CLI masks only the secrets of the stack's configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

_lock = threading.Lock()
_configured: set[str] = set()


def remember(*secrets: str | None) -> None:
    """Secrets the provider was configured with (`ionos:token`)."""
    with _lock:
        _configured.update(secret for secret in secrets if secret)


def passwords_in(values: Any) -> list[str]:
    """The password of inputs or outputs, and any text held where a password goes (credentials of the
    wrong shape, a password given in another field of `credentials`)."""
    if not isinstance(values, Mapping):
        return []
    credentials = values.get("credentials")
    if isinstance(credentials, str):
        return [credentials]
    if isinstance(credentials, Mapping):
        password = credentials.get("password")
        return [password] if isinstance(password, str) and password else []
    return []


def hidden(text: str, *sources: Any) -> str:
    """`text` without any secret known now or held in `sources` (inputs, outputs)."""
    from .api import hide_secrets  # loaded only when there is something to show: a preview stays light
    from .api.auth import credential_secrets

    with _lock:
        known: list[str] = list(_configured)
    known += credential_secrets()
    for source in sources:
        known += passwords_in(source)
    return hide_secrets(text, _long_enough(known))


def _long_enough(secrets: Iterable[str]) -> list[str]:
    """A "secret" of one or two characters would blank out ordinary words; real ones are longer (a
    password has at least 8 characters, a token many more)."""
    return [secret for secret in set(secrets) if len(secret) >= 3]
