"""Apps started with overridden settings (or a schema with test-only fields), sharing the test's stores."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import strawberry
from starlette.applications import Starlette
from strawberry.types import Info

from graph import schema as app_schema
from graph.app import create_app
from graph.edge.limits import Limits
from graph.edge.permissions import scoped
from graph.settings import Settings
from models.store import mongo
from tests.support.stores import drop_mongo_database, truncate

PRODUCTION = {"environment": "production", "jwt_keys": {"prod-1": "p" * 40}, "jwt_active_kid": "prod-1"}


@strawberry.type
class TestQuery:
    """Test-only fields, present only in schemas the tests build (never in the application's schema)."""

    @strawberry.field(description="A resolver with a bug.")
    def broken(self) -> int:
        return 1 // 0

    @strawberry.field(description="A resolver that never finishes.")
    async def stuck(self) -> int:
        await asyncio.Event().wait()
        return 0

    @strawberry.field(description="Partner data.", extensions=[scoped("catalogue:read", authenticated=True)])
    def partner_catalogue(self, info: Info) -> str:
        return "catalogue"

    @strawberry.field(description="A list sized by `first`.")
    def items(self, first: int = 10) -> list[TestItem]:
        return [TestItem(n=n) for n in range(min(first, 5))]


@strawberry.type
class TestItem:
    n: int = strawberry.field(description="Position.")

    @strawberry.field(description="Children, unsized.")
    def children(self) -> list[TestItem]:
        return []


def schema_with_test_fields(settings: Settings) -> Any:
    return app_schema.assemble_schema(
        (*app_schema.QUERIES, TestQuery),
        app_schema.MUTATIONS,
        app_schema.TYPES,
        production=settings.is_production,
        limits=Limits.from_settings(settings),
    )


@dataclass
class Edge:
    app: Starlette
    http: httpx.AsyncClient
    settings: Settings

    @property
    def services(self) -> Any:
        return self.app.state.services

    async def post(self, body: Any, **headers: str) -> httpx.Response:
        return await self.http.post("/graphql", json=body, headers=headers)


StartEdge = Callable[..., Awaitable[Edge]]


@contextlib.asynccontextmanager
async def edges(settings: Settings) -> AsyncIterator[StartEdge]:
    """`await start(test_fields=False, **settings)`: a running app (several may share the stores)."""
    await truncate(settings)
    async with contextlib.AsyncExitStack() as stack:

        async def start(test_fields: bool = False, **overrides: Any) -> Edge:
            own = settings.model_copy(update=overrides)
            application = create_app(own)
            if test_fields:
                application.state.schema = schema_with_test_fields(own)
            await stack.enter_async_context(application.router.lifespan_context(application))
            transport = httpx.ASGITransport(app=application)
            client = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://testserver")
            )
            return Edge(application, client, own)

        yield start
    mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
    await mongo.run_sync(drop_mongo_database)
    mongo.disconnect()
