"""Credentials and endpoints: resolution order, clear errors, and a token that never shows."""

from __future__ import annotations

import logging
import pickle

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api import (
    REGIONS,
    ApiError,
    ConfigurationError,
    MissingCredentialsError,
    PostgresClient,
    normalize_region,
    resolve_base_url,
)


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_region_has_its_endpoint(region: str) -> None:
    assert resolve_base_url(region) == f"https://postgresql.{region}.ionos.com"
    assert resolve_base_url(region.replace("-", "/")) == f"https://postgresql.{region}.ionos.com"


def test_location_spellings() -> None:
    assert normalize_region("de/fra") == normalize_region("de-fra") == normalize_region("DE/FRA") == "de-fra"
    assert normalize_region("de/fra/2") == "de-fra"
    assert normalize_region("de/fra/1") == "de-fra"
    with pytest.raises(ConfigurationError, match="not an IONOS PostgreSQL region"):
        normalize_region("mars/olympus")
    for around in ("de/fra\n", " de/fra", "\u3000de/fra", "de/fra\x1c"):  # the whole value counts
        with pytest.raises(ConfigurationError, match="not an IONOS PostgreSQL region"):
            normalize_region(around)


def test_each_token_goes_with_its_own_endpoint() -> None:
    """The environment's token to the environment's endpoint (IONOS_API_URL, else IONOS's own); a token given
    to the client to the endpoint given with it, else IONOS's own: never one to the other's endpoint."""
    env = {"IONOS_API_URL": "https://from-env:1/{region}", "IONOS_TOKEN": "t"}
    ionos = "https://postgresql.de-txl.ionos.com"
    assert PostgresClient("de/txl", env=env).base_url == "https://from-env:1/de-txl"
    assert PostgresClient("de/txl", env={"IONOS_TOKEN": "t"}).base_url == ionos
    assert (
        PostgresClient("de/txl", token="mine", env=env, api_url="https://explicit").base_url
        == "https://explicit"
    )
    assert PostgresClient("de/txl", token="mine", env=env).base_url == ionos  # not the environment's endpoint
    same = PostgresClient("de/txl", env=env, api_url="https://from-env:1/de-txl")
    assert same.base_url == "https://from-env:1/de-txl"  # the environment's token to its own endpoint
    with pytest.raises(ConfigurationError, match="configured without credentials of its own") as refused:
        PostgresClient("de/txl", env=env, api_url="https://explicit")
    assert "set IONOS_API_URL to it" in str(refused.value) and "'t'" not in str(refused.value)
    with pytest.raises(ConfigurationError, match="http"):
        PostgresClient("de/txl", token="mine", env=env, api_url="ftp://nope")


@pytest.mark.parametrize(
    "url", ["http://api.example.com", "http://10.1.2.3:8080/{region}", "http://[2001:db8::1]"]
)
def test_plain_http_is_refused_except_on_this_machine(url: str) -> None:
    with pytest.raises(ConfigurationError, match="unencrypted"):
        PostgresClient("de/txl", token="t", env={}, api_url=url)
    for local in (
        "http://127.0.0.1:8080/{region}",
        "http://localhost:9",
        "http://[::1]:8080",
        "http://127.10.0.2",
    ):
        assert PostgresClient("de/txl", token="t", env={}, api_url=local).base_url.startswith("http://")


def test_missing_credentials_fail_before_any_request(emulator: RunningEmulator) -> None:
    with pytest.raises(MissingCredentialsError, match="ionos:token"):
        PostgresClient("de-fra", api_url=emulator.api_url, env={})
    assert emulator.admin.requests() == []


def test_token_from_the_environment(emulator: RunningEmulator) -> None:
    client = PostgresClient("de-fra", env={"IONOS_TOKEN": emulator.token, "IONOS_API_URL": emulator.api_url})
    assert len(client.list_versions()) == 6


def test_explicit_token_wins_over_the_environment(emulator: RunningEmulator) -> None:
    client = PostgresClient(
        "de-fra", token=emulator.token, api_url=emulator.api_url, env={"IONOS_TOKEN": "stale"}
    )
    assert len(client.list_versions()) == 6


def test_basic_auth_is_the_fallback() -> None:
    with emulator_thread(allow_basic=True) as emu:
        client = PostgresClient(
            "de-fra",
            env={"IONOS_USERNAME": "me@example.com", "IONOS_PASSWORD": "pw", "IONOS_API_URL": emu.api_url},
        )
        assert len(client.list_versions()) == 6
    with emulator_thread() as strict:
        client = PostgresClient(
            "de-fra", env={"IONOS_USERNAME": "me", "IONOS_PASSWORD": "pw", "IONOS_API_URL": strict.api_url}
        )
        with pytest.raises(ApiError) as caught:
            client.list_versions()
        assert caught.value.http_status == 401


def test_the_token_never_shows(emulator: RunningEmulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = emulator.token
    client = PostgresClient("de-fra", api_url=emulator.api_url, token=token, env={})
    # an error body that echoes the token back (some proxies do) is redacted too
    emulator.admin.add_fault("status", status=403, message=f"token {token} is not allowed", times=1)
    with pytest.raises(ApiError) as caught:
        client.list_versions()
    client.list_versions()
    texts = [repr(client), str(client), str(caught.value), repr(caught.value), caplog.text]
    texts += [repr(client._transport.auth)]
    for text in texts:
        assert token not in text
    assert "***" in str(caught.value)


def test_the_client_refuses_to_be_pickled(emulator: RunningEmulator) -> None:
    client = PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={})
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(client)
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(client._transport.auth)
