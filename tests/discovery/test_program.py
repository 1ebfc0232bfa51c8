"""The program `ionos-pg-discover` writes, from clusters as the service describes them."""

from __future__ import annotations

import ast
from typing import Any

from ionos_postgres_pulumi.discovery.program import (
    DECLARED,
    FoundCluster,
    declarations,
    literal,
    program_source,
)
from ionos_postgres_pulumi.provider.rules import fields

SETTINGS: dict[str, Any] = {
    "name": "orders",
    "description": "",
    "version": "16",
    "instances": {"count": 1, "ram": 4, "cores": 2, "storage_size": 20},
    "credentials": {"username": "app", "database": "app"},
    "state": "AVAILABLE",
}


def found(name: str, region: str = "de-fra", cluster_id: str = "11111111-aaaa", **more: Any) -> FoundCluster:
    return FoundCluster(cluster_id, region, {**SETTINGS, "name": name, **more})


def test_every_field_the_api_reports_is_declared_but_the_password() -> None:
    reported = {f.top_input for f in fields.INPUT_FIELDS} - {"credentials"}
    assert reported <= set(DECLARED)


def test_names_shared_across_regions_take_the_region_and_within_one_the_ids_start() -> None:
    names = [
        d.resource
        for d in declarations(
            [
                found("orders", "de-fra", "aaaaaaaa-1"),
                found("orders", "de-txl", "bbbbbbbb-2"),
                found("billing", "de-fra", "cccccccc-3"),
                found("billing", "de-fra", "dddddddd-4"),
                found("odd name!", "de-fra", "eeeeeeee-5"),
            ]
        )
    ]
    assert names == ["billing-cccccccc", "billing-dddddddd", "odd-name-", "orders-de-fra", "orders-de-txl"]


def test_text_from_the_api_cannot_break_out_of_its_literal() -> None:
    hostile = 'x"\n)\nimport os  # """'
    source = program_source([found("orders", description=hostile)], "today")
    tree = ast.parse(source)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert hostile in strings
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))


def test_the_program_reads_each_password_as_a_secret_and_lists_the_commands() -> None:
    source = program_source([found("orders"), found("billing", cluster_id="22222222-bbbb")], "today")
    assert 'config.require_secret("orders-password")' in source
    assert (
        'pulumi config set --secret billing-password \'<password>\'   # user "app" of "billing" (de-fra)'
        in source
    )
    assert 'adopt_existing_id="22222222-bbbb"' in source
    assert "description=" not in source  # an empty description is left out
    assert "deletion_protection=True" in source


def test_numbers_from_the_engine_are_written_as_integers() -> None:
    assert literal({"count": 3.0, "ratio": 0.5, "on": True}) == '{"count": 3, "ratio": 0.5, "on": True}'


def test_no_cluster_is_still_a_program() -> None:
    ast.parse(program_source([], "today"))
