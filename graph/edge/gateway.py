"""The federated gateway's side of the service (scripts/gateway runs Hive Gateway in front of instances).

Trusted documents are enforced where the client's document is seen: at the gateway. Its persisted-documents
hook asks `POST /internal/documents` to resolve what a client sent (a `documentId`, an APQ hash, or a
partner's text) with the client's own `Authorization`; the route runs the very rules of /graphql
(graph/edge/documents.py: the partner's manifest, revocation, the global safelist, APQ) and answers the text
to run, or the same refusal /graphql would give (status, `extensions.code`). The gateway then plans the
operation and sends the subgraph its own generated sub-queries, which no manifest holds: requests carrying
the gateway's proof (the header `X-Astro-Gateway-Secret`, or `gatewaySecret` in a websocket's
`connection_init`, equal to `ASTRO_GATEWAY_SECRET`, compared in constant time) skip the document rules,
nothing else, and their per-address rate limits count the client's address the gateway forwards
(`X-Astro-Client-IP`). Authentication, every field's permission and a partner's scopes still apply in the
subgraph; requests without the proof are treated exactly as before.
"""

from __future__ import annotations

import hmac
from typing import Any

import orjson
from graphql import GraphQLError, parse, specified_rules
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope
from strawberry.schema.schema import validate_document

from graph.edge import documents
from graph.edge.documents import PersistedQueryNotFound
from graph.edge.protocol import RequestError, read_body
from graph.services import Services

PROOF_HEADER = "x-astro-gateway-secret"
PROOF_PARAM = "gatewaySecret"  # the same proof in a websocket's connection_init payload
CLIENT_IP_HEADER = "x-astro-client-ip"  # the address the gateway saw: per-address rate limits count it
JSON = "application/json"
RESOLVABLE = ("query", "documentId", "extensions", "operationName")


def carries_proof(presented: object, secret: str | None) -> bool:
    """Whether `presented` is the gateway's secret (never true while no secret is configured)."""
    if not secret or not isinstance(presented, str):
        return False
    return hmac.compare_digest(presented.encode(), secret.encode())


def from_gateway(request: Request, services: Services) -> bool:
    return carries_proof(request.headers.get(PROOF_HEADER), services.settings.gateway_secret)


def client_ip(scope: Scope, secret: str | None) -> str | None:
    """The caller's address: the socket's, or, on a request carrying the gateway's proof, the address the
    gateway saw (behind it every request comes from the gateway's own address)."""
    client = scope.get("client")
    own = client[0] if client else None
    if not secret:
        return own
    proof = forwarded = None
    for name, value in scope.get("headers", ()):
        if name == b"x-astro-gateway-secret":
            proof = value.decode("latin-1")
        elif name == b"x-astro-client-ip":
            forwarded = value.decode("latin-1").strip()
    return (forwarded or own) if carries_proof(proof, secret) else own


async def resolve_document(request: Request) -> Response:
    """POST /internal/documents (gateway only): `{documentId | extensions.persistedQuery | query,
    operationName}` in, `{"query": <text to run>}` out, or /graphql's refusal for that caller."""
    services: Services = request.app.state.services
    if not from_gateway(request, services):
        return _json({"errors": [{"message": "Not found", "extensions": {"code": "NOT_FOUND"}}]}, 404)
    try:
        body = orjson.loads(
            await read_body(request, services.settings.max_body_bytes, services.settings.body_timeout_seconds)
        )
        if not isinstance(body, dict):
            raise RequestError(400, "The body must be a JSON object")
        params = {key: body[key] for key in RESOLVABLE if body.get(key) is not None}
        operation = await documents.resolve(params, request.state.principal, services)
    except orjson.JSONDecodeError:
        return _json(RequestError(400, "The body must be JSON").payload(), 400)
    except PersistedQueryNotFound:
        miss = {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
        return _json({"errors": [miss]}, 200)
    except RequestError as exc:
        return _json(exc.payload(), exc.status, exc.headers)
    if operation.register_apq and operation.document_id and operation.query and _valid(request, operation.query):
        await services.apq.put(operation.document_id, operation.query)
    if operation.client_id and operation.document_id:  # a partner's trusted document, counted at the edge
        services.usage.record(operation.client_id, operation.document_id)
    return _json({"query": operation.query}, 200)


def _valid(request: Request, query: str) -> bool:
    """APQ registers only documents that validate (over /graphql: once they ran)."""
    try:
        document = parse(query)
    except GraphQLError:
        return False
    return not validate_document(request.app.state.schema._schema, document, tuple(specified_rules))


def _json(payload: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(payload), status, headers, JSON)


def routes() -> list[Route]:
    return [Route("/internal/documents", resolve_document, methods=["POST"])]
