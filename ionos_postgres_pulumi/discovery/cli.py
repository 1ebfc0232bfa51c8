"""`ionos-pg-discover`: list the clusters of a region (or all regions) and write a program that adopts them.

    ionos-pg-discover --location de/fra                    # print the program
    ionos-pg-discover --all --output adopted/              # write a Pulumi project folder

Credentials and endpoint as the provider pairs them: `--token` goes to `--endpoint` (else IONOS's own
hosts), IONOS_TOKEN (IONOS_USERNAME and IONOS_PASSWORD as the fallback) to IONOS_API_URL (else IONOS's own),
and to `--endpoint` only when that is the same endpoint (`{region}` in an endpoint stands for the region;
that is how one local emulator serves them all). Any failure is one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from .. import limits
from ..provider.api.auth import ENV_TOKEN
from ..provider.api.errors import ApiError, ConfigurationError, MissingCredentialsError
from ..provider.api.printable import printable
from ..provider.api.regions import ENV_API_URL, REGION_PLACEHOLDER, normalize_region
from ..provider.rules.marks import owner_of
from . import program
from .program import (
    FoundCluster,
    declarations,
    not_adopted_because,
    password_commands,
    program_source,
    refusal,
)

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


@dataclass
class Found:
    """What the regions hold: the clusters to adopt, and those left out with the reason."""

    clusters: list[FoundCluster] = field(default_factory=list)
    left_out: list[tuple[FoundCluster, str]] = field(default_factory=list)


def find_clusters(
    regions: Sequence[str], token: str | None, endpoint: str | None, env: Mapping[str, str]
) -> Found:
    """The regions' clusters, but those a Pulumi stack already manages (their description's mark says
    which: adopting one would take it from that stack, which this provider never does) and those that are
    not AVAILABLE (a cluster being deleted would come back empty), each said on stderr."""
    from ..provider.api import PostgresClient  # noqa: PLC0415 - requests and pydantic: only when asking
    from ..provider.rules.outputs import described  # noqa: PLC0415

    found = Found()
    for region in regions:
        try:
            with PostgresClient(region, token=token, api_url=endpoint, env=env) as client:
                listed = client.list_clusters()
        except MissingCredentialsError:
            raise DiscoveryError(f"no IONOS credentials: pass --token or set {ENV_TOKEN}") from None
        except ApiError as exc:
            raise DiscoveryError(f"cannot list the clusters of {region}: {exc}") from None
        for cluster in listed:
            refused = refusal(cluster.id, cluster.metadata.state)
            if refused:
                raise DiscoveryError(
                    f"the service listed a cluster in {region} that cannot be adopted: {refused}; "
                    "no program was written"
                )
            candidate = FoundCluster(cluster.id, region, described(cluster))
            owner = owner_of(cluster.properties.description)
            why = f"managed by {printable(owner)}" if owner else not_adopted_because(candidate.state)
            if why:
                print(f"{PROG}: skipped {program.described(candidate)}: {why}", file=sys.stderr)
                found.left_out.append((candidate, why))
            else:
                found.clusters.append(candidate)
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


def write_project(args: argparse.Namespace, source: str) -> Path:
    folder: Path = args.output
    main = folder / "__main__.py"
    if main.exists() and not args.force:
        raise DiscoveryError(f"{main} exists; choose another --output, or pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    write_whole(folder / "Pulumi.yaml", project_yaml(args.project, args.virtualenv or this_virtualenv()))
    write_whole(folder / "requirements.txt", "ionos-postgres-pulumi\n")
    write_whole(main, source)
    return folder


def write_whole(path: Path, text: str) -> None:
    """`text` into `path` whole or not at all: written beside it under another name, then renamed, so that
    a failure (a full disk, text that cannot be encoded) leaves what was there, never half a file."""
    encoded = text.encode("utf-8")
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(encoded)
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Find, render, and write or return the program; what to tell the user goes to stderr."""
    # --token goes with --endpoint (else IONOS's own), IONOS_TOKEN with IONOS_API_URL (see `endpoint_for`)
    in_use = args.endpoint or (None if args.token else env.get(ENV_API_URL)) or None
    found = find_clusters(regions_to_search(args, in_use), args.token, args.endpoint, env)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = program_source(found.clusters, when, found.left_out)
    print(f"{PROG}: found {len(found.clusters)} cluster(s) to adopt", file=sys.stderr)
    if args.output is None:
        return source
    folder = write_project(args, source)
    print(f"{PROG}: wrote {folder / '__main__.py'}; before `pulumi up`, in {folder}:", file=sys.stderr)
    for line in password_commands(declarations(found.clusters)):
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
