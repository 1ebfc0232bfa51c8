"""Checks of request bodies the way the service makes them.

A body that is not JSON, has a wrong JSON type or lacks a required field is a 400; values that break
the API's rules are a 422. Each message names the field. The rules themselves live in
`provider.api.rules`, shared with the provider's preview-time checks.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from ionos_postgres_pulumi.provider.api import rules

from .problems import ApiProblem

MISSING = object()
CLUSTER_OBJECTS = ("instances", "connection", "maintenanceWindow", "credentials", "backup")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiProblem(400, [f"the request body is not valid JSON: {exc}"]) from None
    if not isinstance(data, dict):
        raise ApiProblem(400, ["the request body must be a JSON object"])
    return data


def lookup(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _json_type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", bool: "a boolean"}[kind]


def _has_json_type(value: Any, kind: type) -> bool:
    if kind is int:
        return rules.is_int(value)
    return isinstance(value, kind)


def require_properties(body: dict[str, Any]) -> dict[str, Any]:
    properties = body.get("properties", MISSING)
    if properties is MISSING:
        raise ApiProblem(400, ["properties: is required"])
    if not isinstance(properties, dict):
        raise ApiProblem(400, ["properties: must be an object"])
    return properties


def shape_problems(properties: dict[str, Any], *, credentials_required: bool) -> list[str]:
    """400-class problems: wrong JSON types and missing required fields."""
    problems = []
    for name in CLUSTER_OBJECTS:
        value = properties.get(name, MISSING)
        if value is not MISSING and not isinstance(value, dict):
            problems.append(f"properties.{name}: must be an object")
    for rule in rules.CLUSTER_FIELD_RULES:
        parent = rule.api_path.split(".")[0] if "." in rule.api_path else None
        if parent == "credentials" and not credentials_required and "credentials" not in properties:
            continue
        if parent and not isinstance(properties.get(parent), dict | None):
            continue
        value = lookup(properties, rule.api_path)
        if value is MISSING or value is None:
            if rule.required:
                problems.append(f"properties.{rule.api_path}: is required")
        elif not _has_json_type(value, rule.json_type):
            problems.append(f"properties.{rule.api_path}: must be {_json_type_name(rule.json_type)}")
    restore = properties.get("restoreFromBackup", MISSING)
    if restore is not MISSING and restore is not None:
        if not isinstance(restore, dict):
            problems.append("properties.restoreFromBackup: must be an object")
        else:
            for key in ("sourceBackupId", "recoveryTargetDatetime"):
                value = restore.get(key)
                if value is not None and not isinstance(value, str):
                    problems.append(f"properties.restoreFromBackup.{key}: must be a string")
            when = restore.get("recoveryTargetDatetime")
            if isinstance(when, str):
                try:
                    rules.parse_timestamp(when)
                except ValueError:
                    problems.append(
                        f"properties.restoreFromBackup.recoveryTargetDatetime: {when!r} is not an RFC 3339 "
                        "date-time with a time zone, such as 2026-07-01T09:00:00Z"
                    )
    return problems


def value_problems(properties: dict[str, Any]) -> list[str]:
    """422-class problems: values that break the API's rules."""
    problems = []
    for rule in rules.CLUSTER_FIELD_RULES:
        value = lookup(properties, rule.api_path)
        if value is MISSING or value is None:
            continue
        problem = rule.check(value)
        if problem:
            problems.append(
                "properties." + rules.Violation(rule.api_path, value, problem, secret=rule.secret).message()
            )
    strict = rules.strict_replication_violation(
        properties.get("replicationMode"), lookup(properties, "instances.count"), "properties.replicationMode"
    )
    if strict:
        problems.append(strict.message())
    return problems


def check_cluster_body(properties: dict[str, Any], *, credentials_required: bool) -> None:
    problems = shape_problems(properties, credentials_required=credentials_required)
    if problems:
        raise ApiProblem(400, problems)
    problems = value_problems(properties)
    if problems:
        raise ApiProblem(422, problems)


def check_uuid(value: str, field: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise ApiProblem(400, [f"{field}: {value!r} is not a UUID"]) from None
