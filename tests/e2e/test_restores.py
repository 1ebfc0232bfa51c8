"""Restores without hand work, through `pulumi up`: a `PostgresCluster` made from a backup takes the backup's
PostgreSQL version, and a backup named by the moment it restores stays the same backup when the source
cluster is later restored in place (which makes another backup the active one)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi import automation as auto

from ionos_postgres_pulumi.emulator.pace import Paces
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from scripts.pulumi_project import Engine, write_project
from tests.e2e.test_data_safety import project_stack, set_config
from tests.engine import configure

pytestmark = pytest.mark.e2e
COPY = """import pulumi
from ionos_postgres_pulumi import (ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs,
    RestoreFromBackupArgs, get_backup, get_backups)

config = pulumi.Config()
source, moment = config.require("sourceCluster"), config.require("restoreTo")
if config.get_bool("followActive"):  # what the docs warn against: the active backup moves on
    backup_id = get_backups(source, "de/fra").apply(lambda bs: next(b["id"] for b in bs if b["is_active"]))
else:
    backup_id = get_backup(source, "de/fra", covering=moment).apply(lambda b: b["id"])
copy = PostgresCluster("copy-db", PostgresClusterArgs(
    location="de/fra",  # no version: the backup's
    deletion_protection=False,
    connection=ConnectionArgs(datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
                              primary_instance_address="192.168.9.20/24"),
    credentials=CredentialsArgs(username="app", password=config.require_secret("password"), database="app"),
    restore_from_backup=RestoreFromBackupArgs(source_backup_id=backup_id, recovery_target_datetime=moment),
))
pulumi.export("version", copy.version)
pulumi.export("sourceBackupId", backup_id)
"""


def test_a_copy_takes_the_backups_version_and_stays_put_when_its_source_is_restored(
    engine: Engine, tmp_path: Path
) -> None:
    with emulator_thread(paces=Paces.parse("1s")) as emu:
        source = project_stack(engine, emu, tmp_path / "source", "dev", version="15")
        source_id = source.up(color="never").outputs["clusterId"].value
        (first,) = emu.backups_of(source_id)
        moment = first["properties"]["earliestRecoveryTargetTime"]

        copy = engine.stack(write_project(tmp_path / "copy", "copy", COPY), "dev")
        configure(copy, emu, sourceCluster=source_id, restoreTo=moment)
        outputs = copy.up(color="never").outputs
        assert (outputs["version"].value, outputs["sourceBackupId"].value) == ("15", first["id"])
        (made,) = [c for c in emu.admin.clusters() if c["name"] == "copy-db"]
        assert made["properties"]["version"] == "15"  # not the recommended 16

        set_config(source, restoreTime=moment)  # the source rewound in place: a new backup is active
        source.up(color="never")
        assert [b["id"] for b in emu.backups_of(source_id) if b["properties"]["isActive"]] != [first["id"]]
        copy.preview(color="never", expect_no_changes=True)  # the pinned backup has not moved

        # what the docs warn against: the id of the active backup, passed on, is a new source backup
        copy.set_config("copy:followActive", auto.ConfigValue("true"))
        with pytest.raises(auto.CommandError) as followed:  # (and the moment is not in its window)
            copy.preview(color="never")
        said = " ".join(str(followed.value).split())
        assert "cluster 'copy-db' is replaced because restore_from_backup.source_backup_id is new" in said
        copy.remove_config("copy:followActive")

        copy.destroy(color="never")
        source.destroy(color="never")
        assert emu.admin.clusters() == []
