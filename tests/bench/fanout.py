"""Subscription fan-out: N anonymous `catalogueChanged` subscribers split over two instances sharing Redis
(the relay runs in the second); the time from a status move's committed response until each subscriber
has its message, p50/p99. Everything (both servers, the relay and the N clients) shares this one process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
      .venv/bin/python -m tests.bench.fanout 1000 [--json]

`scripts/bench` runs it as its `fanout` step (tests/bench/steps.py), in a process of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid

import asyncpg
import httpx
from secantus import SecantusDBServer
from websockets.asyncio.client import connect

from graph.app import create_app
from graph.services import Services
from graph.settings import Settings
from models.store.migrate import upgrade
from tests.support.builders import make_cast
from tests.support.live import served, until

SUBSCRIPTION = "subscription { catalogueChanged { launchId kind } }"
CONFIRM = "mutation($id: ID!) { confirmLaunch(id: $id) { __typename } }"


async def subscriber(address: str, received: list[float], opening: asyncio.Semaphore) -> None:
    async with opening:  # a bounded number of handshakes at once: a loaded machine times none of them out
        ws = await connect(f"ws://{address}/graphql", subprotocols=["graphql-transport-ws"], open_timeout=60)  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
    async with ws:
        await ws.recv()
        received.append(time.perf_counter())


async def measure(settings: Settings, count: int) -> list[float]:
    first, second = create_app(settings), create_app(settings.model_copy(update={"run_worker": True}))
    async with served(first) as a, served(second) as b:
        services = Services.build(settings)
        cast = await make_cast(services)
        received: list[float] = []
        opening = asyncio.Semaphore(50)
        tasks = [asyncio.create_task(subscriber(a if n % 2 else b, received, opening)) for n in range(count)]
        brokers = (first.state.services.live, second.state.services.live)
        await until(lambda: sum(broker.subscriber_count() for broker in brokers) == count, seconds=120)
        async with httpx.AsyncClient(base_url=f"http://{b}") as client:
            headers = {"Authorization": f"Bearer {cast.tokens['agency']}"}
            await client.post("/graphql", json={"query": CONFIRM, "variables": {"id": cast.launch.id}}, headers=headers)
            committed = time.perf_counter()
        async with asyncio.timeout(60):
            await asyncio.gather(*tasks)
        await services.close()
    return sorted(at - committed for at in received)


async def main(count: int) -> dict[str, float]:
    """p50, p99 and the last subscriber's delay (seconds) for `count` subscribers."""
    admin = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"astro_fanout_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin.rsplit('/', 1)[0]}/{name}"
    mongo = SecantusDBServer(host="127.0.0.1", port=0, storage_path=tempfile.mkdtemp())
    mongo.start()
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(
            database_url=url,
            mongodb_url=mongo.uri,
            mongodb_db="fanout",
            redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            cache_namespace=f"fanout-{uuid.uuid4().hex[:6]}",
            run_worker=False,
            rate_limit_per_ip=0,
        )
        latencies = await measure(settings, count)
        p50, p99 = latencies[len(latencies) // 2], latencies[max(0, int(len(latencies) * 0.99) - 1)]
        return {"subscribers": count, "p50": p50, "p99": p99, "last": latencies[-1]}
    finally:
        mongo.stop()
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    figures = asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1000))
    if "--json" in sys.argv:
        print(json.dumps(figures))
    else:
        ms = {key: value * 1000 for key, value in figures.items() if key != "subscribers"}
        print(
            f"{figures['subscribers']:.0f} subscribers on 2 instances: p50 {ms['p50']:.0f} ms, "
            f"p99 {ms['p99']:.0f} ms, last {ms['last']:.0f} ms"
        )
