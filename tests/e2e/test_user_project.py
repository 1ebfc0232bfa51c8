"""The package as a user meets it: a wheel installed into a fresh virtualenv, used by a Pulumi project that
has its own `components/`, `provider/` and `emulator/` folders (a common layout of Pulumi projects).

The program, and the provider process the engine starts for it, must load this package from the wheel;
the project's folders of the same names must neither shadow it nor be shadowed by it.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from ionos_postgres_pulumi.emulator.installations import installed_servers
from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from scripts.pulumi_project import REPO, Engine, write_project
from tests.engine import NO_HOST, PASSWORD, cluster_program, configure

pytestmark = pytest.mark.e2e

ROOT = "ionos_postgres_pulumi"
# Every Python of the fresh virtualenv notes who it is when it starts (a .pth line runs at start-up).
TRACE_PTH = (
    "import os, sys; p = os.environ.get('USER_PROJECT_TRACE'); "
    "p and open(p, 'a').write(repr((sys.executable, tuple(sys.argv))) + chr(10))\n"
)
OWN_PACKAGE = """import pathlib, sys
pathlib.Path(__file__).parents[1].joinpath("imports.log").open("a").write(f"{__name__} {sys.argv}\\n")


def cluster_name() -> str:
    return "users-db"
"""
PROGRAM = """import pulumi

import components  # the project's own folders, beside the package's subpackages of the same names
import emulator
import provider
from ionos_postgres_pulumi import ConnectionArgs, CredentialsArgs, PostgresCluster, PostgresClusterArgs

db = PostgresCluster(
    components.cluster_name(),
    PostgresClusterArgs(
        location="de/fra",
        deletion_protection=False,
        connection=ConnectionArgs(
            datacenter_id="5a029f4a-72e5-11ec-90d6-0242ac120003", lan_id="1",
            primary_instance_address="192.168.7.10/24",
        ),
        credentials=CredentialsArgs(
            username="app", password=pulumi.Config().require_secret("password"), database="app"
        ),
    ),
)
pulumi.export("dnsName", db.dns_name)
"""


CARD_LINKS = ("provider", "components", "emulator")  # the card's top-level names: links into ROOT


def build_wheel(source: Path, out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(source)],
        check=True,
    )
    (built,) = out.glob("*.whl")
    return built


def copy_sources(target: Path, links: bool) -> Path:
    """The checkout's package sources; `links=False` as a clone with `core.symlinks=false` has them (Git for
    Windows, by default): each link a small text file that holds its target."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    shutil.copytree(REPO / ROOT, target / ROOT, ignore=shutil.ignore_patterns("__pycache__"))
    for name in CARD_LINKS:
        if links:
            (target / name).symlink_to(Path(ROOT) / name)
        else:
            (target / name).write_text(str(Path(ROOT) / name))
    return target


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # Built from copies of the sources: setuptools' build/ folder in a checkout can hold stale modules.
    return {
        kind: build_wheel(
            copy_sources(tmp_path_factory.mktemp(f"source-{kind}"), links=kind == "links"),
            tmp_path_factory.mktemp(f"wheel-{kind}"),
        )
        for kind in ("links", "no-links")
    }


@pytest.fixture(scope="module")
def wheel(wheels: dict[str, Path]) -> Path:
    """The wheel of a checkout without symbolic links: what a user on Git for Windows installs."""
    return wheels["no-links"]


def test_a_checkout_without_symbolic_links_builds_the_same_wheel(wheels: dict[str, Path]) -> None:
    with_links, without = (sorted(zipfile.ZipFile(wheels[k]).namelist()) for k in ("links", "no-links"))
    assert without == with_links
    assert len(without) > 70


def test_git_writes_the_links_as_text_files_when_it_may_not_make_links(tmp_path: Path) -> None:
    """What `copy_sources(links=False)` stands for, checked against git itself."""
    subprocess.run(
        ["git", "clone", "--quiet", "-c", "core.symlinks=false", str(REPO), str(tmp_path / "clone")],
        check=True,
    )
    for name in CARD_LINKS:
        assert not (tmp_path / "clone" / name).is_symlink()
        assert (tmp_path / "clone" / name).read_text() == f"{ROOT}/{name}"
        assert (tmp_path / "clone" / ROOT / name / "__init__.py").is_file()


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with nothing but the wheel and its dependencies (not an editable install)."""
    target = tmp_path_factory.mktemp("user") / "venv"
    venv.create(target, with_pip=True)
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True)
    (site,) = (target / "lib").glob("python3*/site-packages")
    (site / "zz_user_project_trace.pth").write_text(TRACE_PTH)
    return target


def test_the_wheel_installs_one_import_root(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {ROOT, f"{ROOT}-0.1.0.dist-info"}
    assert f"{ROOT}/py.typed" in names
    sources = {
        str(path.relative_to(REPO)) for path in (REPO / ROOT).rglob("*.py") if "__pycache__" not in path.parts
    }
    assert sources <= set(names), sources - set(names)  # every module of the three folders, subpackages too
    assert f"{ROOT}/provider/cluster_provider.py" in names
    assert f"{ROOT}/emulator/seed.json" in names
    entry_points = zipfile.ZipFile(wheel).read(f"{ROOT}-0.1.0.dist-info/entry_points.txt").decode()
    assert f"ionos-pg-emulator = {ROOT}.emulator.cli:main" in entry_points
    assert f"{ROOT} = {ROOT}.emulator.pytest_plugin" in entry_points


def test_the_public_names_import_from_the_root_in_a_fresh_virtualenv(fresh_venv: Path) -> None:
    shown = subprocess.run(
        [
            str(fresh_venv / "bin" / "python"),
            "-c",
            "import ionos_postgres_pulumi as p; print(p.__file__); print(' '.join(p.__all__)); "
            "print(p.PostgresCluster.__module__, p.PostgresV2Cluster.__module__, p.get_cluster.__module__)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=fresh_venv,
    ).stdout.splitlines()
    assert shown[0].startswith(str(fresh_venv / "lib"))  # the installed copy, not this checkout
    assert {"PostgresCluster", "PostgresClusterArgs", "PostgresV2Cluster", "get_cluster"} <= set(
        shown[1].split()
    )
    assert (
        shown[2] == f"{ROOT}.components.postgres_cluster {ROOT}.provider.resource {ROOT}.components.lookups"
    )


def write_users_project(where: Path, virtualenv: Path) -> Path:
    """The user's project, with packages of its own named like ours."""
    project = write_project(where, "users", PROGRAM, virtualenv=virtualenv)
    for folder in ("components", "provider", "emulator"):
        (project / folder).mkdir()
        (project / folder / "__init__.py").write_text(OWN_PACKAGE)
    return project


def test_a_user_project_with_folders_named_like_ours(
    engine: Engine, e2e_emulator: RunningEmulator, fresh_venv: Path, tmp_path: Path
) -> None:
    project = write_users_project(tmp_path / "users", fresh_venv)
    trace = tmp_path / "trace.log"
    extra_env = {"USER_PROJECT_TRACE": str(trace)}
    if engine.has_language_host:
        # A Python that is not the project's, in the way: the plugin must take Pulumi.yaml's virtualenv.
        extra_env["PULUMI_PYTHON_CMD"] = sys.executable
    python = str(fresh_venv / "bin" / "python")
    user_engine = Engine(engine.bin_dirs, engine.backend_dir, engine.passphrase, extra_env, python)
    configure(user_engine.stack(project, "dev", inline=False), e2e_emulator)

    def run(operation: str) -> str:
        # The fresh virtualenv's Python drives the engine: with a language host the project runs as
        # `pulumi up` runs it; without one, as an inline program of this (the user's) Python.
        done = subprocess.run(
            [user_engine.python, str(REPO / "scripts" / "pulumi_project.py"), operation, str(project), "dev"],
            env=user_engine.env(),
            capture_output=True,
            text=True,
            cwd=project,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run("up")
    (cluster,) = [c for c in e2e_emulator.admin.clusters() if c["name"] == "users-db"]
    assert cluster["state"] == "AVAILABLE"
    shown = user_engine.cli("stack", "output", "dnsName", "--stack", "dev", cwd=project).stdout.strip()
    assert shown == cluster["dnsName"]

    exported = json.loads(user_engine.cli("stack", "export", "--stack", "dev", cwd=project).stdout)
    (resource,) = [r for r in exported["deployment"]["resources"] if r["type"].endswith("PostgresV2Cluster")]
    pickled = base64.b64decode(resource["outputs"]["__provider"])
    assert f"{ROOT}.provider.cluster_provider".encode() in pickled  # the namespaced reference

    run("destroy")
    assert [c for c in e2e_emulator.admin.clusters() if c["name"] == "users-db"] == []

    # The provider process ran with the project's virtualenv, which has the wheel and no checkout.
    # At start-up, `python -u -m pulumi.dynamic <engine address>` shows its arguments as ['-m', '<address>'].
    started = {ast.literal_eval(line) for line in trace.read_text().splitlines()}
    providers = [
        (python, argv) for python, argv in started if re.fullmatch(r"-m 127\.0\.0\.1:\d+", " ".join(argv))
    ]
    assert len(providers) == 2, started  # one for up, one for destroy
    # The project's own folders were imported by its program, and never by a provider process.
    imports = (project / "imports.log").read_text().splitlines()
    assert {line.split()[0] for line in imports} == {"components", "provider", "emulator"}
    assert not [line for line in imports if "pulumi/dynamic" in line]
    assert PASSWORD not in json.dumps(exported)


INFRA = cluster_program("users-db", "192.168.7.10/24")


def examples_of_the_testing_guide() -> list[str]:
    """docs/testing.md's Python examples, as a user copies them into a test file."""
    return re.findall(r"```python\n(.*?)```", (REPO / "docs" / "testing.md").read_text(), re.S)


def test_a_users_own_test_suite_runs_the_testing_guides_examples(
    engine: Engine, wheel: Path, fresh_venv: Path, tmp_path: Path
) -> None:
    """docs/testing.md as a user follows it: the wheel with its `testing` extra in the project's virtualenv,
    the guide's examples as their tests (a backend of their own, the `ionos_emulator` fixture, and the
    real-PostgreSQL mode where a server is installed), `pulumi up` of their project `infra/` through the
    engine."""
    if not engine.has_language_host:
        pytest.skip("the examples run their project with the Python language host; " + NO_HOST)
    python = str(fresh_venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, f"{wheel}[testing]"], check=True)
    suite = tmp_path / "suite"
    write_project(suite / "infra", "my-project", INFRA, virtualenv=fresh_venv)
    plugin_only, with_postgres = examples_of_the_testing_guide()
    examples = [plugin_only, with_postgres] if installed_servers() else [plugin_only]
    (suite / "test_infra.py").write_text("\n\n".join(examples))
    # The guide chooses the backend: the one the engine's tests use must not be in the environment.
    env = {k: v for k, v in engine.env().items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    env.pop("PULUMI_BACKEND_URL")
    ran = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
        env={**env, "PULUMI_PYTHON_CMD": python, "PULUMI_HOME": str(tmp_path / "pulumi-home")},
        capture_output=True,
        text=True,
        cwd=suite,
        check=False,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"{len(examples)} passed" in ran.stdout
