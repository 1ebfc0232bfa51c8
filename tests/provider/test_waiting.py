"""The waiter's promise, on a fake clock: detection within max(0.5 s, 10% of the duration), few polls
when the duration is known from before, and a deadline."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import PostgresClient, RetryPolicy
from ionos_postgres_pulumi.provider.api.models import ClusterCreateProperties
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from ionos_postgres_pulumi.provider.errors import ProviderError
from ionos_postgres_pulumi.provider.lifecycle import timings, waiting
from ionos_postgres_pulumi.provider.lifecycle.polling import PollSchedule, WaitTimeout, wait_for
from ionos_postgres_pulumi.provider.lifecycle.waiting import Transition
from tests.api.clocks import SkippingClock
from tests.payloads import cluster_properties


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


def wait_until(duration: float, expected: float | None = None, timeout: float = 3600) -> tuple[float, int]:
    """Detection delay and polls for a change that completes `duration` seconds after the start."""
    clock = FakeClock()
    waited = wait_for(
        fetch=lambda: clock.now >= duration,
        done=lambda finished: finished,
        timeout=timeout,
        expected=expected,
        clock=clock,
        sleep=clock.sleep,
    )
    return waited.waited - duration, waited.polls


@pytest.mark.parametrize("duration", [0.2, 2, 10, 30, 120, 600, 1800])
def test_detection_is_prompt_without_history(duration: float) -> None:
    delay, _ = wait_until(duration)
    assert delay <= max(0.5, 0.1 * duration) + 1e-9


@pytest.mark.parametrize("duration", [300, 600, 1200, 1800])
def test_without_history_long_waits_still_ask_less_than_polling_every_5_s(duration: float) -> None:
    """Real clusters take many minutes to provision: there the first wait already asks less."""
    _, polls = wait_until(duration)
    assert polls < duration // 5 + 1


@pytest.mark.parametrize("duration", [2, 10, 30, 120, 600, 1800])
def test_with_history_it_is_prompt_and_asks_little(duration: float) -> None:
    delay, polls = wait_until(duration, expected=duration)
    assert delay <= max(0.5, 0.1 * duration) + 1e-9
    assert polls <= 3 + 0.9 * duration // 60  # and a look in every minute on the way
    fixed_five_second_polls = duration // 5 + 1
    if duration >= 30:
        assert polls < fixed_five_second_polls


@pytest.mark.parametrize(("duration", "expected"), [(30, 10), (30, 60), (600, 300), (5, 4)])
def test_a_wrong_expectation_still_keeps_the_promise_when_it_is_too_short(
    duration: float, expected: float
) -> None:
    delay, _ = wait_until(duration, expected=expected)
    if expected <= duration:
        assert delay <= max(0.5, 0.1 * duration) + 1e-9
    else:  # the service got faster than the shortest duration ever seen: at most the lead time late
        assert delay <= 0.9 * expected - duration + 1e-9


def test_a_long_expected_wait_still_looks_in_every_minute() -> None:
    """A cluster that fails a minute into an expected quarter of an hour is noticed within a minute."""
    clock = FakeClock()
    with pytest.raises(RuntimeError, match="FAILED"):

        def done(state: str) -> bool:
            if state == "FAILED":
                raise RuntimeError("FAILED")
            return state == "AVAILABLE"

        wait_for(
            lambda: "FAILED" if clock.now >= 60 else "PROVISIONING",
            done,
            3600,
            expected=900,
            clock=clock,
            sleep=clock.sleep,
        )
    assert clock.now <= 120


def test_intervals_are_capped() -> None:
    intervals = PollSchedule().intervals()
    assert intervals(0) == 0.5
    assert intervals(100) == 10
    assert intervals(100_000) == 60


def test_the_deadline_is_kept() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as caught:
        wait_for(lambda: "PROVISIONING", lambda s: s == "AVAILABLE", 100, clock=clock, sleep=clock.sleep)
    assert 100 <= caught.value.waited <= 100.5
    assert caught.value.last == "PROVISIONING"


def test_time_already_spent_counts() -> None:
    clock = FakeClock()
    clock.now = 50.0
    waited = wait_for(
        lambda: clock.now >= 60, lambda d: d, 3600, expected=10, clock=clock, sleep=clock.sleep, started=50.0
    )
    assert waited.polls <= 3
    assert 10 <= waited.waited <= 11
    assert 9 <= waited.duration_estimate <= 10.5


def test_timings_remember_the_shortest_recent_duration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "timings.json"
    monkeypatch.setenv("IONOS_PG_TIMINGS", str(path))
    timings.forget()
    assert timings.expected("api.example|de-fra|create") is None
    for seconds in (900, 840, 1200, 880, 870, 860):
        timings.record("api.example|de-fra|create", seconds)
    assert timings.expected("api.example|de-fra|create") == 840  # the shortest of the last five
    timings.record("api.example|de-fra|create", 950)
    assert timings.expected("api.example|de-fra|create") == 860  # 840 has aged out
    timings.forget()  # a new process reads the file
    assert timings.expected("api.example|de-fra|create") == 860
    assert timings.expected("api.example|es-vit|create") is None
    assert "de-fra" in path.read_text()
    timings.forget()


def test_timings_survive_a_broken_file_and_can_be_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "timings.json"
    path.write_text("{not json")
    monkeypatch.setenv("IONOS_PG_TIMINGS", str(path))
    timings.forget()
    assert timings.expected("k") is None
    timings.record("k", 5)
    assert timings.expected("k") == 5
    monkeypatch.setenv("IONOS_PG_TIMINGS", "off")
    timings.forget()
    timings.record("other", 7)
    assert timings.expected("other") == 7  # in memory only
    assert "other" not in path.read_text()
    timings.forget()


def test_a_wait_that_started_before_its_deadline_passed_looks_once_and_gives_up() -> None:
    """A transition that began long ago (its create timed out on a lost answer) is past its timeout: no
    negative sleep, one look, and the timeout."""
    clock = iter([1000.0, 1000.0, 1000.0, 1000.0])
    slept: list[float] = []
    looks: list[str] = []

    def look() -> str:
        looks.append("PROVISIONING")
        return "PROVISIONING"

    with pytest.raises(WaitTimeout):
        wait_for(
            look,
            lambda state: state == "AVAILABLE",
            timeout=3,
            expected=100.0,
            clock=lambda: next(clock),
            sleep=slept.append,
            started=990.0,  # 10 s ago: too early to look by the expected 100 s, already past the 3 s timeout
        )
    assert all(s >= 0 for s in slept)
    assert slept == [0.0]  # the first poll's wait, cut to what is left of the timeout: nothing
    assert len(looks) == 1


def test_a_rate_limit_does_not_stretch_a_wait_past_its_timeout(emulator: RunningEmulator) -> None:
    """Every read answered 429: the wait gives up at its timeout (1 s), not at the client's budget (30 s).

    The client skips its waits on a clock of its own that never runs behind the waiter's, so what it would
    have slept is counted, not slept."""
    clock = SkippingClock()
    client = PostgresClient(
        "de-fra",
        api_url=emulator.api_url,
        token=emulator.token,
        env={},
        retry=RetryPolicy(rate_limit_wait=30),
        gate=RateGate(clock=clock),
        clock=clock,
        sleeper=clock.sleep,
    )
    emulator.admin.set_pace(create="manual")
    cluster = client.create_cluster(ClusterCreateProperties.model_validate(cluster_properties()))
    emulator.admin.add_fault("status", status=429, retryAfter=2, times=None, method="GET")
    began = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        waiting.until_available(client, cluster, 1.0, Transition.CREATE)
    assert time.monotonic() - began < 6
    assert "the API stopped answering" in str(caught.value)
    assert "HTTP 429" in str(caught.value)
    assert clock.slept, "the API's wait was never waited; the test tested nothing"
    assert sum(clock.slept) <= 1.0  # without the waiter's deadline the client would wait up to 30 s
