"""Fixtures: real PostgreSQL (DATABASE_URL or embedded), a SecantusDB MongoDB-wire server, Redis
(REDIS_URL) or the memory cache. Every test starts from empty stores."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from graph.app import create_app
from graph.settings import Settings
from tests.support.builders import Cast, make_cast
from tests.support.edge import StartEdge, edges
from tests.support.graphql import GraphQLClient
from tests.support.stores import admin_dsn, drop_mongo_database, truncate


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    from models.store.embedded import embedded_postgres

    with embedded_postgres(tmp_path_factory.mktemp("pg")) as embedded_url:
        yield embedded_url


@pytest.fixture(scope="session")
def database_url(pg_server_url: str) -> Iterator[str]:
    """A database of its own for this test session, migrated once."""
    from models.store.migrate import upgrade

    name = f"astro_test_{uuid.uuid4().hex[:12]}"
    admin = admin_dsn(pg_server_url)

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    url = _with_database(pg_server_url, name)
    upgrade(url)
    yield url
    asyncio.run(admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _with_database(url: str, name: str) -> str:
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}{sep}{query}"


@pytest.fixture(scope="session")
def mongodb_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from secantus import SecantusDBServer

    server = SecantusDBServer(host="127.0.0.1", port=0, storage_path=str(tmp_path_factory.mktemp("mongo")))
    server.start()
    yield server.uri
    server.stop()


@pytest.fixture
def settings(database_url: str, mongodb_url: str) -> Settings:
    tag = uuid.uuid4().hex[:10]
    return Settings(
        database_url=database_url,
        mongodb_url=mongodb_url,
        mongodb_db=f"astro_{tag}",
        redis_url=os.environ.get("REDIS_URL") or None,
        cache_namespace=f"test-{tag}",
        data_dir=Path(".astro-test"),
        run_worker=False,  # tests that need delivery run a relay of their own
        # Launches scheduled in tests are public at once; the VIP early-access tests turn the window on.
        vip_early_access_hours=0,
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    await truncate(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        from models.store import mongo

        await mongo.run_sync(mongo.ensure_indexes)
        yield application
        await mongo.run_sync(drop_mongo_database)


@pytest.fixture
def services(app: Starlette) -> Any:
    return app.state.services


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def edge(settings: Settings) -> AsyncIterator[StartEdge]:
    """`await edge(test_fields=False, **settings)`: a running app (several may share the stores)."""
    async with edges(settings) as start:
        yield start


@pytest.fixture
async def cast(services: Any) -> Cast:
    return await make_cast(services)
