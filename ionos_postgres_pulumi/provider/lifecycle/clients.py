"""A client for one call, with the credentials and endpoint as they are configured when the call runs.

Order: the stack's configuration (`ionos:token`, `ionos:endpoint`; see `config`), then the environment
(IONOS_TOKEN, IONOS_USERNAME/IONOS_PASSWORD, IONOS_API_URL, and IONOS_API_TIMEOUT for the read timeout).

The configuration is what the engine hands the provider: at `pulumi refresh` and `pulumi destroy` that of
the last run of the program, not the stack's as it is now. So where the configured token is refused or the
configured endpoint does not answer and the environment holds others, reads and deletes use the
environment's, and the resource's row says so (see `api.fallback`): after a rotation, the new value in the
environment wins.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

from ..api import ApiError, PostgresClient, Timeouts
from ..api.errors import ConfigurationError
from ..api.fallback import RefusedThere
from ..config import StackConfig
from ..progress import warn

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
    return PostgresClient(
        location,
        token=config.token,
        api_url=config.endpoint,
        env=env,
        fall_back_to_env=True,
        on_fall_back=_said,
        **options,
    )


STORED_VALUES = (
    "without --run-program, `pulumi refresh` and `pulumi destroy` use the ionos:token and ionos:endpoint "
    "stored by the last `pulumi up`, not the stack's configuration now; `pulumi up` (or --run-program) uses "
    "and stores the current ones"
)


def _said(why: str) -> None:
    warn(f"{why}. Note: {STORED_VALUES}")


def after_a_rotation(error: ApiError) -> str:
    """What to do when the credentials were refused or the endpoint did not answer, if they were changed
    since the last `pulumi up`, to follow the error's text; empty for any other error."""
    if isinstance(error, RefusedThere):
        return f". Set a valid token in the environment, or, if the token was rotated: {STORED_VALUES}"
    if error.refused_credentials:
        return (
            f". If the token was rotated: {STORED_VALUES}; or set IONOS_TOKEN to the new token and "
            "IONOS_API_URL to this endpoint (the environment's token goes only to the environment's "
            "endpoint), which reads and deletes use when the stored token is refused"
        )
    if error.http_status is None:
        return (
            f". If the endpoint moved: {STORED_VALUES}; or set IONOS_API_URL to the new endpoint with "
            "IONOS_TOKEN for it, which reads and deletes use when the stored one does not answer"
        )
    return ""
