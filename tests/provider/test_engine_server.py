"""Our adjustments to the SDK's dynamic-provider server hold for the SDK that is installed.

They rely on names private to `pulumi/dynamic/__main__.py`; when an SDK upgrade changes those, these tests
fail (and the adjustment turns itself off rather than break the server).
"""

from __future__ import annotations

import ast
import importlib.util
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.engine import server
from tests.payloads import cluster_inputs
from tests.provider.harness import ProviderCallError, ProviderProcess


def server_source() -> ast.Module:
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.origin is not None
    return ast.parse(Path(spec.origin).read_text())


def test_the_server_reports_errors_through_the_traceback_module() -> None:
    tree = server_source()
    imported = {alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert "traceback" in imported  # a module global the adjustment can stand in for
    (abort,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "_abort_with_traceback"]
    calls = {ast.unparse(n.func) for n in ast.walk(abort) if isinstance(n, ast.Call)}
    assert "traceback.format_exc" in calls
    assert any(isinstance(n, ast.ClassDef) and n.name == "DynamicResourceProviderServicer" for n in tree.body)


def test_our_errors_leave_the_server_as_their_message_and_bugs_keep_their_traceback() -> None:
    with ProviderProcess() as process:
        # Plain HTTP to another machine would send the token unencrypted: refused, with our error.
        process.configure(
            {"ionos:token": "a-token-of-some-length", "ionos:endpoint": "http://192.0.2.1/{region}"}
        )
        with pytest.raises(ProviderCallError) as ours:
            process.check({}, cluster_inputs())
        with pytest.raises(ProviderCallError) as bug:
            process.delete("0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2", {})  # no location: a KeyError, a bug
    assert ours.value.details.startswith("could not check the inputs against the service: API URL ")
    assert "Traceback" not in ours.value.details
    assert "Traceback (most recent call last)" in bug.value.details
    assert "KeyError: 'location'" in bug.value.details


def test_outside_the_server_nothing_is_adjusted() -> None:
    assert server.running_server() is None


def test_widening_a_pool_gives_calls_already_queued_a_thread_at_once() -> None:
    pool = ThreadPoolExecutor(max_workers=1)
    together = threading.Barrier(6, timeout=10)
    try:
        queued = [pool.submit(together.wait) for _ in range(6)]  # one runs, five wait in the queue
        assert server.widen(pool, 8)
        # Barrier.wait gives each of the six a different index: they were all running at once
        assert sorted(call.result(timeout=10) for call in queued) == list(range(6))
    finally:
        together.abort()
        pool.shutdown(wait=False, cancel_futures=True)


def test_a_pool_not_built_as_expected_is_left_alone_and_said_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert not server.widen(object(), 8)  # type: ignore[arg-type]
    assert not server.serve_calls_side_by_side(8)  # this thread is no pool's worker
    assert "keeps running at most 4 calls at once" in capsys.readouterr().err


@pytest.mark.parametrize(("configured", "width"), [("", 64), ("2", 2), ("500", 64), ("many", 64), ("²", 64)])
def test_the_concurrency_setting(monkeypatch: pytest.MonkeyPatch, configured: str, width: int) -> None:
    monkeypatch.setenv("IONOS_PG_MAX_CONCURRENCY", configured)
    assert server.concurrency() == width


def test_the_provider_server_runs_more_than_four_creates_at_once(emu: RunningEmulator) -> None:
    """Twelve creates, each held until the test advances its cluster: with the SDK's four threads only four
    POSTs would ever arrive."""
    emu.admin.set_pace(create="manual")
    with ProviderProcess() as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        checked = [process.check({}, cluster_inputs(name=f"db-{i:02d}")).inputs for i in range(12)]
        with ThreadPoolExecutor(max_workers=12) as engine:
            creates = [engine.submit(process.create, inputs) for inputs in checked]
            deadline = time.monotonic() + 60
            while len(emu.admin.clusters()) < 12:
                assert time.monotonic() < deadline, f"only {len(emu.admin.clusters())} creates ran at once"
                time.sleep(0.1)
            for cluster in emu.admin.clusters():
                emu.admin.advance(cluster["id"])
            assert {create.result(timeout=60)[1]["state"] for create in creates} == {"AVAILABLE"}


def test_with_a_concurrency_limit_checks_never_wait_behind_held_back_creates(emu: RunningEmulator) -> None:
    """IONOS_PG_MAX_CONCURRENCY=2 and four creates: two call the API, two wait for a slot holding a
    thread each; a check must still get a thread of its own and answer at once."""
    emu.admin.set_pace(create="manual")
    with ProviderProcess(env={"IONOS_PG_MAX_CONCURRENCY": "2"}) as process:
        process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
        checked = [process.check({}, cluster_inputs(name=f"db-{i}")).inputs for i in range(4)]
        with ThreadPoolExecutor(max_workers=5) as engine:  # the engine's side: four creates and a check
            creates = [engine.submit(process.create, inputs) for inputs in checked]
            try:
                deadline = time.monotonic() + 30
                while len(emu.admin.clusters()) < 2:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
                started = time.monotonic()
                answer = engine.submit(process.check, {}, cluster_inputs(name="another")).result(timeout=10)
                assert answer.failures == []
                assert time.monotonic() - started < 5
                assert len(emu.admin.clusters()) == 2  # the limit holds: two at a time
            finally:  # let every create finish, whatever happened above
                emu.admin.set_pace(create="immediate")
                for cluster in emu.admin.clusters():
                    emu.admin.advance(cluster["id"])
            assert {create.result(timeout=60)[1]["state"] for create in creates} == {"AVAILABLE"}
