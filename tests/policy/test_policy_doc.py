"""docs/policy.md's table of policies says what the code does: each policy, its level and its settings."""

from __future__ import annotations

import json

from ionos_postgres_pulumi.policy.policies import RULES
from scripts.pulumi_project import REPO

DOC = (REPO / "docs" / "policy.md").read_text()


def table_rows() -> dict[str, str]:
    rows = [line for line in DOC.splitlines() if line.startswith("| `ionos-pg-")]
    return {row.split("`")[1]: row for row in rows}


def test_the_table_lists_every_policy_with_its_level_and_settings() -> None:
    rows = table_rows()
    assert sorted(rows) == sorted(rule.name for rule in RULES)
    for rule in RULES:
        cells = [cell.strip() for cell in rows[rule.name].split("|")]
        assert cells[2] == rule.enforcement, rule.name
        for key, schema in rule.settings.items():
            assert f"`{key}`" in cells[4], (rule.name, key)
            default = schema["default"]
            shown = default if isinstance(default, str) else json.dumps(default)
            if not isinstance(default, dict):
                assert f"`{key}` ({shown}" in cells[4] or f"`{key}` (`{shown}`)" in cells[4], (rule.name, key)
