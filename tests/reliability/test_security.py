"""Secrets stay secret, the emulator is not an open door, and TLS is always verified."""

from __future__ import annotations

import base64
import http.server
import pickle
import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from ionos_postgres_pulumi.emulator.testing import emulator_thread, kill_process, start_process
from ionos_postgres_pulumi.provider.api import PostgresClient, TransportError
from ionos_postgres_pulumi.provider.cluster_provider import PostgresV2ClusterProvider
from ionos_postgres_pulumi.provider.config import StackConfig
from scripts.pulumi_project import REPO, Engine
from tests.engine import PASSWORD, configure, copy_project, exported_state
from tests.payloads import PASSWORD as CLUSTER_PASSWORD
from tests.payloads import cluster_inputs
from tests.provider.harness import ProviderCallError, ProviderProcess
from tests.reliability.conftest import Scenario, count_plaintext


def test_the_pickled_provider_holds_no_secret_even_after_configure(figures: Scenario) -> None:
    token = "tok-" + "x" * 30
    provider = PostgresV2ClusterProvider()
    provider.configure(ConfigureRequest(Config({"ionos:token": token}, "ionos-postgres")))
    pickled = serialize_provider(provider)
    figures.plaintext_secrets = count_plaintext(
        [pickled, base64.b64decode(pickled).decode("latin-1")], [token]
    )
    # The configuration stays on the instance in the provider process; its pickled form has none.
    assert provider._config.token == token
    assert pickle.loads(base64.b64decode(pickled))._config == StackConfig()
    assert len(pickled) < 200
    assert figures.plaintext_secrets == 0


@pytest.mark.e2e
def test_no_plaintext_secret_in_state_logs_or_output(
    engine: Engine, tmp_path: Path, figures: Scenario
) -> None:
    with emulator_thread() as emu:
        stack = engine.stack(copy_project("basic", tmp_path), "dev")
        configure(stack, emu)
        up = stack.up(color="never", log_verbosity=9, log_flow=True, log_to_std_err=True)
        outputs = engine.cli(
            "stack", "output", "--json", "--stack", "dev", cwd=Path(stack.workspace.work_dir)
        )
        history = engine.cli(
            "stack", "history", "--json", "--stack", "dev", cwd=Path(stack.workspace.work_dir)
        )
        texts = [up.stdout, up.stderr, exported_state(engine, stack), outputs.stdout, history.stdout]
        assert len(up.stderr) > 10_000
        figures.plaintext_secrets = count_plaintext(texts, [PASSWORD, emu.token])
        stack.destroy(color="never")
    assert figures.plaintext_secrets == 0


def test_provider_errors_never_show_the_token_or_password(figures: Scenario) -> None:
    shown: list[str] = []

    def expect_error(call: Any, *args: Any) -> str:
        with pytest.raises(ProviderCallError) as caught:
            call(*args)
        assert "Traceback" not in caught.value.details
        shown.append(caught.value.details)
        return caught.value.details

    with emulator_thread() as emu:
        wrong = "wrong-" + emu.token
        with ProviderProcess() as process:
            process.configure({"ionos:token": wrong, "ionos:endpoint": emu.api_url})
            checked = process.check({}, cluster_inputs())
            assert list(checked.by_field) == ["ionos:token"]  # named at preview
            shown += [reason for _, reason in checked.failures]
            assert "HTTP 401" in expect_error(process.create, checked.inputs)
        shown.append(process.stderr())
        # the right token, and an API that echoes what it was sent (proxies and error pages do)
        echo = f"rejected: password {CLUSTER_PASSWORD!r}, token {emu.token}"
        with ProviderProcess() as process:
            process.configure({"ionos:token": emu.token, "ionos:endpoint": emu.api_url})
            inputs = process.check({}, cluster_inputs()).inputs
            emu.admin.add_fault("status", status=422, method="POST", message=echo, times=1)
            assert "***" in expect_error(process.create, inputs)
            cluster_id, outs = process.create(inputs)
            emu.admin.add_fault("status", status=403, method="GET", message=f"token {emu.token}", times=None)
            expect_error(process.read, cluster_id, outs)
            emu.admin.clear_faults()
            echo = f"rejected: password 'An0ther-Secret!', token {emu.token}"
            emu.admin.add_fault("status", status=422, method="PUT", message=echo, times=1)
            new = cluster_inputs(
                credentials={"username": "orders", "password": "An0ther-Secret!", "database": "orders"}
            )
            expect_error(process.update, cluster_id, outs, process.check(outs, new).inputs)
        shown.append(process.stderr())
    figures.plaintext_secrets = count_plaintext(
        shown, [CLUSTER_PASSWORD, "An0ther-Secret!", emu.token, wrong]
    )
    assert figures.plaintext_secrets == 0


def test_the_emulator_listens_on_loopback_and_wants_a_valid_token(tmp_path: Path, figures: Scenario) -> None:
    emulator = start_process(tmp_path)
    try:
        assert emulator.url.startswith("http://127.0.0.1:")
        listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True, check=False).stdout
        port = emulator.url.rsplit(":", 1)[1]
        sockets = [line for line in listening.splitlines() if re.search(rf"[:.]{port}\s", line)]
        assert sockets and all("127.0.0.1:" in line for line in sockets), sockets
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dTpw"}):
            response = requests.get(f"{emulator.url}/de-fra/clusters", headers=headers, timeout=5)
            assert response.status_code == 401
        assert requests.get(f"{emulator.url}/_emulator/requests", timeout=5).status_code == 401
    finally:
        kill_process(emulator)


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTPS server whose certificate no public authority signed."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )

    class Versions(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"items": [], "offset": 0, "limit": 100, "_links": {}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Versions)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_address[1]}", cert
    server.shutdown()


def test_tls_is_verified_and_a_private_ca_can_be_trusted(
    self_signed_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch, figures: Scenario
) -> None:
    url, cert = self_signed_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = PostgresClient("de-fra", api_url=url, token="t", env={})
    with pytest.raises(TransportError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        client.list_versions()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # a company's own CA, the documented way
    assert PostgresClient("de-fra", api_url=url, token="t", env={}).list_versions() == []


def test_nothing_in_the_project_turns_tls_verification_off(figures: Scenario) -> None:
    folders = ("ionos_postgres_pulumi/provider", "ionos_postgres_pulumi/components", "scripts")
    sources = [p for folder in folders for p in (REPO / folder).rglob("*.py")]
    offenders = [
        str(p.relative_to(REPO))
        for p in sources
        if re.search(
            r"verify\s*=\s*False|CERT_NONE|_create_unverified_context|check_hostname\s*=\s*False",
            p.read_text(),
        )
    ]
    assert offenders == []


def test_many_concurrent_clients_meet_no_error(figures: Scenario) -> None:
    from ionos_postgres_pulumi.provider.api import models
    from tests.payloads import cluster_properties

    errors: list[str] = []
    with emulator_thread() as emu:

        def client_session(worker: int) -> None:
            client = PostgresClient("de-fra", api_url=emu.api_url, token=emu.token, env={})
            try:
                created = client.create_cluster(
                    models.ClusterCreateProperties.model_validate(
                        cluster_properties(name=f"load-{worker:02d}")
                    )
                )
                for _ in range(25):
                    client.get_cluster(created.id)
                    client.list_clusters()
                    client.list_versions()
                client.delete_cluster(created.id)
            except Exception as exc:
                errors.append(f"{worker}: {exc}")

        threads = [threading.Thread(target=client_session, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        statuses = [r["status"] for r in emu.admin.requests()]
        assert len(statuses) == 16 * (2 + 25 * 3)
        assert {s for s in statuses} <= {200, 201, 202}
        assert emu.admin.clusters() == []
    assert errors == []
