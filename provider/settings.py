"""Where the provider finds its credentials and endpoint, read when each call runs.

Order: the stack's configuration (`ionos:token`, `ionos:endpoint`, passed to the provider process by
the engine through `configure`), then the environment (IONOS_TOKEN, IONOS_USERNAME/IONOS_PASSWORD,
IONOS_API_URL). Nothing is kept on the provider object, which Pulumi pickles into the state: the
stack configuration lives only in the memory of the provider process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .api.errors import ConfigurationError

if TYPE_CHECKING:
    from .api import PostgresClient, Timeouts

CONFIG_TOKEN = "ionos:token"  # noqa: S105 - a configuration key
CONFIG_ENDPOINT = "ionos:endpoint"
ENV_TIMEOUT = "IONOS_API_TIMEOUT"  # seconds to wait for each response (default 30)

_lock = threading.Lock()
_stack_config: dict[str, str] = {}


def remember_stack_config(values: Mapping[str, Any]) -> None:
    """Keep the two keys the provider reads; called from `configure` in the provider process."""
    with _lock:
        _stack_config.clear()
        for key in (CONFIG_TOKEN, CONFIG_ENDPOINT):
            value = values.get(key)
            if value:
                _stack_config[key] = str(value)


def stack_config(key: str) -> str | None:
    with _lock:
        return _stack_config.get(key)


def timeouts_from(text: str) -> Timeouts:
    from .api import Timeouts

    try:
        seconds = float(text)
    except ValueError:
        raise ConfigurationError(f"{ENV_TIMEOUT}={text!r} must be a number of seconds") from None
    if seconds <= 0:
        raise ConfigurationError(f"{ENV_TIMEOUT}={text!r} must be more than 0 seconds")
    return Timeouts(connect=min(5.0, seconds), read=seconds)


def client_for(
    location: str,
    token: str | None = None,
    endpoint: str | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> PostgresClient:
    """A fresh client for one call, with credentials as they are configured right now.

    `token` and `endpoint` are the stack configuration as a Pulumi program reads it; without them,
    the configuration the engine gave the provider process is used; the environment comes last.
    """
    from .api import PostgresClient  # requests and pydantic load when a call needs the API

    env = os.environ if env is None else env
    if "timeouts" not in options and env.get(ENV_TIMEOUT):
        options["timeouts"] = timeouts_from(env[ENV_TIMEOUT])
    return PostgresClient(
        location,
        token=token or stack_config(CONFIG_TOKEN) or None,
        api_url=endpoint or stack_config(CONFIG_ENDPOINT) or None,
        env=env,
        **options,
    )
