"""After a token rotation or an endpoint move: the configured values first, the environment's where those are
refused or do not answer, each token only with its own endpoint, and never a cluster taken as gone on the
environment's word (see `api.fallback`).

Against real emulators: one whose token is rotated, and a second one standing for the endpoint moved to.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api import ApiError, ConfigurationError, PostgresClient
from ionos_postgres_pulumi.provider.api.fallback import NotFoundThere, RefusedThere
from ionos_postgres_pulumi.provider.api.models import ClusterCreateProperties
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from tests.payloads import cluster_properties

OLD, NEW = "old-token-revoked-at-rotation", "new-token-after-rotation"


def client(
    api_url: str | None, token: str | None, env: dict[str, str], said: list[str], fall_back: bool = True
) -> PostgresClient:
    return PostgresClient(
        "de/fra",
        token=token,
        api_url=api_url,
        env=env,
        sleeper=lambda _: None,
        gate=RateGate(),
        fall_back_to_env=fall_back,
        on_fall_back=said.append,
    )


def made_with_curl(emu: RunningEmulator) -> str:
    """A cluster made on the emulator directly, with its token of the moment; its id."""
    made = requests.post(
        f"{emu.url}/de-fra/clusters",
        json={"properties": cluster_properties()},
        headers={"Authorization": f"Bearer {emu.token}"},
        timeout=10,
    )
    made.raise_for_status()
    return str(made.json()["id"])


@pytest.fixture
def rotated() -> Iterator[RunningEmulator]:
    """An emulator that accepted OLD, holding one cluster, and now accepts only NEW."""
    with emulator_thread(token=OLD) as emu:
        made_with_curl(emu)
        emu.rotate_token(NEW)
        yield emu


def closed_port_url() -> str:
    """An endpoint that is gone: nothing listens on this port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{{region}}"


def test_the_emulator_refuses_the_old_token_at_once(rotated: RunningEmulator) -> None:
    said: list[str] = []
    with pytest.raises(ApiError) as refused, client(rotated.api_url, OLD, {}, said) as api:
        api.list_clusters()
    assert refused.value.http_status == 401 and said == []
    with client(rotated.api_url, NEW, {}, said) as api:
        assert len(api.list_clusters()) == 1


def test_a_refused_configured_token_gives_way_to_the_environments(rotated: RunningEmulator) -> None:
    """The environment's token is for the environment's endpoint, which is the configured one here."""
    said: list[str] = []
    with client(rotated.api_url, OLD, {"IONOS_TOKEN": NEW, "IONOS_API_URL": rotated.api_url}, said) as api:
        (cluster,) = api.list_clusters()
        assert api.get_cluster(cluster.id).id == cluster.id  # the rest of the operation goes on with it
        assert api.fell_back is not None
    assert said == ["the configured ionos:token was refused (HTTP 401); the credentials in the environment, "
                    "which are for this endpoint too, were used instead"]  # fmt: skip
    assert all(OLD not in line and NEW not in line for line in said)


def test_no_fallback_without_other_values_or_when_not_asked(rotated: RunningEmulator) -> None:
    said: list[str] = []
    here = rotated.api_url
    for env, fall_back in (
        ({}, True),
        ({"IONOS_TOKEN": OLD, "IONOS_API_URL": here}, True),
        ({"IONOS_TOKEN": NEW, "IONOS_API_URL": here}, False),
    ):
        with pytest.raises(ApiError) as refused, client(rotated.api_url, OLD, env, said, fall_back) as api:
            api.list_clusters()
        assert refused.value.refused_credentials
    assert said == []
    # nothing configured: the environment's token is the one in use from the start, nothing to fall back to
    with (
        client(here, None, {"IONOS_TOKEN": OLD, "IONOS_API_URL": here}, said) as api,
        pytest.raises(ApiError),
    ):
        api.list_clusters()
    assert said == []


def test_creates_and_changes_never_use_the_environments_values(rotated: RunningEmulator) -> None:
    """A cluster made with credentials that may belong to another contract would be lost to the stack."""
    said: list[str] = []
    properties = ClusterCreateProperties.model_validate(cluster_properties(name="after-rotation"))
    (cluster,) = rotated.admin.clusters()
    with client(rotated.api_url, OLD, {"IONOS_TOKEN": NEW, "IONOS_API_URL": rotated.api_url}, said) as api:
        with pytest.raises(ApiError) as refused:
            api.create_cluster(properties)
        assert refused.value.refused_credentials and said == []
        api.get_cluster(cluster["id"])  # a read falls back; the create after it still does not
        with pytest.raises(ApiError) as still_refused:
            api.create_cluster(properties)
        assert still_refused.value.refused_credentials and len(said) == 1
    assert [c["properties"]["name"] for c in rotated.admin.clusters()] == ["cms-prod"]


def test_credentials_refused_both_ways_say_so_and_show_neither(rotated: RunningEmulator) -> None:
    said: list[str] = []
    env = {"IONOS_TOKEN": "also-revoked", "IONOS_API_URL": rotated.api_url}
    with client(rotated.api_url, OLD, env, said) as api:
        with pytest.raises(RefusedThere) as refused:
            api.list_clusters()
        assert "were refused as well" in str(refused.value) and len(said) == 1
        shown = f"{refused.value} {api!r} {api._fallback!r} {said}"
    assert OLD not in shown and "also-revoked" not in shown


def test_the_environments_token_is_never_sent_to_the_configured_endpoint_after_a_401(
    rotated: RunningEmulator,
) -> None:
    """IONOS_TOKEN is for IONOS_API_URL, another endpoint. Before, it was sent to the configured endpoint that
    refused the stack's token (here that endpoint would even have taken it), and that endpoint learned it."""
    said: list[str] = []
    with emulator_thread(token=NEW) as elsewhere:
        env = {"IONOS_TOKEN": NEW, "IONOS_API_URL": elsewhere.api_url}
        rotated.admin.clear_requests()
        with pytest.raises(ApiError) as refused, client(rotated.api_url, OLD, env, said) as api:
            api.list_clusters()
        assert refused.value.http_status == 401 and not isinstance(refused.value, RefusedThere)
        assert [r["status"] for r in rotated.admin.requests()] == [401]  # the configured token's, alone
        assert elsewhere.admin.requests() == [] and said == []  # a refusal is no reason to leave an endpoint


def test_the_configured_token_is_never_sent_to_the_environments_endpoint() -> None:
    """The configured endpoint does not answer and IONOS_API_URL names another, with no token of its own: the
    stack's token stays home. Before, it was sent to IONOS_API_URL (an emulator exported for local work, or
    whatever listens there), which took it."""
    said: list[str] = []
    with emulator_thread(token=NEW) as listening_there:
        api = client(closed_port_url(), NEW, {"IONOS_API_URL": listening_there.api_url}, said)
        with api, pytest.raises(ApiError) as unanswered:
            api.list_clusters()
        assert unanswered.value.http_status is None and said == []
        assert listening_there.admin.requests() == []


def test_a_configured_token_goes_to_ionos_not_to_the_environments_endpoint() -> None:
    """Without ionos:endpoint, the stack's token is for IONOS's own endpoint, whatever IONOS_API_URL says."""
    with emulator_thread(token=NEW) as listening_there:
        api = client("", NEW, {"IONOS_API_URL": listening_there.api_url}, [])
        assert api.base_url == "https://postgresql.de-fra.ionos.com"
        api.close()
        assert listening_there.admin.requests() == []


def test_an_endpoint_configured_without_a_token_never_gets_the_environments(rotated: RunningEmulator) -> None:
    rotated.admin.clear_requests()
    with pytest.raises(ConfigurationError, match="configured without credentials of its own"):
        client(rotated.api_url, None, {"IONOS_TOKEN": NEW}, [])
    assert rotated.admin.requests() == []


def test_a_cluster_the_environments_values_do_not_find_is_not_taken_as_gone() -> None:
    """The configured endpoint does not answer, and IONOS_API_URL names a service that never had the cluster
    (another contract's or another installation's): its 404 is no proof that the cluster is gone."""
    said: list[str] = []
    with emulator_thread(token=NEW) as elsewhere, emulator_thread(token=NEW) as home:
        cluster_id = made_with_curl(home)
        env = {"IONOS_TOKEN": NEW, "IONOS_API_URL": elsewhere.api_url}
        with client(closed_port_url(), NEW, env, said) as api:
            with pytest.raises(NotFoundThere) as not_there:
                api.get_cluster(cluster_id)
            with pytest.raises(NotFoundThere):
                api.delete_cluster(cluster_id)
        assert not not_there.value.is_not_found  # so no caller drops the cluster from the state
        assert "not taken as deleted" in str(not_there.value) and len(said) == 1
        assert [c["id"] for c in home.admin.clusters()] == [cluster_id]


def test_an_endpoint_that_does_not_answer_gives_way_to_the_environments_for_reads_and_deletes() -> None:
    said: list[str] = []
    with emulator_thread(token=NEW) as moved:
        cluster_id = made_with_curl(moved)
        env = {"IONOS_TOKEN": NEW, "IONOS_API_URL": moved.api_url}
        with client(closed_port_url(), "stack-token", env, said) as api:
            assert api.get_cluster(cluster_id).id == cluster_id
            assert api.base_url != moved.api_url.replace("{region}", "de-fra")  # still the configured one
            api.delete_cluster(cluster_id)
            with pytest.raises(ApiError) as gone:  # found through them earlier: a 404 now means gone
                api.get_cluster(cluster_id)
            assert gone.value.is_not_found and not isinstance(gone.value, NotFoundThere)
        assert len(said) == 1 and "ionos:endpoint did not answer" in said[0]
        assert "IONOS_API_URL from the environment, with the environment's credentials, was used" in said[0]
        assert all(r["status"] != 401 for r in moved.admin.requests())  # the stack's token never went there


def test_a_create_is_never_sent_to_another_endpoint_when_its_fate_is_unknown() -> None:
    said: list[str] = []
    properties = ClusterCreateProperties.model_validate(cluster_properties())
    with emulator_thread(token=NEW) as moved:
        api = client(closed_port_url(), NEW, {"IONOS_TOKEN": NEW, "IONOS_API_URL": moved.api_url}, said)
        with api, pytest.raises(ApiError) as unanswered:
            api.create_cluster(properties)
        assert unanswered.value.http_status is None and said == []
        assert moved.admin.clusters() == []
