"""The `ionos_emulator` fixture as a user's own test suite meets it: installed with the package."""

from __future__ import annotations

import pytest

USER_TESTS = """
import os

import requests

from ionos_postgres_pulumi.provider.api import PostgresClient
from tests_payloads import CLUSTER


def test_the_client_finds_the_emulator_by_itself(ionos_emulator):
    assert os.environ["IONOS_API_URL"] == ionos_emulator.api_url
    with PostgresClient("de/fra") as client:  # IONOS_API_URL and IONOS_TOKEN come from the fixture
        created = client.create_cluster(CLUSTER)
        assert created.state == "PROVISIONING"
        assert client.get_cluster(created.id).state == "AVAILABLE"  # the default pace: at once


def test_every_test_gets_an_empty_service(ionos_emulator):
    with PostgresClient("de/fra") as client:
        assert client.list_clusters() == []


def test_stack_configuration_for_programs_that_set_it(ionos_emulator):
    config = ionos_emulator.stack_config()
    assert config["ionos:endpoint"] == ionos_emulator.api_url
    answer = requests.get(
        ionos_emulator.url + "/de-fra/versions",
        headers={"Authorization": "Bearer " + config["ionos:token"]},
        timeout=5,
    )
    assert answer.status_code == 200
"""

PAYLOADS = """
from ionos_postgres_pulumi.provider.api import models

CLUSTER = models.ClusterCreateProperties.model_validate({
    "name": "users-db",
    "version": "16",
    "instances": {"count": 1, "ram": 4, "cores": 2, "storageSize": 10},
    "connection": {
        "datacenterId": "5a029f4a-72e5-11ec-90d6-0242ac120003",
        "lanId": "1",
        "primaryInstanceAddress": "192.168.1.10/24",
    },
    "maintenanceWindow": {"time": "02:00:00", "dayOfTheWeek": "Sunday"},
    "replicationMode": "ASYNCHRONOUS",
    "credentials": {"username": "app", "password": "Us3r-Passw0rd!", "database": "app"},
    "backup": {"location": "de", "retentionDays": 7},
})
"""


def test_a_users_suite_gets_an_offline_ionos_from_the_installed_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_stack=USER_TESTS, tests_payloads=PAYLOADS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_the_pace_is_an_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nionos_emulator_pace = create=manual\n")
    pytester.makepyfile(
        tests_payloads=PAYLOADS,
        test_pace="""
from ionos_postgres_pulumi.provider.api import PostgresClient
from tests_payloads import CLUSTER


def test_a_manual_pace_waits_for_the_test(ionos_emulator):
    with PostgresClient("de/fra") as client:
        created = client.create_cluster(CLUSTER)
        assert client.get_cluster(created.id).state == "PROVISIONING"
        ionos_emulator.admin.advance(created.id)
        assert client.get_cluster(created.id).state == "AVAILABLE"
""",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
