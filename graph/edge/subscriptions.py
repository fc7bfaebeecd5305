"""GraphQL subscriptions over graphql-transport-ws at /graphql (a websocket on the same path as HTTP).

The walk of one socket: Strawberry checks the handshake's `Origin` (same origin, no Origin, or one of
`ws_allowed_origins`) → `connection_init` carries `{"authorization": "Bearer <token>"}`, verified by the same
Authenticator as HTTP (signature, expiry, revocation); a refused token closes the socket with 4401 and the
reason (a token that cannot be checked right now, 4403: clients retry that one), no token is an anonymous
connection (public subscriptions only) → a signed-in user may hold `ws_max_connections_per_user`
sockets on this instance → each `subscribe` goes through the same document rules as HTTP (partners' trusted
documents, the safelist, APQ; graph/edge/documents.py) and must be a subscription (queries and mutations go
over HTTP, where rate limits apply) → at most `ws_max_subscriptions_per_connection` at once → errors carry
the same codes as HTTP. While open, the token is re-checked every `ws_auth_check_seconds` and at its expiry:
a revoked or expired token closes the socket with 4401.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage
from strawberry.types.unset import UNSET, UnsetType

from auth import policies
from auth.principal import Principal
from graph.context import Context
from graph.edge import documents
from graph.edge.documents import PersistedQueryNotFound
from graph.edge.errors import classify
from graph.edge.gateway import PROOF_HEADER, PROOF_PARAM, carries_proof
from graph.edge.permissions import partner_refusal
from graph.edge.protocol import RequestError
from graph.settings import Settings
from models.ids import new_id

CLOSE_TOKEN_ENDED = 4401  # the token was refused, expired or was revoked: clients do not retry with it
CLOSE_REASON_BYTES = 123  # the most a websocket close frame carries


class TokenRefused(Exception):
    """The token in connection_init is not valid: the socket closes with 4401 (graphql-ws clients, the
    gateway's among them, give up on 4401 but retry 4403 with back-off)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason.encode()[:CLOSE_REASON_BYTES].decode(errors="ignore")


class Connections:
    """Open sockets of each signed-in user on this instance."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[str, int] = {}

    def admit(self, user_id: str) -> bool:
        if self._open.get(user_id, 0) >= self.per_user:
            return False
        self._open[user_id] = self._open.get(user_id, 0) + 1
        return True

    def release(self, user_id: str) -> None:
        left = self._open.get(user_id, 0) - 1
        if left > 0:
            self._open[user_id] = left
        else:
            self._open.pop(user_id, None)

    def count(self, user_id: str) -> int:
        return self._open.get(user_id, 0)


class CodedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler with this API's document rules and error codes."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except TokenRefused as refused:
            await self.websocket.close(code=CLOSE_TOKEN_ENDED, reason=refused.reason)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refused = await self._refusal(message)
            if refused is not None:
                await self.send_message({"id": message["id"], "type": "error", "payload": refused})
                return
        await super().handle_subscribe(message)

    async def _refusal(self, message: SubscribeMessage) -> list[Any] | None:
        """Resolves the document like HTTP does (rewriting the message's query), or says why it may not run."""
        payload: dict[str, Any] = dict(message.get("payload") or {})
        try:
            context = self.context
            operation = await documents.resolve(
                payload, context.principal, context.services, via_gateway=context.via_gateway
            )
        except PersistedQueryNotFound:
            return [_coded("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")]
        except RequestError as exc:
            return list(exc.payload()["errors"])
        query = operation.query or ""
        kind = _operation_type(query, operation.operation_name)
        if kind not in (OperationType.SUBSCRIPTION, None):
            return [_coded("Only subscriptions are served over WebSocket; send queries over HTTP", "BAD_REQUEST")]
        principal = context.principal
        if kind is not None and policies.is_partner_client(principal):  # denied by default, as over HTTP
            schema = self.schema._schema  # type: ignore[attr-defined]
            refusal = partner_refusal(schema, parse(query), operation.operation_name, principal.scopes)
            if refusal is not None:
                return [{"message": refusal.message, "extensions": {**refusal.details, "code": refusal.code}}]
        message["payload"]["query"] = query
        return None

    async def _send_result_stream(self, operation: Operation[Context, None], result_source: Any) -> None:
        await super()._send_result_stream(operation, self._classified(result_source))

    async def _classified(self, results: Any) -> AsyncGenerator[Any, None]:
        async for result in results:
            if result.errors:
                result.errors = [classify(error, self.context.request_id) for error in result.errors]
            yield result


def _coded(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _operation_type(query: str, name: str | None) -> OperationType | None:
    """The type of the operation to run; None when the document does not parse or name one (the executor
    then reports that with its usual errors)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [d for d in found if name is None or (d.name and d.name.value == name)]
    return chosen[0].operation if len(chosen) == 1 else None


class SubscriptionEndpoint(GraphQL[Context, None]):
    """The websocket side of /graphql (HTTP is served by graph/edge/http.py)."""

    graphql_transport_ws_handler_class = CodedTransportWSHandler

    def __init__(self, schema: BaseSchema, settings: Settings) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_connection_init_timeout_seconds),
            max_subscriptions_per_connection=settings.ws_max_subscriptions_per_connection,
            allowed_origins=settings.ws_allowed_origins,
        )
        self.connections = Connections(settings.ws_max_connections_per_user)
        self.auth_check_seconds = settings.ws_auth_check_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        try:
            await super().__call__(scope, receive, send)
        finally:
            watcher: asyncio.Task[None] | None = state.get("live_watcher")
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            admitted: str | None = state.get("live_user")
            if admitted is not None:
                self.connections.release(admitted)

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        assert isinstance(response, WebSocket)  # this endpoint serves websockets only
        return Context(request=None, services=request.app.state.services, request_id=new_id(), websocket=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        websocket = context.websocket
        assert websocket is not None
        params = context.connection_params or {}
        proof = params.get(PROOF_PARAM, websocket.headers.get(PROOF_HEADER))
        context.via_gateway = carries_proof(proof, context.services.settings.gateway_secret)
        authorization = params.get("authorization", params.get("Authorization"))
        if authorization is None:  # no token in connection_init: the handshake's header, if any
            authorization = websocket.headers.get("authorization")
        if authorization is None:
            return UNSET  # anonymous: public subscriptions only
        if not isinstance(authorization, str):
            raise TokenRefused("authorization must be 'Bearer <token>'")
        outcome = await context.services.authenticator.authenticate(authorization)
        if outcome.principal is None and outcome.retryable:
            raise ConnectionRejectionError({"message": outcome.error})
        if outcome.principal is None:
            raise TokenRefused(outcome.error or "Invalid access token")
        principal = outcome.principal
        if not self.connections.admit(principal.id):
            raise ConnectionRejectionError({"message": "Too many open connections for this user"})
        websocket.state.live_user = principal.id
        context.principal = principal
        watch = self._watch(context, websocket, authorization, principal)
        websocket.state.live_watcher = asyncio.create_task(watch, name="live-token-watch")
        return UNSET

    async def _watch(self, context: Context, websocket: WebSocket, authorization: str, principal: Principal) -> None:
        """Closes the socket when its token expires or is revoked."""
        while True:
            left = (principal.expires_at - time.time()) if principal.expires_at else self.auth_check_seconds
            await asyncio.sleep(max(0.0, min(self.auth_check_seconds, left)))
            expired = principal.expires_at is not None and time.time() >= principal.expires_at
            checked = None if expired else await context.services.authenticator.authenticate(authorization)
            if checked is not None and checked.retryable:
                continue  # cannot be checked right now: keep the socket, check again next round
            if expired or (checked is not None and checked.principal is None):
                reason = "Access token expired" if expired else "Access token revoked"
                with contextlib.suppress(RuntimeError):  # the client closed it meanwhile
                    await websocket.close(code=CLOSE_TOKEN_ENDED, reason=reason)
                return
