"""The README's facts come from the code: its tables of inputs and outputs are made from their one
definition (the argument classes, the resources' annotations and the API's limits)."""

from __future__ import annotations

import dataclasses

import pytest

from ionos_postgres_pulumi import PostgresClusterArgs, PostgresV2ClusterArgs
from ionos_postgres_pulumi.provider import args
from ionos_postgres_pulumi.provider.field_docs import field_docs
from ionos_postgres_pulumi.provider.rules.fields import INPUT_FIELDS
from ionos_postgres_pulumi.provider.rules.inputs import KNOWN_INPUTS
from scripts import readme_tables

README = readme_tables.README.read_text()


@pytest.mark.parametrize("name", sorted(readme_tables.tables()))
def test_the_readme_table_is_made_from_the_code(name: str) -> None:
    assert readme_tables.section(README, name) == readme_tables.tables()[name], (
        f"the README's {name} table is out of date: run .venv/bin/python scripts/readme_tables.py"
    )


def test_every_input_is_declared_once_with_its_words() -> None:
    declared = field_docs(args.ClusterInputs)
    assert set(declared) == KNOWN_INPUTS  # what the provider checks is what the program can pass
    for field in INPUT_FIELDS:  # every API field has a declaration and words
        top, _, sub = field.input_path.partition(".")
        nested = readme_tables._nested_class(args.ClusterInputs, top)
        assert top in declared, field.input_path
        assert not sub or (nested is not None and sub in field_docs(nested)), field.input_path
    assert all(declared.values())


def test_the_component_and_the_resource_take_the_same_inputs() -> None:
    """Only the five the component chooses differ: required for the resource, optional for it."""
    resource = {f.name: f for f in dataclasses.fields(PostgresV2ClusterArgs)}
    component = {f.name: f for f in dataclasses.fields(PostgresClusterArgs)}
    assert resource.keys() == component.keys()
    differ = {
        name
        for name in resource
        if readme_tables._is_required(resource[name]) != readme_tables._is_required(component[name])
    }
    assert differ == {"name", "version", "instances", "maintenance_window", "backup_location"}
    with pytest.raises(TypeError, match="5 required keyword-only arguments"):
        PostgresV2ClusterArgs(location="de/fra", connection={}, credentials={})  # type: ignore[call-arg]


def test_help_describes_this_packages_own_inputs() -> None:
    import pydoc

    from ionos_postgres_pulumi import PostgresCluster, PostgresClusterArgs, PostgresV2ClusterArgs

    component = pydoc.render_doc(PostgresCluster, renderer=getattr(pydoc, "plaintext"))  # noqa: B009 - not in the stubs
    assert "args.deletion_protection" in component
    assert "remote" not in component.split("Methods inherited")[0]  # not ComponentResource's parameters
    for arguments in (PostgresV2ClusterArgs, PostgresClusterArgs):
        shown = pydoc.render_doc(arguments, renderer=getattr(pydoc, "plaintext"))  # noqa: B009 - not in the stubs
        assert "field()" not in shown
        for name, words in field_docs(args.ClusterInputs).items():
            assert f"{name}: {words}" in " ".join(shown.split()), name


def test_each_number_input_says_its_unit_and_range_where_an_editor_shows_it() -> None:
    from ionos_postgres_pulumi import limits
    from ionos_postgres_pulumi.provider.rules.fields import INPUT_FIELDS

    for field in INPUT_FIELDS:
        rule = next(f.rule for f in limits.CLUSTER_FIELDS if f.path == field.rule.api_path)
        if not isinstance(rule, limits.Integer):
            continue
        owner, _, name = field.input_path.rpartition(".")
        cls = {"instances": args.InstancesArgs, "": args.ClusterInputs}[owner]
        assert rule.describe() in field_docs(cls)[name], field.input_path


def test_the_components_defaults_are_one_table_that_the_words_say() -> None:
    from ionos_postgres_pulumi.components.postgres_cluster import DEFAULTS

    docs = field_docs(args.ClusterInputs)
    size, window = DEFAULTS["instances"], DEFAULTS["maintenance_window"]
    assert (
        f"PostgresCluster's default: {size.count} instance, {size.ram} GB, {size.cores} cores, "
        f"{size.storage_size} GB" in docs["instances"]
    )
    assert (
        f"PostgresCluster's default: {window.day_of_the_week} {window.time} UTC" in docs["maintenance_window"]
    )
    assert DEFAULTS["deletion_protection"] is True
    assert "PostgresCluster's default: true" in docs["deletion_protection"]
