"""`ionos-pg-discover`: list the clusters of a region (or all regions) and write a program that adopts them.

    ionos-pg-discover --location de/fra                    # print the program
    ionos-pg-discover --all --output adopted/              # write a Pulumi project folder

Credentials and endpoint as the provider reads them: `--token` or IONOS_TOKEN (IONOS_USERNAME and
IONOS_PASSWORD as the fallback), `--endpoint` or IONOS_API_URL (`{region}` in it stands for the region;
that is how one local emulator serves them all). Any failure is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import yaml

from .. import limits
from ..provider.api.auth import ENV_TOKEN
from ..provider.api.errors import ApiError, ConfigurationError, MissingCredentialsError
from ..provider.api.regions import ENV_API_URL, REGION_PLACEHOLDER, normalize_region
from ..provider.rules.marks import owner_of
from .program import FoundCluster, declarations, password_commands, program_source

PROG = "ionos-pg-discover"


class DiscoveryError(Exception):
    """What went wrong, in one line for the user."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find IONOS PostgreSQL v2 clusters and write a Pulumi program that adopts them.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--location", help="one region, such as de/fra or de-txl")
    where.add_argument("--all", action="store_true", help="every region: " + ", ".join(limits.REGIONS))
    parser.add_argument("--token", help=f"the API token (default: ${ENV_TOKEN})")
    parser.add_argument("--endpoint", help=f"the API's base URL, with {{region}} (default: ${ENV_API_URL})")
    parser.add_argument(
        "--output", type=Path, help="write a Pulumi project here (default: print the program)"
    )
    parser.add_argument(
        "--project", default="ionos-postgres-adopted", help="the project's name in Pulumi.yaml"
    )
    parser.add_argument("--virtualenv", help="Pulumi.yaml's virtualenv (default: this Python's, else 'venv')")
    parser.add_argument("--force", action="store_true", help="overwrite a project already in --output")
    return parser.parse_args(argv)


def regions_to_search(args: argparse.Namespace, endpoint: str | None) -> list[str]:
    if not args.all:
        return [normalize_region(args.location)]
    if endpoint and REGION_PLACEHOLDER not in endpoint:
        raise DiscoveryError(
            f"--all with the endpoint {endpoint!r} would ask one API for every region; put "
            f"{REGION_PLACEHOLDER} in it (as the emulator's IONOS_API_URL has it) or use --location"
        )
    return list(limits.REGIONS)


def find_clusters(
    regions: Sequence[str], token: str | None, endpoint: str | None, env: Mapping[str, str]
) -> list[FoundCluster]:
    """The regions' clusters, but those a Pulumi stack already manages (their description's mark says
    which): adopting one would take it from that stack, which this provider never does."""
    from ..provider.api import PostgresClient  # noqa: PLC0415 - requests and pydantic: only when asking
    from ..provider.rules.outputs import described  # noqa: PLC0415

    found = []
    for region in regions:
        try:
            with PostgresClient(region, token=token, api_url=endpoint, env=env) as client:
                listed = client.list_clusters()
        except MissingCredentialsError:
            raise DiscoveryError(f"no IONOS credentials: pass --token or set {ENV_TOKEN}") from None
        except ApiError as exc:
            raise DiscoveryError(f"cannot list the clusters of {region}: {exc}") from None
        for cluster in listed:
            owner = owner_of(cluster.properties.description)
            if owner:
                print(
                    f"{PROG}: skipped {cluster.name!r} ({cluster.id}, {region}): managed by {owner}",
                    file=sys.stderr,
                )
                continue
            found.append(FoundCluster(cluster.id, region, described(cluster)))
    return found


def project_yaml(name: str, virtualenv: str) -> str:
    settings = {
        "name": name,
        "description": f"IONOS PostgreSQL clusters adopted with {PROG}",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": virtualenv}},
    }
    return yaml.safe_dump(settings, sort_keys=False)


def this_virtualenv() -> str:
    """The virtualenv this command runs in (where the package is installed), else `venv` for `pulumi
    install` to create from requirements.txt."""
    return sys.prefix if sys.prefix != sys.base_prefix else "venv"


def write_project(args: argparse.Namespace, program: str) -> Path:
    folder: Path = args.output
    main = folder / "__main__.py"
    if main.exists() and not args.force:
        raise DiscoveryError(f"{main} exists; choose another --output, or pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(project_yaml(args.project, args.virtualenv or this_virtualenv()))
    (folder / "requirements.txt").write_text("ionos-postgres-pulumi\n")
    main.write_text(program)
    return folder


def run(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Find, render, and write or return the program; what to tell the user goes to stderr."""
    endpoint = args.endpoint or env.get(ENV_API_URL) or None
    found = find_clusters(regions_to_search(args, endpoint), args.token, endpoint, env)
    program = program_source(found, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    print(f"{PROG}: found {len(found)} cluster(s)", file=sys.stderr)
    if args.output is None:
        return program
    folder = write_project(args, program)
    print(f"{PROG}: wrote {folder / '__main__.py'}; before `pulumi up`, in {folder}:", file=sys.stderr)
    for line in password_commands(declarations(found)):
        print(f"  {line}", file=sys.stderr)
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        shown = run(args, os.environ)
    except (DiscoveryError, ConfigurationError, OSError) as exc:
        print(f"{PROG}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    if shown:
        sys.stdout.write(shown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
