"""Edge fixtures: apps started with overridden settings (or a test schema), partner clients, manifests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from strawberry.types import Info

from graph import schema as app_schema
from graph.app import create_app
from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from graph.edge.permissions import scoped
from graph.settings import Settings
from models.partners.persisted import document_id
from models.store import mongo
from models.sync.outbox import Origin
from resolvers.partners import clients, persisted
from tests.conftest import TRUNCATE, _admin_dsn

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


@pytest.fixture
async def edge(settings: Settings) -> AsyncIterator[StartEdge]:
    """`await edge(test_fields=False, **settings)`: a running app (several may share the stores)."""
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
    await mongo.run_sync(_drop_mongo_database)
    mongo.disconnect()


async def truncate(settings: Settings) -> None:
    conn = await asyncpg.connect(_admin_dsn(settings.database_url or ""))
    try:
        await conn.execute(TRUNCATE)
    finally:
        await conn.close()


def _drop_mongo_database() -> None:
    import mongoengine

    db = mongoengine.get_db()
    db.client.drop_database(db.name)


def manifest(*bodies: str) -> dict[str, Any]:
    operations = []
    for body in bodies:
        name = body.split()[1].split("(")[0].split("{")[0] if body.startswith(("query ", "mutation ")) else None
        kind = "mutation" if body.startswith("mutation") else "query"
        operations.append({"id": document_id(body), "body": body, "name": name, "type": kind})
    return {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}


async def register(edge: Edge, name: str, *bodies: str) -> None:
    validate = manifest_validator(edge.app.state.schema, Limits.from_settings(edge.settings))
    async with edge.services.db.unit_of_work() as uow:
        await persisted.register_manifest(uow, name=name, manifest=manifest(*bodies), validate=validate)


@dataclass(frozen=True)
class Partner:
    id: str
    secret: str


async def make_partner(
    edge: Edge, name: str = "acme", *, scopes: tuple[str, ...] = ("catalogue:read",), manifest: str | None = None
) -> Partner:
    async with edge.services.db.unit_of_work() as uow:
        issued = await clients.create_client(
            uow, name=name, scopes=list(scopes), manifest=manifest, origin=Origin("test", "it:test")
        )
        return Partner(issued.client.id, issued.secret)


async def partner_token(edge: Edge, partner: Partner, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = await edge.http.post("/oauth/token", data=form, auth=(partner.id, partner.secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def by_id(body: str, **extra: Any) -> dict[str, Any]:
    return {"documentId": f"sha256:{document_id(body)}", **extra}
