"""The federated gateway in front of service instances, started ONCE per module (its instances run relays
and usage flushes: they must be gone before other tests own the outbox) by the operator's own
script (`python -m scripts.gateway`, what scripts/gateway runs): 2 instances sharing Redis when REDIS_URL is
set (1 otherwise), the session's PostgreSQL database and MongoDB-wire server. Tests create their data
in-process (the `app`, `services` and `cast` fixtures) on the same stores and talk to the gateway over HTTP
and WebSocket. Skipped only where Node.js is absent."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from graph.settings import Settings
from scripts.gateway import HERE, ROOT, free_port, stop, wait_ready
from tests.gateway.stub import SDL, stub_app
from tests.support.live import served

if shutil.which("node") is None:
    pytest.skip("Node.js is needed for the gateway", allow_module_level=True)


@dataclass(frozen=True)
class Fleet:
    gateway: str  # host:port of the gateway
    instances: list[str]  # host:port of each service instance
    settings: Settings  # the stores and the secret every process uses


@pytest.fixture(scope="session")
async def stub_subgraph(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Another team's subgraph (tests/gateway/stub.py), served in this process: `name=url=sdl file`."""
    sdl = tmp_path_factory.mktemp("stub") / "stub.graphql"
    sdl.write_text(SDL)
    async with served(stub_app()) as address:
        yield f"stub=http://{address}/graphql={sdl}"


@pytest.fixture(scope="module")
def fleet(
    database_url: str, mongodb_url: str, stub_subgraph: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fleet]:
    assert (HERE / "node_modules").is_dir(), "scripts/gateway.d/node_modules is missing: run scripts/setup"
    tag = uuid.uuid4().hex[:10]
    redis_url = os.environ.get("REDIS_URL") or None
    settings = Settings(
        database_url=database_url,
        mongodb_url=mongodb_url,
        mongodb_db=f"astro_gw_{tag}",
        redis_url=redis_url,
        cache_namespace=f"test-gw-{tag}",
        data_dir=tmp_path_factory.mktemp("gateway"),
        run_worker=False,
        vip_early_access_hours=0,
        gateway_secret=secrets.token_urlsafe(32),
    )
    count = 2 if redis_url else 1  # several instances share their cache through Redis
    port, first = free_port(), consecutive_free_ports(count)
    while port in range(first, first + count):
        first = consecutive_free_ports(count)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MONGODB_URL": mongodb_url,
        "ASTRO_MONGODB_DB": settings.mongodb_db,
        "ASTRO_CACHE_NAMESPACE": settings.cache_namespace,
        "ASTRO_DATA_DIR": str(settings.data_dir),
        "ASTRO_VIP_EARLY_ACCESS_HOURS": "0",
        "ASTRO_RESPONSE_CACHE": "false",  # each test truncates the tables the cached answers came from
        "ASTRO_WORKER_POLL_SECONDS": "0.5",
        "ASTRO_GATEWAY_SECRET": settings.gateway_secret or "",
        "ASTRO_WS_AUTH_CHECK_SECONDS": "0.5",  # a revoked token's socket closes within the test's patience
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "scripts.gateway", "--instances", str(count), "--port", str(port)]
    command += ["--first-port", str(first), "--no-prepare", "--subgraph", stub_subgraph]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - the operator's own script
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthcheck", process, seconds=240)
        instances = [f"127.0.0.1:{first + i}" for i in range(count)]
        yield Fleet(f"127.0.0.1:{port}", instances, settings)
    finally:
        stop([process])


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive ports free right now (the instances take consecutive ports)."""
    while True:
        first = free_port()
        with contextlib.ExitStack() as probes:
            try:
                for port in range(first + 1, first + count):
                    probes.enter_context(socket.create_server(("127.0.0.1", port)))
            except OSError:
                continue
        return first


@pytest.fixture
def settings(fleet: Fleet) -> Settings:
    """The in-process app of each test shares the fleet's stores (root conftest's `app` truncates them)."""
    return fleet.settings
