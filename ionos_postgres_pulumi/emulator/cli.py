"""`ionos-pg-emulator`: run the local IONOS PostgreSQL v2 API emulator."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .app import EmulatorConfig, build_server
from .pace import Paces
from .server import EmulatorServer, serve_in_thread
from .settings import DEFAULT_IDLE_TIMEOUT, new_token, token_problem

ENV_TOKEN = "IONOS_EMULATOR_TOKEN"  # noqa: S105 - the name of a variable


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="ionos-pg-emulator",
        description="A local emulator of the IONOS Cloud DBaaS PostgreSQL v2 API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one (default: 8080)")
    parser.add_argument("--data-dir", type=Path, help="keep state in SQLite here (default: in memory)")
    parser.add_argument(
        "--token", help=f"the Bearer token clients must send (default: ${ENV_TOKEN}, else random)"
    )
    parser.add_argument("--any-token", action="store_true", help="accept any non-empty Bearer token")
    parser.add_argument("--allow-basic", action="store_true", help="also accept HTTP basic auth")
    parser.add_argument(
        "--pace",
        default="immediate",
        help="time a transition takes: '10s' for all, or 'create=30s,update=10s,delete=5s'; "
        "each is seconds, 'immediate' or 'manual' (default: immediate)",
    )
    parser.add_argument("--seed", type=Path, help="a JSON file of versions and backup locations")
    parser.add_argument("--default-region", default="de-txl", help="region of paths without a region prefix")
    parser.add_argument("--rate-limit", type=float, help="requests per second per token before answering 429")
    parser.add_argument("--rate-burst", type=int, help="burst allowed above the rate limit")
    parser.add_argument("--no-put-create", action="store_true", help="PUT on an unknown cluster id gives 404")
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=DEFAULT_IDLE_TIMEOUT,
        help="seconds a connection may wait for its next request or the rest of a body before it is "
        f"closed (default: {DEFAULT_IDLE_TIMEOUT:g})",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="back every cluster with a real PostgreSQL server on a loopback address of its own (needs "
        "a PostgreSQL installation and --data-dir)",
    )
    parser.add_argument("--info-file", type=Path, help="write {url, apiUrl, token, pid} as JSON here")
    parser.add_argument("--verbose", "-v", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s"
    )
    token = args.token or os.environ.get(ENV_TOKEN)
    generated = token is None and not args.any_token
    if generated:
        token = new_token()
    if token is not None and (problem := token_problem(token)):
        print(f"ionos-pg-emulator: the token (--token or ${ENV_TOKEN}) {problem}", file=sys.stderr)
        return 2
    try:
        server = build_server(config_from(args, token))
    except Exception as exc:  # a missing PostgreSQL, a bad seed file: say it, no traceback
        print(f"ionos-pg-emulator: {exc}", file=sys.stderr)
        return 2
    stop = serve_in_thread(server)
    if args.info_file:
        write_info(args.info_file, server, token, args.postgres)
    announce(server, args.data_dir, token if generated else None)
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    done.wait()
    stop()
    server.state.backend.close()
    server.state.storage.close()
    return 0


def config_from(args: argparse.Namespace, token: str | None) -> EmulatorConfig:
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        token=token,
        any_token=args.any_token,
        allow_basic=args.allow_basic,
        paces=Paces.parse(args.pace),
        seed=args.seed,
        default_region=args.default_region,
        rate_limit=args.rate_limit,
        rate_burst=args.rate_burst,
        put_creates=not args.no_put_create,
        postgres=args.postgres,
        idle_timeout=args.idle_timeout,
    )


def write_info(path: Path, server: EmulatorServer, token: str | None, postgres: bool) -> None:
    """{url, apiUrl, token, pid, postgres} for the process that started us; whole or absent."""
    info = {
        "url": server.url,
        "apiUrl": server.url + "/{region}",
        "token": token,
        "pid": os.getpid(),
        "postgres": postgres,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(info, handle)
    partial.replace(path)  # readers never see half a file


def announce(server: EmulatorServer, data_dir: Path | None, generated_token: str | None) -> None:
    pace = ", ".join(f"{k}={v}" for k, v in server.state.paces.describe().items())
    print(f"IONOS PostgreSQL v2 emulator listening on {server.url}", flush=True)
    print(f"  regions: {server.url}/<region>/clusters ...; state: {data_dir or 'in memory'}; pace: {pace}")
    print(f"  export IONOS_API_URL='{server.url}/{{region}}'")
    if generated_token:
        print(
            f"  export IONOS_TOKEN='{generated_token}'   # generated for this run; pass --token to choose one"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
