"""1. Waiting: how late the wait notices AVAILABLE, and how many GETs it costs, against fixed polling.

For each provisioning time D, four clusters are created at the same moment and waited on side by side:
by the provider's waiter with no history (its first ever wait), by fixed polling every 5 s and every
10 s (what other tools do). Then the provider's waiter again, now knowing the duration from that first
wait (every later wait, in this process or the next, via provider/lifecycle/timings.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from bench.common import Row, say, seconds
from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api import PostgresClient, models
from ionos_postgres_pulumi.provider.lifecycle.polling import PollSchedule, wait_for
from tests.payloads import cluster_properties

DURATIONS = (2, 10, 30)


def _fixed(interval: float) -> Callable[[Callable[[], Any]], int]:
    def wait(fetch: Callable[[], Any]) -> int:
        polls = 0
        while True:
            polls += 1
            if fetch().state == "AVAILABLE":
                return polls
            time.sleep(interval)

    return wait


def _ours(expected: float | None, learned: list[float]) -> Callable[[Callable[[], Any]], int]:
    def wait(fetch: Callable[[], Any]) -> int:
        waited = wait_for(fetch, lambda c: c.state == "AVAILABLE", 3600, PollSchedule(), expected=expected)
        learned.append(waited.duration_estimate)
        return waited.polls

    return wait


def _race(
    emu: RunningEmulator, strategies: dict[str, Callable[[Callable[[], Any]], int]]
) -> dict[str, tuple[float, int]]:
    """Create one cluster per strategy at once; each waits its way. Returns delay and GETs per strategy."""
    client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
    clusters = {
        name: client.create_cluster(
            models.ClusterCreateProperties.model_validate(cluster_properties(name=f"wait-{n}"))
        )
        for n, name in enumerate(strategies)
    }
    detected: dict[str, tuple[float, int]] = {}

    def run(name: str) -> None:
        own = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
        cluster_id = clusters[name].id
        polls = strategies[name](lambda: own.get_cluster(cluster_id))
        detected[name] = (time.time(), polls)

    threads = [threading.Thread(target=run, args=(name,)) for name in strategies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    became_available = {c["name"]: c["modifiedAt"] for c in emu.admin.clusters()}
    return {
        name: (detected[name][0] - became_available[f"wait-{n}"], detected[name][1])
        for n, name in enumerate(strategies)
    }


def run() -> list[Row]:
    rows: list[Row] = []
    for duration in DURATIONS:
        say(f"waiting: D = {duration} s")
        with emulator_thread(paces=Paces.parse(f"create={duration}s")) as emu:
            learned: list[float] = []
            cold = _race(emu, {"ours": _ours(None, learned), "5s": _fixed(5), "10s": _fixed(10)})
            emu.admin.reset()
            warm = _race(emu, {"ours": _ours(learned[0], [])})
        goal_delay = max(0.5, 0.1 * duration)
        for label, (delay, polls) in (("first wait", cold["ours"]), ("later waits", warm["ours"])):
            for fixed in ("5s", "10s"):
                base_delay, base_polls = cold[fixed]
                fewer = polls < base_polls
                met = delay <= goal_delay and (fewer if duration >= 30 and fixed == "5s" else True)
                rows.append(
                    Row(
                        "waiting",
                        f"D={duration}s, {label} vs polling every {fixed}",
                        f"{seconds(delay)} late, {polls} GETs",
                        f"{seconds(base_delay)} late, {base_polls} GETs",
                        polls / base_polls,
                        f"<= {seconds(goal_delay)} late"
                        + ("; fewer GETs than 5 s polling" if duration >= 30 else ""),
                        met,
                    )
                )
    return rows
