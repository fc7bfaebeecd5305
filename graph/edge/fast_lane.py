"""The fast lane: anonymous catalogue cache hits answered by an ASGI middleware, ahead of routing and of the
other middleware, with one Redis MGET (graph/edge/response_cache.py) and nothing parsed.

It serves only what the /graphql endpoint itself answered before for the very same request: the endpoint
keeps a public catalogue answer under the lane's key (SHA-256 of the Accept header and the exact body of a
POST, or the exact query string of a GET), stamped with the catalogue tag's version; a bumped tag makes the
stamp stale and the request takes the normal path. Anything else passes through untouched: a request with an
Authorization header, another path or method, a body that is not JSON within its size limit or names no
catalogue marker, a GET a browser makes for GraphiQL, the cache off, backing off or its tag distrusted. A
request that passes through after a lookup carries the lane's miss (`state["fast_lane"]`: where the answer
is to be kept), so the endpoint does not read the cache for it again; its body is handed on as it came.

A hit is answered as the endpoint answers one (same status, headers in the same order, `X-Request-ID`) and
counts as a request of its operation in /metrics, with its latency and a response-cache hit; with tracing
on it is one server span marked `astro.response_cache=hit`, as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.edge.documents import requested_hash
from graph.edge.protocol import JSON, RequestError, negotiate
from graph.edge.response_cache import FAST_LANE_MARKERS, raw_get_key, raw_key
from graph.edge.telemetry import instruments, operation_identity, request_id
from graph.services import Services
from models.launches.catalogue_cache import PUBLIC_HEADERS
from models.monitoring import telemetry, tracing

CACHE_HIT = telemetry.RESPONSE_CACHE.labels("hit")
PUBLIC = [(name.lower().encode(), value.encode()) for name, value in PUBLIC_HEADERS.items()]
JSON_CONTENT_TYPES = frozenset(
    {b"application/json", b"application/json; charset=utf-8", b"application/json;charset=utf-8"}
)
GET_MARKERS = (b"extensions", b"documentId", b"launches")
MAX_OPERATIONS = 1024  # bodies whose metric labels are kept (the labels are bounded; this only caps memory)


class FastLane:
    def __init__(
        self,
        app: ASGIApp,
        *,
        services: Callable[[], Services],
        metrics: bool,
        max_body_bytes: int,
        body_timeout_seconds: float,
    ) -> None:
        self.app = app
        self.services = services  # a getter: the services are built by the lifespan, after the middleware
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout_seconds
        self._labels: dict[bytes, tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method != "POST" and method != "GET":
            await self.app(scope, receive, send)
            return
        accept = content_type = length = None
        incoming = b""
        for name, value in scope["headers"]:  # the first of each, as Starlette's `headers.get`
            if name == b"authorization":
                await self.app(scope, receive, send)
                return
            if name == b"accept":
                accept = value if accept is None else accept
            elif name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == b"content-length":
                length = value if length is None else length
            elif name == b"x-request-id":
                incoming = value  # the last, as the request id middleware reads it
        media_type = negotiate(accept.decode("latin-1")) if accept else JSON
        if media_type is None or not self.services().response_cache.lane_open():
            await self.app(scope, receive, send)
            return
        if method == "GET":
            query_string = scope["query_string"]
            if (accept and b"text/html" in accept) or not any(marker in query_string for marker in GET_MARKERS):
                await self.app(scope, receive, send)
                return
            key = raw_get_key(accept or b"", query_string)
            await self._serve(scope, receive, send, key, query_string, media_type, incoming)
            return
        if content_type not in JSON_CONTENT_TYPES or length is None or not length.isdigit():
            await self.app(scope, receive, send)
            return
        if int(length) > self.max_body_bytes:
            await self.app(scope, receive, send)
            return
        messages, body = await self._body(scope, receive)
        if messages:
            receive = replay(messages, receive)
        if body is None or not any(marker in body for marker in FAST_LANE_MARKERS):
            await self.app(scope, receive, send)
            return
        await self._serve(scope, receive, send, raw_key(accept or b"", body), body, media_type, incoming)

    async def _body(self, scope: Scope, receive: Receive) -> tuple[list[Message], bytes | None]:
        """The messages read (handed on as they came) and the whole body, or None when it did not all arrive
        within the body timeout (the endpoint then answers 408 at the same deadline) or the client left."""
        messages: list[Message] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    message = await receive()
                    messages.append(message)
                    if message["type"] != "http.request" or not message.get("more_body", False):
                        break
        except TimeoutError:
            scope.setdefault("state", {})["body_deadline"] = deadline
            return messages, None
        if messages[-1]["type"] != "http.request":
            return messages, None
        if len(messages) == 1:
            return messages, messages[0].get("body", b"")
        return messages, b"".join(message.get("body", b"") for message in messages)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, key: str, request: bytes, media_type: str, incoming: bytes
    ) -> None:
        started = time.perf_counter()
        start_ns = time.time_ns() if tracing.tracer() is not None else 0
        hit, slot = await self.services().response_cache.lane_read(key)
        if hit is None:
            if slot is not None:
                scope.setdefault("state", {})["fast_lane"] = slot
            await self.app(scope, receive, send)
            return
        identifier = request_id(incoming)
        headers = [
            *PUBLIC,
            (b"content-length", str(len(hit)).encode()),
            (b"content-type", media_type.encode()),
            (b"x-request-id", identifier.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": hit})
        if self.metrics:
            requests, latency = self._instruments(scope["method"], request)
            telemetry.TALLY.inc(requests)
            telemetry.TALLY.observe(latency, time.perf_counter() - started)
            telemetry.TALLY.inc(CACHE_HIT)
        if start_ns:
            attributes = {"http.request_id": identifier, "astro.response_cache": "hit"}
            tracing.record_ended(f"{scope['method']} /graphql", SpanKind.SERVER, attributes, start_ns)

    def _instruments(self, method: str, request: bytes) -> tuple[Any, Any]:
        """The request counter and latency histogram of this request's operation, bound once per request
        (the name and type are read from the body or query string the first time only)."""
        found = self._labels.get(request)
        if found is None:
            (kind, name), known = lane_identity(method, request, self.services().apq.local)
            found = instruments(telemetry.operation_label(name), kind, "ok")
            if known:  # else read again next time: the persisted document may be known by then
                if len(self._labels) >= MAX_OPERATIONS:
                    self._labels.clear()
                self._labels[request] = found
        return found


def lane_identity(method: str, request: bytes, documents: Mapping[str, str]) -> tuple[tuple[str, str | None], bool]:
    """(type, name) of the operation a cached request names, as the endpoint's metrics read them (a persisted
    document's text from this process's APQ copies), and whether the text was found when one was named."""
    params: Any
    if method == "GET":
        values = parse_qs(request.decode("latin-1"))
        params = {key: found[0] for key, found in values.items()}
        for field in ("extensions", "variables"):
            params[field] = _json(params.get(field))
        params["operationName"] = params.get("operationName") or None
    else:
        params = _json(request)
    if not isinstance(params, dict):
        return ("query", None), True
    name = params.get("operationName") if isinstance(params.get("operationName"), str) else None
    query = params.get("query") if isinstance(params.get("query"), str) else None
    known = True
    if query is None:
        try:
            sha = requested_hash(params)
        except RequestError:
            sha = None
        query = documents.get(sha) if sha else None
        known = sha is None or query is not None
    return (operation_identity(query, name) if query else ("query", name)), known


def _json(raw: str | bytes | None) -> Any:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return None


def replay(messages: list[Message], receive: Receive) -> Receive:
    """`receive` for the rest of the stack: the messages already read, then the client's own."""
    pending = list(messages)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again
