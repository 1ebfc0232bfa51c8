"""The README's facts come from the code: the limits table is the rules module's own."""

from __future__ import annotations

from pathlib import Path

from ionos_postgres_pulumi.provider.api import rules

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_limits_table_is_the_rules_module() -> None:
    text = README.read_text()
    table = text.split("<!-- rules:begin -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert table == rules.markdown_table()
