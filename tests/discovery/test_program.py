"""The program `ionos-pg-discover` writes, from clusters as the service describes them."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from ionos_postgres_pulumi.discovery.program import (
    DECLARED,
    FoundCluster,
    declarations,
    literal,
    not_adopted_because,
    program_source,
    quoted,
    refusal,
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


def found(
    name: str, region: str = "de-fra", cluster_id: str = "11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa", **more: Any
) -> FoundCluster:
    return FoundCluster(cluster_id, region, {**SETTINGS, "name": name, **more})


def test_every_field_the_api_reports_is_declared_but_the_password() -> None:
    reported = {f.top_input for f in fields.INPUT_FIELDS} - {"credentials"}
    assert reported <= set(DECLARED)


def test_names_shared_across_regions_take_the_region_and_within_one_the_ids_start() -> None:
    names = [
        d.resource
        for d in declarations(
            [
                found("orders", "de-fra", "aaaaaaaa-1111-4111-8111-111111111111"),
                found("orders", "de-txl", "bbbbbbbb-2222-4222-8222-222222222222"),
                found("billing", "de-fra", "cccccccc-3333-4333-8333-333333333333"),
                found("billing", "de-fra", "dddddddd-4444-4444-8444-444444444444"),
                found("odd name!", "de-fra", "eeeeeeee-5555-4555-8555-555555555555"),
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
    other = "22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
    source = program_source([found("orders"), found("billing", cluster_id=other)], "today")
    assert 'config.require_secret("orders-password")' in source
    assert (
        'pulumi config set --secret billing-password \'<password>\'   # user "app" of "billing" ("de-fra")'
        in source
    )
    assert f'adopt_existing_id="{other}"' in source
    assert "description=" not in source  # an empty description is left out
    assert "deletion_protection=True" in source


def test_numbers_from_the_engine_are_written_as_integers() -> None:
    assert literal({"count": 3.0, "ratio": 0.5, "on": True}) == '{"count": 3, "ratio": 0.5, "on": True}'


def test_no_cluster_is_still_a_program() -> None:
    ast.parse(program_source([], "today"))


HOSTILE = [
    'x"\n)\nimport os  # """',
    "line\u2028break and \x1b[2J and \u202eevil",
    "lone \ud800 surrogate and a backslash \\",
    "caf\xe9 \u6f22 \U0001f600",
    "'''ends a docstring'''",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_quoted_text_is_printable_ascii_and_evaluates_to_itself(text: str) -> None:
    shown = quoted(text)
    assert all(" " <= c <= "~" for c in shown)
    assert ast.literal_eval(shown) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_text_in_every_field_stays_a_literal_and_comments_hold_no_raw_text(text: str) -> None:
    """Names, descriptions, usernames and states reach the comments and the password commands too."""
    cluster = found(text, description=text, state=text, credentials={"username": text, "database": text})
    source = program_source([cluster], "today", [(found(text, state="FAILED"), "FAILED")])
    assert all(" " <= c <= "~" or c == "\n" for c in source)
    tree = ast.parse(source)
    assert not any(isinstance(n, ast.Import) and n.names[0].name == "os" for n in ast.walk(tree))
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert text in strings
    assert [line for line in source.splitlines() if line.startswith("import")] == ["import pulumi"]


def test_names_that_collide_with_a_name_made_for_another_cluster_stay_unique() -> None:
    """`db` in two regions would take `db-de-fra`, which a third cluster is called already: the preview
    would fail on a duplicate URN, and two clusters would share one password key."""
    clusters = [
        found("db", "de-fra", "11111111-1111-4111-8111-111111111111"),
        found("db", "de-txl", "22222222-2222-4222-8222-222222222222"),
        found("db-de-fra", "de-fra", "33333333-3333-4333-8333-333333333333"),
        found("db-11111111", "de-fra", "44444444-4444-4444-8444-444444444444"),
        found("x", "de-fra", "55555555-5555-4555-8555-555555555555"),
        found("x", "de-fra", "55555555-6666-4666-8666-666666666666"),
    ]
    made = declarations(clusters)
    assert len({d.resource for d in made}) == len(clusters)
    assert len({d.password_key for d in made}) == len(clusters)
    by_id = {d.cluster.id[:13]: d.resource for d in made}
    assert by_id["33333333-3333"] == "db-de-fra" and by_id["44444444-4444"] == "db-11111111"  # as called
    assert by_id["22222222-2222"] == "db-de-txl"
    assert by_id["11111111-1111"] == "db-11111111-1111-4111-8111-111111111111"
    assert by_id["55555555-5555"] != by_id["55555555-6666"]


@pytest.mark.parametrize(
    ("cluster_id", "state", "said"),
    [
        ("11111111-1111-4111-8111-111111111111\nsome_call()\n#", "AVAILABLE", "is not a UUID"),
        ("{11111111-1111-4111-8111-111111111111}", "AVAILABLE", "is not a UUID"),
        ("11111111-1111-4111-8111-111111111111", "AVAILABLE\nsome_call()", "is none of the API's"),
        ("11111111-1111-4111-8111-111111111111", None, "is none of the API's"),
    ],
    ids=["an id with a statement", "an id in braces", "a state with a statement", "no state"],
)
def test_an_id_that_is_no_uuid_or_a_state_the_api_does_not_know_is_refused_in_one_line(
    cluster_id: str, state: str | None, said: str
) -> None:
    refused = refusal(cluster_id, state)
    assert refused is not None and said in refused
    assert all(" " <= c <= "~" for c in refused)


def test_only_available_clusters_are_adopted_and_the_others_say_why() -> None:
    assert not_adopted_because("AVAILABLE") is None
    assert "new, empty cluster in its place" in str(not_adopted_because("DESTROYING"))
    for state in ("PROVISIONING", "UPDATING", "FAILED"):
        assert "once it is AVAILABLE" in str(not_adopted_because(state))
