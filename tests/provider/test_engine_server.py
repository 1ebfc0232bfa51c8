"""Our adjustments to the SDK's dynamic-provider server hold for the SDK that is installed.

They rely on names private to `pulumi/dynamic/__main__.py`; when an SDK upgrade changes those, these tests
fail (and the adjustment turns itself off rather than break the server).
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import threading
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pulumi.runtime import proto
from pulumi.runtime.proto import provider_pb2

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.engine import internals, server
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
    assert internals.running_server() is None


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


def test_a_pool_not_built_as_expected_is_left_alone() -> None:
    assert not server.widen(object(), 8)  # type: ignore[arg-type]
    assert not server.serve_calls_side_by_side(8)  # this thread is no pool's worker


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


def test_each_diff_answer_carries_its_own_calls_detail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two resources' diffs served at once, interleaved in one thread (as an asynchronous server would
    serve them): each answer carries the detailed diff of its own call, never the other's."""
    module = types.ModuleType("__main__")
    module.__dict__["provider_diff"] = lambda request: server.detail_the_diff(
        {"backup_location": "update-replace"} if request.urn.endswith("::a") else {"instances": "update"}
    )
    exec(  # noqa: S102 - a servicer shaped as the SDK's, whose Diff lets another call run between its steps
        "class DynamicResourceProviderServicer:\n"
        "    def Diff(self, request, context):\n"
        "        provider_diff(request)\n"
        "        yield None\n"
        "        yield proto.DiffResponse(changes=proto.DiffResponse.DIFF_SOME)\n",
        module.__dict__,
    )
    module.__dict__["proto"] = proto
    monkeypatch.setitem(sys.modules, "__main__", module)
    assert server.send_detailed_diffs(module)
    servicer = module.DynamicResourceProviderServicer()
    a = servicer.Diff(provider_pb2.DiffRequest(urn="urn:pulumi:dev::p::t::a"), None)
    b = servicer.Diff(provider_pb2.DiffRequest(urn="urn:pulumi:dev::p::t::b"), None)
    next(a), next(b)  # both diffs decided before either answer is built
    answer_a, answer_b = next(a), next(b)
    assert dict(answer_a.detailedDiff) == {
        "backup_location": provider_pb2.PropertyDiff(kind=provider_pb2.PropertyDiff.UPDATE_REPLACE)
    }
    assert dict(answer_b.detailedDiff) == {
        "instances": provider_pb2.PropertyDiff(kind=provider_pb2.PropertyDiff.UPDATE)
    }
    assert list(answer_a.diffs) == ["backup_location"] and list(answer_b.diffs) == ["instances"]
