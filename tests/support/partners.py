"""Partner clients and trusted-document manifests, for the tests of partners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from models.partners.persisted import document_id
from models.sync.outbox import Origin
from resolvers.partners import clients, persisted
from tests.support.edge import Edge


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
    call = edge.services.bundle(None, Origin("test", "it:test"))
    issued = await clients.create_client(call, name=name, scopes=list(scopes), manifest=manifest)
    return Partner(issued.client.id, issued.secret)


async def partner_token(edge: Edge, partner: Partner, scope: str | None = None) -> str:
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = await edge.http.post("/oauth/token", data=form, auth=(partner.id, partner.secret))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def by_id(body: str, **extra: Any) -> dict[str, Any]:
    return {"documentId": f"sha256:{document_id(body)}", **extra}
