"""Assembling an emulator: state, storage, catalog, faults and the HTTP server."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ionos_postgres_pulumi.provider.api.regions import normalize_region

from .catalog import load_catalog
from .faults import Faults, RateLimiter
from .pace import Paces
from .postgres import PostgresBackend
from .server import AuthPolicy, EmulatorServer, Settings
from .state import Backend, EmulatorState, Options
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


def build_server(config: EmulatorConfig, backend: Backend | None = None) -> EmulatorServer:
    if config.token is None and not config.any_token:
        raise ValueError("give the emulator a token, or allow any token explicitly")
    if config.postgres and backend is None:
        if config.data_dir is None:
            raise ValueError("the real-PostgreSQL mode needs a --data-dir for the servers' data")
        backend = PostgresBackend(config.data_dir / "postgres")
    state = EmulatorState(
        catalog=load_catalog(config.seed),
        storage=Storage(config.data_dir),
        paces=config.paces,
        faults=Faults(),
        backend=backend,
        options=Options(put_creates=config.put_creates),
    )
    settings = Settings(
        auth=AuthPolicy(token=config.token, any_token=config.any_token, allow_basic=config.allow_basic),
        default_region=normalize_region(config.default_region),
    )
    return EmulatorServer(
        (config.host, config.port), state, settings, RateLimiter(config.rate_limit, config.rate_burst)
    )
