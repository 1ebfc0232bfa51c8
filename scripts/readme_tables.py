"""The README's tables of inputs and outputs, made from their one definition.

The inputs come from `ClusterInputs` and the nested argument classes (each field's docstring), with the
API's limits from the client's rules; the outputs from the resource's and the component's annotations.
`tests/test_docs.py` fails when the README differs from what this makes; to bring it in step:

    .venv/bin/python scripts/readme_tables.py
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ionos_postgres_pulumi import PostgresCluster, PostgresV2Cluster
from ionos_postgres_pulumi.provider import args
from ionos_postgres_pulumi.provider.field_docs import field_docs
from ionos_postgres_pulumi.provider.rules.fields import INPUT_FIELDS

README = Path(__file__).resolve().parent.parent / "README.md"
COMPONENT_DEFAULT = re.compile(r"\s*PostgresCluster's default: (.+?)\s*$", re.DOTALL)


def _nested_class(cls: type, name: str) -> type | None:
    """The argument class of a nested input (`connection` -> ConnectionArgs), if it is one."""
    (declared,) = [str(f.type) for f in dataclasses.fields(cls) if f.name == name]
    names = set(re.findall(r"\w+Args", declared))
    return next((c for c in vars(args).values() if isinstance(c, type) and c.__name__ in names), None)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def inputs_table() -> str:
    rules = {field.input_path: field.rule for field in INPUT_FIELDS}
    required = {f.name for f in dataclasses.fields(args.PostgresV2ClusterArgs) if _is_required(f)}
    rows = [
        "| Input | API field | Required by PostgresV2Cluster | PostgresCluster's default | What it is "
        "| Rule |",
        "|---|---|---|---|---|---|",
    ]
    for name, doc in field_docs(args.ClusterInputs).items():
        default = COMPONENT_DEFAULT.search(doc)
        words = COMPONENT_DEFAULT.sub("", doc) if default else doc
        chooses = default.group(1).rstrip(".") if default else ""
        rows.append(_input_row(name, rules.get(name), name in required, chooses, words))
        nested = _nested_class(args.ClusterInputs, name)
        for sub, sub_doc in field_docs(nested).items() if nested else ():
            path = f"{name}.{sub}"
            sub_required = name in required and path in rules and rules[path].required
            rows.append(_input_row(path, rules.get(path), sub_required, "", sub_doc))
    return "\n".join(rows)


def _is_required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def _input_row(path: str, rule: Any, required: bool, chooses: str, words: str) -> str:
    api = f"`{rule.api_path}`" if rule else ""
    limit = rule.describe if rule else ""
    cells = [f"`{path}`", api, "yes" if required else "", _cell(chooses), _cell(words), _cell(limit)]
    return "| " + " | ".join(cells) + " |"


def outputs_table(cls: type) -> str:
    rows = ["| Output | What it is |", "|---|---|"]
    rows += [f"| `{name}` | {_cell(doc)} |" for name, doc in field_docs(cls).items()]
    return "\n".join(rows)


def tables() -> dict[str, str]:
    return {
        "inputs": inputs_table(),
        "resource-outputs": outputs_table(PostgresV2Cluster),
        "component-outputs": outputs_table(PostgresCluster),
    }


def section(text: str, name: str) -> str:
    """What the README holds between `<!-- name:begin -->` and `<!-- name:end -->`."""
    found = re.search(f"<!-- {name}:begin -->\n(.*?)\n?<!-- {name}:end -->", text, re.DOTALL)
    return found.group(1) if found else ""


def main() -> None:
    text = README.read_text()
    for name, table in tables().items():
        begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
        head, rest = text.split(begin + "\n", 1)
        text = f"{head}{begin}\n{table}\n{end}{rest.split(end, 1)[1]}"
    README.write_text(text)


if __name__ == "__main__":
    main()
