"""Credentials never leave in clear: plain http:// carries the token only to this machine, a proxy
included. A proxy on loopback (a real one, which records what it is sent) is allowed; a proxy elsewhere
is refused before anything is sent, unless NO_PROXY sends the request past it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import ConfigurationError, PostgresClient
from ionos_postgres_pulumi.provider.api.throttle import RateGate
from tests.api.servers import RecordingProxy, serving

ELSEWHERE = "http://proxy.example.net:3128"  # not this machine; never resolved, never connected to
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    recording = RecordingProxy()
    with serving(recording):
        yield recording


def make_client(emulator: RunningEmulator) -> PostgresClient:
    return PostgresClient("de-fra", api_url=emulator.api_url, token=emulator.token, env={}, gate=RateGate())


def served(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the emulator was asked for (read with the proxies of the test out of the way)."""
    with monkeypatch.context() as scope:
        for name in PROXY_VARIABLES:
            scope.delenv(name, raising=False)
        return [r["path"] for r in emulator.admin.requests()]


def test_a_proxy_on_this_machine_is_allowed(
    emulator: RunningEmulator, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with make_client(emulator) as client:
        assert len(client.list_versions()) == 6
    assert len(proxy.received) == 1
    assert proxy.received[0].startswith(f"GET {emulator.url}/de-fra/versions?")  # it went through the proxy
    assert served(emulator, monkeypatch) == ["/versions"]


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_a_proxy_elsewhere_is_refused_before_anything_is_sent(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, ELSEWHERE)
    with pytest.raises(ConfigurationError) as caught:
        make_client(emulator)
    message = str(caught.value)
    assert "proxy.example.net" in message and "unencrypted" in message and "NO_PROXY" in message
    assert emulator.token not in message
    assert served(emulator, monkeypatch) == []


def test_a_proxy_set_after_the_client_was_made_is_refused_too(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with make_client(emulator) as client:
        monkeypatch.setenv("HTTP_PROXY", "socks5://proxy.example.net:1080")
        with pytest.raises(ConfigurationError, match=r"proxy\.example\.net"):
            client.list_versions()
    assert served(emulator, monkeypatch) == []


def test_no_proxy_sends_the_request_past_the_proxy(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", ELSEWHERE)
    monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
    with make_client(emulator) as client:
        assert len(client.list_versions()) == 6
    assert served(emulator, monkeypatch) == ["/versions"]


def test_the_proxy_credentials_are_not_shown(
    emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxyuser:Proxy-Pass@proxy.example.net:3128")
    with pytest.raises(ConfigurationError) as caught:
        make_client(emulator)
    assert "Proxy-Pass" not in str(caught.value) and "proxyuser" not in str(caught.value)


def test_https_through_a_proxy_elsewhere_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The token travels inside TLS, through the proxy's tunnel: nothing to refuse (nothing is sent here)."""
    monkeypatch.setenv("HTTPS_PROXY", ELSEWHERE)
    monkeypatch.setenv("HTTP_PROXY", ELSEWHERE)
    client = PostgresClient("de-fra", token="a-token", env={}, gate=RateGate())
    assert client.base_url == "https://postgresql.de-fra.ionos.com"
    client.close()
