"""The provider process ends when its engine is gone (provider/engine/watch.py), as it runs under the engine:
`python -m pulumi.dynamic <engine address>`, the provider module loaded by a first Check call."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2_grpc

from ionos_postgres_pulumi.provider.engine.watch import engine_address
from tests.provider.harness import ProviderProcess
from tests.scripts.processes import ends_within, is_running

NEWS = {"location": "de/fra"}  # a Check that fails validation still loads the provider module


# The engine's part: start the provider server, hold the read ends of its stdout and stderr (so that they
# break when this process dies, as the engine's do), pass on the port, and at the end what it said.
ENGINE = """
import subprocess, sys
provider = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic", sys.argv[1]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
print(provider.pid, provider.stdout.readline().decode().strip(), flush=True)
provider.wait()
sys.stderr.write(provider.stderr.read().decode())
"""


class ProviderUnder(ProviderProcess):
    """The SDK's provider server started by a stand-in engine process, with the engine's address given."""

    def __init__(self, address: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ENGINE, address], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert self.process.stdout is not None
        pid, port = self.process.stdout.readline().split()
        self.pid = int(pid)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(port)}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def close(self) -> None:
        self.channel.close()
        if is_running(self.pid):
            os.kill(self.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def engine_listener() -> Iterator[socket.socket]:
    """A port that accepts connections, as the engine's gRPC server does."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    yield listener
    listener.close()


def test_the_provider_exits_when_its_engine_process_is_killed() -> None:
    # An address that never accepted a connection: the parent's death alone must be noticed.
    provider = ProviderUnder("127.0.0.1:1")
    with provider:
        provider.check({}, NEWS)
        assert is_running(provider.pid)
        os.kill(provider.process.pid, signal.SIGKILL)  # the engine, killed with -9: the pipes break
        provider.process.wait(timeout=10)
        assert ends_within(provider.pid, 10), "the orphaned provider process is still running"


def test_the_provider_exits_when_its_engine_address_stops_accepting(
    engine_listener: socket.socket,
) -> None:
    # The parent stays (as a wrapper that does not exec would); only the engine's port goes away.
    port = engine_listener.getsockname()[1]
    provider = ProviderUnder(f"127.0.0.1:{port}")
    with provider:
        provider.check({}, NEWS)
        engine_listener.close()
        assert ends_within(provider.pid, 10), "the provider process outlived its engine's address"
        provider.process.wait(timeout=10)
        assert "the Pulumi engine is gone" in provider.stderr()


@pytest.mark.parametrize(
    ("arguments", "address"),
    [
        (["127.0.0.1:40123"], ("127.0.0.1", 40123)),
        (["--logtostderr", "-v=9", "--tracing", "127.0.0.1:9", "127.0.0.1:40123"], ("127.0.0.1", 40123)),
        (["[::1]:40123"], ("::1", 40123)),
        ([], None),
        (["127.0.0.1:40123\n"], None),
    ],
)
def test_the_engine_address_is_the_last_host_and_port_argument(
    arguments: list[str], address: tuple[str, int] | None
) -> None:
    assert engine_address(arguments) == address
