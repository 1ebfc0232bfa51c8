"""Each SDK internal the provider relies on is checked once when its process starts: one that guards data
stops the operations that need it with a message naming the SDK version; a convenience is said once.

A servicer shaped otherwise than the SDK's stands in for an SDK that lacks an internal; the installed SDK has
them all (tests/e2e/test_engine_bridge.py runs one that lacks `CheckRequest.old_outputs` through the engine).
"""

from __future__ import annotations

import types

import pytest

from ionos_postgres_pulumi.provider.engine import internals
from ionos_postgres_pulumi.provider.engine.internals import (
    HIDDEN_INPUTS,
    OLD_OUTPUTS,
    PARTIAL_CREATE,
    THE_CALL,
    WIDER_POOL,
    Internals,
    NeedsNewerSdk,
)
from ionos_postgres_pulumi.provider.errors import ProviderError


def server_module(*, request_named: str = "request") -> types.ModuleType:
    """A module shaped as the SDK's provider server: a servicer whose methods take the engine's call."""
    module = types.ModuleType("server")
    source = "\n".join(
        f"    def {method}(self, {request_named}, context):\n        return None"
        for method in internals.SERVICER_METHODS
    )
    exec(f"class DynamicResourceProviderServicer:\n{source}\n", module.__dict__)  # noqa: S102
    return module


def test_the_installed_sdk_has_every_internal_that_guards_data() -> None:
    assert internals.takes_request_and_context(server_module())
    assert internals.has_old_outputs_at_check()
    assert internals.keeps_hidden_inputs()
    assert internals.can_keep_a_partial_create()
    found = Internals()
    found.check(server_module())
    for internal in (THE_CALL, OLD_OUTPUTS, HIDDEN_INPUTS, PARTIAL_CREATE):
        assert not found.missing(internal)
        found.require("creating cluster 'db'", internal)  # nothing raised


def test_a_servicer_whose_methods_do_not_take_the_request_is_found_lacking() -> None:
    found = Internals()
    found.check(server_module(request_named="req"))
    assert found.missing(THE_CALL)
    with pytest.raises(NeedsNewerSdk) as stopped:
        found.require("creating cluster 'db'", THE_CALL, HIDDEN_INPUTS)
    assert "creating cluster 'db' needs the Pulumi SDK" in str(stopped.value)
    assert "Nothing was created, changed or deleted" in str(stopped.value)


def test_a_missing_internal_that_guards_data_names_the_version_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(internals, "has_old_outputs_at_check", lambda: False)
    monkeypatch.setattr(internals, "keeps_hidden_inputs", lambda: False)
    found = Internals()
    found.check(server_module())
    with pytest.raises(ProviderError) as stopped:
        found.require("replacing cluster 'db'", OLD_OUTPUTS, HIDDEN_INPUTS)
    message = str(stopped.value)
    assert "replacing cluster 'db' needs the Pulumi SDK 3.261.0 or newer" in message  # the newer of the two
    assert "pip install" not in message and "`pulumi>=3.261.0`" in message
    assert "cannot tell which cluster is the one it replaces" in message
    found.require("reading cluster 'db'", PARTIAL_CREATE)  # what is there goes on


def test_a_missing_convenience_is_said_once_and_stops_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    found = Internals()
    found.check(server_module(), conveniences=[(WIDER_POOL, False)])
    said = capsys.readouterr().err
    assert said.count("ionos-postgres: warning:") == 1
    assert "wider pool" in said and "at most 4 calls run at once" in said
    found.require("creating cluster 'db'", WIDER_POOL)  # a convenience never stops an operation


def test_outside_the_sdks_server_nothing_is_required() -> None:
    assert internals.running_server() is None
    internals.INTERNALS.require("creating cluster 'db'", THE_CALL, OLD_OUTPUTS, HIDDEN_INPUTS, PARTIAL_CREATE)
