"""A token rotated after `pulumi up`, through the engine: what `pulumi refresh` and `pulumi destroy` use.

Without --run-program they do not run the program, so the engine configures the provider with the
`ionos:token` stored by the last `pulumi up` (measured: the provider's `configure` receives the stored value;
the stack's configuration now reaches it only when the program runs). With the old token revoked, they fail
with a message that says so and what to do; with the new token in IONOS_TOKEN they go on with it and say so
on the cluster's row; with --run-program they use the stack's configuration as it is now.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine, write_project
from tests.e2e.rows import NEEDS_POSTGRES, ROWS, rows, write_rows
from tests.engine import cluster_program, configure

pytestmark = pytest.mark.e2e
PROJECT = "rotation"
PROGRAM = cluster_program("rotated-db", "192.168.11.10/24")


def environment(stack: auto.Stack) -> dict[str, str]:
    """The environment the stack's commands run with (a dict, as `Engine.stack` made it)."""
    env = stack.workspace.env_vars
    assert isinstance(env, dict)
    return env


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@NEEDS_POSTGRES
def test_refresh_and_destroy_after_a_token_rotation(
    engine: Engine, tmp_path: Path, pg_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IONOS_TOKEN", raising=False)
    monkeypatch.delenv("IONOS_API_URL", raising=False)
    with emulator_thread(postgres=True, data_dir=pg_data_dir, paces=Paces.parse("1s")) as emu:
        stack = engine.stack(write_project(tmp_path / "project", PROJECT, PROGRAM), "dev")
        configure(stack, emu)
        outputs = stack.up(color="never").outputs
        cluster_id, uri = outputs["clusterId"].value, outputs["connectionUri"].value
        write_rows(uri)
        first_token = emu.token

        # the token is rotated: the old one is revoked, the stack's configuration gets the new one
        emu.rotate_token("rotated-token-two")
        engine.set_secret(stack, "ionos:token", "rotated-token-two")
        with pytest.raises(auto.CommandError) as refused:
            stack.refresh(color="never")
        said = flat(str(refused.value))
        assert "HTTP 401" in said and "If the token was rotated" in said
        assert "stored by the last `pulumi up`" in said and "--run-program" in said
        assert first_token not in said and "rotated-token-two" not in said

        # the new token in the environment, for another endpoint: never sent to this one
        environment(stack)["IONOS_TOKEN"] = "rotated-token-two"
        with pytest.raises(auto.CommandError) as still_refused:
            stack.refresh(color="never")
        assert "IONOS_API_URL to this endpoint" in flat(str(still_refused.value))
        # the new token in the environment for this very endpoint: used, and said on the cluster's row
        environment(stack)["IONOS_API_URL"] = emu.api_url
        refreshed = stack.refresh(color="never")
        shown = flat(refreshed.stdout + refreshed.stderr)
        assert (
            "ionos:token was refused (HTTP 401); the credentials in the environment, which are for" in shown
        )
        on_its_row = r"PostgresV2Cluster \(rotated-db\): warning: the configured ionos:token was refused"
        assert re.search(on_its_row, shown), shown
        assert refreshed.summary.resource_changes == {"same": 3}
        del environment(stack)["IONOS_TOKEN"], environment(stack)["IONOS_API_URL"]

        # --run-program: the engine hands the provider the stack's configuration as it is now
        rerun = stack.refresh(color="never", run_program=True)
        assert "refused" not in flat(rerun.stdout + rerun.stderr)

        # rotated once more, and not stored by an update: a destroy fails and keeps everything
        emu.rotate_token("rotated-token-three")
        engine.set_secret(stack, "ionos:token", "rotated-token-three")
        with pytest.raises(auto.CommandError) as refused:
            stack.destroy(color="never")
        assert "If the token was rotated" in flat(str(refused.value))
        assert [c["id"] for c in emu.admin.clusters()] == [cluster_id]
        assert stack.outputs()["clusterId"].value == cluster_id
        assert rows(uri) == ROWS  # the refused refresh and destroy, and the fallbacks, kept every row

        # with the new token in the environment the destroy goes on with it
        environment(stack)["IONOS_TOKEN"] = "rotated-token-three"
        environment(stack)["IONOS_API_URL"] = emu.api_url
        destroyed = stack.destroy(color="never")
        shown = flat(destroyed.stdout + destroyed.stderr)
        assert "the credentials in the environment, which are for this endpoint too, were used" in shown
        assert emu.admin.clusters() == [] and stack.outputs() == {}
