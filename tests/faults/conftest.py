"""Store-fault fixtures: a Redis server and a PostgreSQL cluster of the module's own, started once per module,
that tests stop, pause and restart; each test leaves them running and writable for the next one."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from graph.settings import Settings
from tests.support.edge import StartEdge, edges
from tests.support.faults import PostgresCluster, RedisServer, broken_invariants
from tests.support.graphql import GraphQLClient

WAIT_SECONDS = 5.0


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (CI installs it)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresCluster]:
    from models.store.migrate import upgrade

    cluster = PostgresCluster(tmp_path_factory.mktemp("pg"))
    cluster.start()
    name = f"astro_faults_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        conn = await asyncpg.connect(cluster.url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    cluster.database_url = cluster.url.rsplit("/", 1)[0] + f"/{name}"  # type: ignore[attr-defined]
    upgrade(cluster.database_url)  # type: ignore[attr-defined]
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_settings(settings: Settings, own_redis: RedisServer) -> Iterator[Settings]:
    """The test's settings on the module's own Redis; it is running and writable again afterwards."""
    yield settings.model_copy(update={"redis_url": own_redis.url, "rate_limit_per_ip": 0, "rate_limit_per_user": 0})
    if own_redis.process is None:
        own_redis.start()
    own_redis.accept_writes()


@pytest.fixture
async def fault_edge(redis_settings: Settings) -> AsyncIterator[StartEdge]:
    """`await fault_edge()`: instances sharing the module's Redis (and the test's PostgreSQL, MongoDB)."""
    async with edges(redis_settings) as start:
        yield start
    assert await broken_invariants(redis_settings.database_url or "") == {}


def gql_of(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


async def eventually(condition: Callable[[], bool | Awaitable[bool]], seconds: float = WAIT_SECONDS) -> None:
    """Wait until `condition` holds (a signal from another instance arriving), failing after `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        outcome: Any = condition()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.01)  # yield to the listener task; bounded by the deadline above
