"""5. Emulator throughput: requests per second and latency of GET and list with 100 clusters, from a few
client processes with keep-alive connections, against the emulator as its own process."""

from __future__ import annotations

import multiprocessing
import statistics
import time
from pathlib import Path

import requests

from bench.common import Row, say
from ionos_postgres_pulumi.emulator.testing import kill_process, start_process
from ionos_postgres_pulumi.provider.api import PostgresClient, models
from tests.payloads import cluster_properties

CLIENTS = 4
SECONDS = 5.0


def _client(url: str, token: str, paths: list[str], until: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    latencies = []
    errors = 0
    index = 0
    while time.time() < until:
        started = time.perf_counter()
        response = session.get(url + paths[index % len(paths)], timeout=10)
        latencies.append(time.perf_counter() - started)
        errors += response.status_code != 200
        index += 1
    results.put((latencies, errors))


def _load(url: str, token: str, paths: list[str]) -> tuple[float, float, float, int]:
    results: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    until = time.time() + 1.0 + SECONDS
    workers = [
        multiprocessing.Process(target=_client, args=(url, token, paths, until, results))
        for _ in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    collected = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    latencies = sorted(latency for batch, _ in collected for latency in batch)
    errors = sum(e for _, e in collected)
    elapsed = SECONDS + 1.0
    p99 = latencies[int(len(latencies) * 0.99)]
    return len(latencies) / elapsed, statistics.median(latencies), p99, errors


def run(root: Path) -> list[Row]:
    emulator = start_process(root / "throughput")
    try:
        client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={})
        ids = [
            client.create_cluster(
                models.ClusterCreateProperties.model_validate(cluster_properties(name=f"load-{n:03d}"))
            ).id
            for n in range(100)
        ]
        base = f"{emulator.url}/de-fra"
        rows = []
        for label, paths in (
            ("GET /clusters/{id}", [f"/clusters/{i}" for i in ids]),
            ("GET /clusters (100 items)", ["/clusters"]),
        ):
            say(f"throughput: {label}")
            rate, p50, p99, errors = _load(base, emulator.token, paths)
            rows.append(
                Row(
                    "emulator",
                    f"{label}, {CLIENTS} clients, 100 clusters",
                    f"{rate:.0f} req/s; p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms",
                    f"{errors} errors",
                    None,
                    "no errors",
                    errors == 0,
                )
            )
        return rows
    finally:
        kill_process(emulator)
