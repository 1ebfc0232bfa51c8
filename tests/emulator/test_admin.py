"""The admin API checks its inputs: a value of the wrong type or range is a 400 that names it, and
nothing is changed by a request that is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from tests.emulator.conftest import Raw
from tests.payloads import cluster_properties


def admin_call(emulator: RunningEmulator, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method,
        f"{emulator.url}/_emulator{path}",
        json=body,
        headers={"Authorization": f"Bearer {emulator.token}"},
        timeout=5,
    )


BAD_INPUTS: list[tuple[str, str, Any, str]] = [
    ("PUT", "/pace", {"create": -1}, "negative"),
    ("PUT", "/pace", {"create": "-2s"}, "negative"),
    ("PUT", "/pace", {"create": [1]}, "pace"),
    ("PUT", "/pace", {"create": True}, "pace"),
    ("PUT", "/pace", {"create": None}, "pace"),
    ("PUT", "/pace", {"boot": "1s"}, "boot"),
    ("PUT", "/pace", ["manual"], "JSON object"),
    ("PUT", "/rate-limit", {"rate": -1}, "rate"),
    ("PUT", "/rate-limit", {"rate": 0}, "rate"),
    ("PUT", "/rate-limit", {"rate": "fast"}, "rate"),
    ("PUT", "/rate-limit", {"rate": True}, "rate"),
    ("PUT", "/rate-limit", {"rate": 5, "burst": 0}, "burst"),
    ("PUT", "/rate-limit", {"rate": 5, "burst": 1.5}, "burst"),
    ("PUT", "/rate-limit", {"rate": 5, "per": "minute"}, "per"),
    ("PUT", "/quirks", {"staleNextLink": "yes"}, "staleNextLink"),
    ("PUT", "/quirks", {"pageLimitCap": 0}, "pageLimitCap"),
    ("PUT", "/quirks", {"pageLimitCap": "2"}, "pageLimitCap"),
    ("PUT", "/quirks", {"pageLimit": 2}, "pageLimit"),
    ("PUT", "/quirks", {"busyDeleteStatus": 404}, "busyDeleteStatus"),
    ("PUT", "/quirks", {"busyDeleteStatus": "409"}, "busyDeleteStatus"),
    ("PUT", "/quirks", {"busyDeleteStatus": True}, "busyDeleteStatus"),
    ("POST", "/faults", {"action": 5}, "action"),
    ("POST", "/faults", {"action": "status", "status": "500"}, "status"),
    ("POST", "/faults", {"action": "status", "status": 99}, "status"),
    ("POST", "/faults", {"action": "status", "status": True}, "status"),
    ("POST", "/faults", {"action": "status", "path": "("}, "path"),
    ("POST", "/faults", {"action": "status", "path": 3}, "path"),
    ("POST", "/faults", {"action": "status", "method": ["GET"]}, "method"),
    ("POST", "/faults", {"action": "status", "times": -1}, "times"),
    ("POST", "/faults", {"action": "status", "times": "once"}, "times"),
    ("POST", "/faults", {"action": "status", "skip": 1.5}, "skip"),
    ("POST", "/faults", {"action": "status", "retryAfter": "1"}, "retryAfter"),
    ("POST", "/faults", {"action": "delay", "seconds": -1}, "seconds"),
    ("POST", "/faults", {"action": "delay", "seconds": "1"}, "seconds"),
    ("POST", "/faults", {"action": "status", "message": 5}, "message"),
    ("POST", "/faults", {"action": "raw", "contentType": "text/html\r\nX-Injected: 1"}, "contentType"),
    ("POST", "/faults", {"action": "raw", "body": {"not": "text"}}, "body"),
    ("POST", "/faults", {"action": "status", "process": "yes"}, "process"),
    ("POST", "/faults", {"action": "fail", "transition": "boot"}, "transition"),
    ("POST", "/faults", {"action": "fail", "transition": "create", "recoverAfter": -1}, "recoverAfter"),
    ("POST", "/faults", {"action": "fail", "transition": "create", "recoverAfter": 3601}, "recoverAfter"),
    ("POST", "/faults", {"action": "fail", "transition": "create", "recoverAfter": "5"}, "recoverAfter"),
    ("POST", "/faults", {"action": "fail", "transition": "create", "recoverAfter": True}, "recoverAfter"),
    ("POST", "/faults", {"action": "status", "recoverAfter": 5}, "recoverAfter"),
    ("POST", "/faults", [], "JSON object"),
    ("PUT", "/token", {"token": ""}, "token"),
    ("PUT", "/token", {"token": " padded "}, "token"),
    ("PUT", "/token", {"token": "line\nbreak"}, "token"),
    ("PUT", "/token", {"token": 5}, "token"),
    ("PUT", "/token", {}, "token"),
    ("PUT", "/token", {"token": "t", "user": "u"}, "user"),
]


@pytest.mark.parametrize(("method", "path", "body", "named"), BAD_INPUTS, ids=lambda v: str(v)[:40])
def test_bad_admin_input_is_a_400_that_names_it(
    emulator: RunningEmulator, method: str, path: str, body: Any, named: str
) -> None:
    response = admin_call(emulator, method, path, body)
    assert response.status_code == 400, response.text
    assert named in response.json()["messages"][0]["message"]
    assert emulator.admin.faults() == []
    assert emulator.admin.health()["pace"]["create"] == "immediate"


def test_a_refused_pace_changes_no_pace(emulator: RunningEmulator) -> None:
    assert admin_call(emulator, "PUT", "/pace", {"create": "manual", "update": -5}).status_code == 400
    assert emulator.admin.health()["pace"] == {
        "create": "immediate",
        "update": "immediate",
        "restore": "immediate",
        "delete": "immediate",
    }
    assert emulator.admin.set_pace(create=2.5, delete="manual")["create"] == "2.5s"


def test_the_rate_limit_is_switched_off_with_null(emulator: RunningEmulator, raw: Raw) -> None:
    emulator.admin.set_rate_limit(rate=1, burst=1)
    assert [raw.get("/versions").status_code for _ in range(2)] == [200, 429]
    emulator.admin.set_rate_limit(None)
    assert [raw.get("/versions").status_code for _ in range(3)] == [200, 200, 200]


def test_the_quirks_take_booleans_and_a_page_cap(emulator: RunningEmulator, raw: Raw) -> None:
    response = admin_call(emulator, "PUT", "/quirks", {"staleNextLink": True, "pageLimitCap": 2})
    assert response.json() == {"staleNextLink": True, "pageLimitCap": 2, "busyDeleteStatus": None}
    page = raw.get("/versions").json()
    assert page["limit"] == 2 and "next" in page["_links"]


def test_fail_takes_a_text_message(emulator: RunningEmulator, raw: Raw) -> None:
    created = raw.create(cluster_properties())
    assert admin_call(emulator, "POST", f"/clusters/{created['id']}/fail", {"message": 5}).status_code == 400
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "AVAILABLE"
    failed = admin_call(emulator, "POST", f"/clusters/{created['id']}/fail").json()
    assert failed["statusMessage"] == "failed by the emulator's admin API"
    assert admin_call(emulator, "POST", "/clusters/no-such-cluster/fail").status_code == 404


@pytest.mark.parametrize("recover_after", [-1, 3600.5, "30", False])
def test_fail_takes_a_recovery_time_of_0_to_3600_seconds(
    emulator: RunningEmulator, raw: Raw, recover_after: Any
) -> None:
    created = raw.create(cluster_properties())
    response = admin_call(
        emulator, "POST", f"/clusters/{created['id']}/fail", {"recoverAfter": recover_after}
    )
    assert response.status_code == 400
    assert "recoverAfter" in response.json()["messages"][0]["message"]
    assert raw.get(f"/clusters/{created['id']}").json()["metadata"]["state"] == "AVAILABLE"


def test_admin_paths_and_methods(emulator: RunningEmulator) -> None:
    missing = admin_call(emulator, "GET", "/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["messages"][0]["errorCode"] == "paas-resource-1"
    wrong = admin_call(emulator, "POST", "/pace", {})
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, PUT"
    assert admin_call(emulator, "GET", "").status_code == 404  # /_emulator itself


def test_only_health_answers_without_the_token(emulator: RunningEmulator) -> None:
    health = requests.get(emulator.url + "/_emulator/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    for method, path in (("GET", "/requests"), ("POST", "/reset"), ("GET", "/nothing-here")):
        response = requests.request(method, f"{emulator.url}/_emulator{path}", timeout=5)
        assert response.status_code == 401, path


def test_a_malformed_admin_body_is_a_400(emulator: RunningEmulator) -> None:
    response = requests.put(
        emulator.url + "/_emulator/pace",
        data=b'{"create": NaN}',
        headers={"Authorization": f"Bearer {emulator.token}"},
        timeout=5,
    )
    assert response.status_code == 400
    assert "NaN" in response.json()["messages"][0]["message"]


def test_a_rotated_token_is_the_only_one_accepted(emulator: RunningEmulator, raw: Raw) -> None:
    old = emulator.token
    assert admin_call(emulator, "PUT", "/token", {"token": "the-new-one"}).status_code == 200
    assert raw.get("/versions").status_code == 401  # `raw` still sends the old token
    assert admin_call(emulator, "GET", "/faults").status_code == 401
    emulator.token = "the-new-one"
    assert admin_call(emulator, "GET", "/faults").status_code == 200
    assert emulator.admin.health()["status"] == "ok" and old != emulator.token


def test_an_emulator_of_any_token_has_none_to_rotate() -> None:
    with emulator_thread(any_token=True) as lenient:
        response = admin_call(lenient, "PUT", "/token", {"token": "x"})
    assert response.status_code == 409 and "--any-token" in response.json()["messages"][0]["message"]


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("^/(a+)+$", "repeats a part that has choices of its own"),
        ("^/(a|aa)*$", "repeats a part that has choices of its own"),
        ("^/(x)\\1", "refers back to a group"),
        ("^/.*.*.*x$", "steps to match a path of 1024 characters"),
    ],
    ids=["nested repetition", "repeated alternatives", "backreference", "three wildcards"],
)
def test_a_path_pattern_that_could_backtrack_for_ever_is_a_400_that_says_why(
    emulator: RunningEmulator, raw: Raw, pattern: str, said: str
) -> None:
    """Before, such a fault was added, and a request whose path made it backtrack held every other request
    behind the faults' lock."""
    response = admin_call(emulator, "POST", "/faults", {"action": "status", "status": 503, "path": pattern})
    assert response.status_code == 400
    assert said in response.json()["messages"][0]["message"]
    assert emulator.admin.faults() == []
    assert raw.get("/" + "a" * 40 + "!").status_code == 404  # answered at once, as the service would


def test_a_path_pattern_of_bounded_time_still_selects_requests(emulator: RunningEmulator, raw: Raw) -> None:
    emulator.admin.add_fault("status", status=503, path="^/clusters/[^/]+$", times=1)
    assert raw.get("/clusters").status_code == 200
    assert raw.get("/clusters/" + "0" * 36).status_code == 503
    emulator.admin.add_fault("status", status=503, path="^/clusters/.*$", times=1)
    too_long = raw.get("/clusters/" + "x" * 2000)  # longer than any path a pattern is tried on
    assert too_long.status_code == 400 and "UUID" in too_long.text  # the service's answer, not the fault's
    assert [f["hits"] for f in emulator.admin.faults()] == [1, 0]


@pytest.mark.parametrize("token", ["tökén", "new\u00a0token", "tab\tbetween", "emoji-\U0001f511", "a b"])
def test_a_token_no_header_can_carry_is_a_400_and_the_old_one_stays(
    emulator: RunningEmulator, raw: Raw, token: str
) -> None:
    """Before, a non-ASCII token was taken with 200, and no client could use either API until a restart."""
    response = admin_call(emulator, "PUT", "/token", {"token": token})
    assert response.status_code == 400
    assert "visible ASCII" in response.json()["messages"][0]["message"]
    assert raw.get("/versions").status_code == 200
    assert emulator.admin.health()["status"] == "ok"


def test_the_emulator_refuses_to_start_with_a_token_no_header_can_carry(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "ionos_postgres_pulumi.emulator", "--port", "0", "--token", "tökén"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 2
    assert "visible ASCII" in started.stderr and "Traceback" not in started.stderr


def test_a_token_the_emulator_makes_never_reads_as_an_option() -> None:
    """Found by CI: a token starting with `-` made the walkthrough's `pulumi config set --secret ionos:token
    "$IONOS_TOKEN"` fail (unknown shorthand flag)."""
    from ionos_postgres_pulumi.emulator.settings import new_token, token_problem

    made = [new_token(16) for _ in range(2000)]
    assert not [t for t in made if t.startswith("-") or token_problem(t)]
