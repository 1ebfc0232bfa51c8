"""A client for one call, with the credentials and endpoint as they are configured when the call runs.

Order: the stack's configuration (`ionos:token`, `ionos:endpoint`; see `config`), then the environment
(IONOS_TOKEN, IONOS_USERNAME/IONOS_PASSWORD, IONOS_API_URL, and IONOS_API_TIMEOUT for the read timeout).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from .api import PostgresClient, Timeouts
from .api.errors import ConfigurationError
from .config import StackConfig

ENV_TIMEOUT = "IONOS_API_TIMEOUT"  # seconds to wait for each response (default 30)


def timeouts_from(text: str) -> Timeouts:
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigurationError(f"{ENV_TIMEOUT}={text!r} must be a number of seconds") from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(f"{ENV_TIMEOUT}={text!r} must be a finite number of seconds above 0")
    return Timeouts(connect=min(5.0, seconds), read=seconds)


def client_for(
    location: str, config: StackConfig | None = None, env: Mapping[str, str] | None = None, **options: Any
) -> PostgresClient:
    """A fresh client for one call, with credentials as they are configured right now."""
    env = os.environ if env is None else env
    config = config or StackConfig()
    if "timeouts" not in options and env.get(ENV_TIMEOUT):
        options["timeouts"] = timeouts_from(env[ENV_TIMEOUT])
    return PostgresClient(location, token=config.token, api_url=config.endpoint, env=env, **options)
