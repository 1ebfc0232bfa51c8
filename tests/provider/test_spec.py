"""The typed model of the inputs (`rules.spec`): in step with the input table, exact back to what the engine
stores, the password hidden, values not known yet at preview told apart."""

from __future__ import annotations

import pickle

import pytest
from pulumi.output import Unknown
from pydantic import BaseModel

from ionos_postgres_pulumi.provider.rules import spec as models
from ionos_postgres_pulumi.provider.rules.inputs import KNOWN_INPUTS, normalize
from ionos_postgres_pulumi.provider.rules.spec import ClusterSpec
from ionos_postgres_pulumi.provider.rules.validation import NESTED_FIELDS, RESTORE_FIELDS
from tests.payloads import PASSWORD, cluster_inputs, owner

PLAN = {"source_backup_id": "0f8a3c58-2c35-4f8e-9b1f-5cbbd0a0d1a2", "from_cluster": "c1"}


def test_the_model_has_every_input_and_every_field_of_each_object() -> None:
    assert set(ClusterSpec.model_fields) - {"stored"} == KNOWN_INPUTS
    nested: dict[str, type[BaseModel]] = {
        "instances": models.Instances,
        "connection": models.Connection,
        "maintenance_window": models.MaintenanceWindow,
        "credentials": models.Credentials,
        "restore_from_backup": models.RestoreFromBackup,
    }
    for parent, fields in {**NESTED_FIELDS, "restore_from_backup": set(RESTORE_FIELDS)}.items():
        assert ClusterSpec.model_fields[parent].annotation == nested[parent] | None
        assert set(nested[parent].model_fields) == fields, parent


def test_checked_inputs_go_back_to_the_engine_as_they_came() -> None:
    inputs = normalize(
        cluster_inputs(
            __owner=owner("shop/dev/db"),
            __engine_protects=True,
            __carry_over=PLAN,
            __replacing="c1",
            deletion_protection=True,
            timeouts={"create": 3600},
            restore_from_backup={"recovery_target_datetime": "2026-07-01T09:00:00Z"},
        )
    )
    spec = ClusterSpec.of(inputs)
    assert spec.to_engine() == inputs
    assert spec.stored.carry_over is not None and spec.stored.carry_over.from_cluster == "c1"
    assert spec.owner is not None and spec.owner.label == "shop/dev/db"
    assert spec.timeout_seconds("create") == 3600
    assert spec.in_place_restore_target == "2026-07-01T09:00:00Z"


def test_the_password_never_shows_in_a_repr_or_a_pickle() -> None:
    spec = ClusterSpec.of(normalize(cluster_inputs()))
    assert PASSWORD not in repr(spec)
    assert PASSWORD not in str(spec)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(spec)
    assert spec.credentials is not None and spec.credentials.revealed_password() == PASSWORD


def test_values_not_known_yet_are_none_and_named() -> None:
    inputs = normalize(cluster_inputs(name=Unknown(), instances=Unknown()))
    inputs["restore_from_backup"] = {
        "source_backup_id": Unknown(),
        "recovery_target_datetime": "2026-07-01T09:00:00Z",
    }
    spec = ClusterSpec.of(inputs)
    assert spec.name is None and spec.instances is None
    assert spec.is_unknown("name") and spec.is_unknown("instances.count")
    assert not spec.is_unknown("version")
    # an unknown source backup: not an in-place restore (it may be a restore from a backup)
    assert spec.in_place_restore_target is None
