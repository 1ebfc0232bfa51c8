"""The emulator stands on its own: no Pulumi, no gRPC, nothing of the provider or the components.

It shares the API's published limits with the provider only as data (`ionos_postgres_pulumi.limits`),
so that its checks and the client's are separate code that can catch each other's mistakes.
"""

from __future__ import annotations

import json
import subprocess
import sys

MODULES = ("server", "app", "cli", "state", "testing", "handler", "api_routes", "admin_routes", "postgres")


def test_the_emulator_imports_nothing_of_pulumi_or_the_provider() -> None:
    script = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module('ionos_postgres_pulumi.emulator.' + name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    )
    assert "ionos_postgres_pulumi.emulator.server" in loaded  # the imports did happen
    forbidden = [
        name
        for name in loaded
        if name.split(".")[0] in {"pulumi", "grpc"}
        or name.startswith(("ionos_postgres_pulumi.provider", "ionos_postgres_pulumi.components"))
    ]
    assert forbidden == []
