"""Assembling an emulator: state, storage, seed, faults and the HTTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ionos_postgres_pulumi import limits

from .backend import Backend
from .faults import Faults, RateLimiter
from .pace import Paces
from .seed import load_seed
from .server import EmulatorServer
from .settings import DEFAULT_IDLE_TIMEOUT, AuthPolicy, Settings
from .state import EmulatorState, Options
from .storage import Storage


@dataclass
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | None = None
    token: str | None = None
    any_token: bool = False
    allow_basic: bool = False
    paces: Paces = field(default_factory=Paces)
    seed: Path | None = None
    default_region: str = "de-txl"
    rate_limit: float | None = None
    rate_burst: int | None = None
    put_creates: bool = True
    postgres: bool = False  # back every cluster with a real PostgreSQL server (emulator/postgres.py)
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT  # seconds a connection may wait for a request or a body
    clock: Callable[[], float] = time.time  # the service's clock: tests move it instead of sleeping


def build_server(config: EmulatorConfig, backend: Backend | None = None) -> EmulatorServer:
    if config.token is None and not config.any_token:
        raise ValueError("give the emulator a token, or allow any token explicitly")
    if not config.idle_timeout > 0:
        raise ValueError(f"the idle timeout must be a positive number of seconds, not {config.idle_timeout}")
    if config.postgres and backend is None:
        if config.data_dir is None:
            raise ValueError("the real-PostgreSQL mode needs a --data-dir for the servers' data")
        from .postgres import PostgresBackend  # noqa: PLC0415 - only when asked for: it needs Unix (pwd)

        backend = PostgresBackend(config.data_dir / "postgres")
    state = EmulatorState(
        seed=load_seed(config.seed),
        storage=Storage(config.data_dir),
        paces=config.paces,
        faults=Faults(),
        backend=backend,
        clock=config.clock,
        options=Options(put_creates=config.put_creates),
    )
    settings = Settings(
        auth=AuthPolicy(token=config.token, any_token=config.any_token, allow_basic=config.allow_basic),
        default_region=region_named(config.default_region),
        idle_timeout=config.idle_timeout,
    )
    return EmulatorServer(
        (config.host, config.port), state, settings, RateLimiter(config.rate_limit, config.rate_burst)
    )


def region_named(location: str) -> str:
    """The region `location` names (`de/fra`, `DE-FRA`, `de/fra/2`: `limits.region_of`), else ValueError."""
    region = limits.region_of(location)
    if region is None:
        raise ValueError(
            f"{location!r} is not an IONOS PostgreSQL region; use one of {', '.join(limits.REGIONS)}"
        )
    return region
