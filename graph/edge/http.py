"""The /graphql endpoint: GraphQL over HTTP, persisted documents, rate limits, then execution (orjson out).

The walk of one request: the caller, already authenticated by the middleware (graph/edge/authentication.py)
→ method and media types (graph/edge/protocol.py) → body within its size limit → the document (free text,
APQ hash or trusted document; graph/edge/documents.py) → rate limits → execution under a timeout, with the
limits built into the schema (graph/edge/limits.py) → the response, `application/graphql-response+json` when
the client accepts it, else `application/json`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from graph.compiled.hook import compiled_answer
from graph.context import Context
from graph.edge import documents
from graph.edge.documents import Operation, PersistedQueryNotFound
from graph.edge.errors import format_errors, is_store_outage
from graph.edge.fast_lane import lane_identity
from graph.edge.gateway import client_ip, from_gateway
from graph.edge.graphiql import graphiql_page
from graph.edge.protocol import (
    GRAPHQL_RESPONSE,
    JSON,
    RequestError,
    check_params,
    check_post_headers,
    negotiate,
    parse_body,
    query_params,
    read_body,
)
from graph.edge.rate_limit import Admission
from graph.edge.response_cache import STALE_HEADER, Lookup, Slot
from graph.edge.telemetry import count_errors, errored, observe, observe_raw_hit
from graph.services import Services
from models.launches.catalogue_cache import ANONYMOUS_HEADERS, PUBLIC_HEADERS
from models.monitoring import tracing
from models.monitoring.telemetry import RESPONSE_CACHE, TALLY, set_context
from resolvers.monitoring.logs import record

APQ_MISS = orjson.dumps(
    {"errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}
)
NO_STORE = {"Cache-Control": "private, no-cache, must-revalidate"}
SUGGESTION = re.compile(r"\s*Did you mean .*$", re.DOTALL)
log = logging.getLogger("astro.errors")
CACHE_HIT, CACHE_MISS = RESPONSE_CACHE.labels("hit"), RESPONSE_CACHE.labels("miss")
ALL_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
QUERIES_ONLY = frozenset({OperationType.QUERY})


@dataclass
class Outcome:
    """One operation's answer: its JSON (as a value or as bytes already encoded), status and headers."""

    payload: Any = None
    raw: bytes | None = None
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    # The answer changes by itself at this moment (a launch's VIP window ends): no cache keeps it longer.
    fresh_until: datetime | None = None

    def encoded(self) -> bytes:
        return self.raw if self.raw is not None else orjson.dumps(self.payload)

    def fragment(self) -> Any:
        return orjson.Fragment(self.raw) if self.raw is not None else self.payload


async def graphql_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    media_type = negotiate(request.headers.get("accept", "")) or JSON
    try:
        return await serve(request, services)
    except RequestError as exc:
        count_errors([exc.code])
        return Response(orjson.dumps(exc.payload()), exc.status, exc.headers, media_type)
    except Exception as exc:  # outside execution (a store down while resolving a document, a bug)
        return unexpected(request, exc, media_type)


def unexpected(request: Request, exc: Exception, media_type: str) -> Response:
    """Masked like an execution error; a store being unreachable is 503 so clients and balancers retry."""
    request_id = request.state.request_id
    log.error("unexpected error [request %s]", request_id, exc_info=exc)
    unavailable = is_store_outage(exc)
    code, status = ("SERVICE_UNAVAILABLE", 503) if unavailable else ("INTERNAL_SERVER_ERROR", 500)
    message = "Service temporarily unavailable" if unavailable else "Internal server error"
    payload = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    return Response(orjson.dumps(payload), status, {"Retry-After": "5"} if unavailable else None, media_type)


async def serve(request: Request, services: Services) -> Response:
    if request.method not in ("GET", "POST"):
        raise RequestError(405, "GraphQL is served over GET and POST", "METHOD_NOT_ALLOWED", {"Allow": "GET, POST"})
    if wants_graphiql(request):
        if not services.settings.graphiql_enabled:
            return Response("GraphiQL is disabled", status_code=404)
        return HTMLResponse(graphiql_page())
    media_type = negotiate(request.headers.get("accept", ""))
    if media_type is None:
        raise RequestError(406, f"Accept {JSON} or {GRAPHQL_RESPONSE}", "NOT_ACCEPTABLE")
    # The ASGI fast lane (graph/edge/fast_lane.py) looked this request up and missed: where to keep its answer.
    raw_slot: Slot | None = request.scope.get("state", {}).get("fast_lane")
    if request.method == "POST":
        check_post_headers(request)
        raw = await read_body(request, services.settings.max_body_bytes, services.settings.body_timeout_seconds)
        if raw_slot is None:
            # The same bytes as a cached public answer skip everything else (when the lane could not look).
            hit, raw_slot = await services.response_cache.raw_lookup(request, raw)
            if hit is not None:
                TALLY.inc(CACHE_HIT)
                observe_raw_hit(request, lane_identity("POST", raw, {})[0])
                return Response(hit, 200, dict(PUBLIC_HEADERS), media_type)
        else:
            tracing.annotate("astro.response_cache", "miss")
        body = parse_body(raw)
    else:
        body = query_params(request)
    context = build_context(request)
    if isinstance(body, list):
        return await serve_batch(request, context, body, media_type)
    outcome = await run_operation(request, context, body, media_type, rate_limited=True)
    if raw_slot is not None:
        await services.response_cache.raw_store(raw_slot, outcome)
    headers = {**outcome.headers, **context.response_headers}
    return Response(outcome.encoded(), outcome.status, headers, media_type)


def wants_graphiql(request: Request) -> bool:
    if request.method != "GET" or "text/html" not in request.headers.get("accept", ""):
        return False
    return not any(name in request.query_params for name in ("query", "documentId", "extensions"))


async def serve_batch(request: Request, context: Context, batch: list[Any], media_type: str) -> Response:
    settings = context.services.settings
    if not settings.batching:
        raise RequestError(400, "Batched operations are not enabled", "BATCHING_NOT_ENABLED")
    if not batch or len(batch) > settings.max_batch_size:
        message = f"A batch holds 1 to {settings.max_batch_size} operations"
        raise RequestError(400, message, "BATCH_TOO_LARGE")
    await check_rate(request, context, weight=len(batch))
    outcomes = []
    for params in batch:  # one after another: a batch must not multiply the load it is allowed
        own = dataclasses.replace(context, response_headers={})  # and its own loaders
        outcomes.append(await run_operation(request, own, params, media_type, rate_limited=False))
    return Response(orjson.dumps([outcome.fragment() for outcome in outcomes]), 200, None, media_type)


async def run_operation(
    request: Request, context: Context, params: Any, media_type: str, *, rate_limited: bool
) -> Outcome:
    services = context.services
    try:
        operation = await documents.resolve(
            check_params(params), context.principal, services, via_gateway=context.via_gateway
        )
        observe(request, query=operation.query, name=operation.operation_name)
        # Whole-response cache of anonymous catalogue queries (graph/edge/response_cache.py).
        cached = await services.response_cache.lookup(request, operation)
        if cached.body is not None:
            TALLY.inc(CACHE_HIT)
            await after_run(services, operation)  # e.g. APQ registration, as if it had run
            return Outcome(raw=cached.body, headers=cached.headers)
        if cached.public:
            TALLY.inc(CACHE_MISS)
        # Rate limits guard execution; a cache hit costs less than counting it would.
        if rate_limited:
            await check_rate(request, context)
        outcome = await execute(request, context, operation, media_type)
        outcome.fresh_until = context.fresh_until
        if cached.public and store_outage(outcome):
            return await stale_or(services, cached, outcome)
        await services.response_cache.store(cached, outcome)
    except PersistedQueryNotFound:
        return Outcome(raw=APQ_MISS, headers=dict(NO_STORE))
    except RequestError as exc:
        count_errors([exc.code])
        return Outcome(payload=exc.payload(), status=exc.status, headers=exc.headers)
    return outcome


def store_outage(outcome: Outcome) -> bool:
    """The answer failed only because a store could not be reached."""
    errors = outcome.payload.get("errors") if isinstance(outcome.payload, dict) else None
    if not errors:
        return False
    return all(error.get("extensions", {}).get("code") == "SERVICE_UNAVAILABLE" for error in errors)


async def stale_or(services: Services, cached: Lookup, outcome: Outcome) -> Outcome:
    """During a store outage, the last good answer of a public query, marked stale; else the outage."""
    last = await services.response_cache.last_good(cached)
    if last is None:
        outcome.headers.update(ANONYMOUS_HEADERS)
        return outcome
    body, age = last
    payload = orjson.loads(body)
    payload["extensions"] = {**payload.get("extensions", {}), "stale": True, "staleSeconds": age}
    headers = {**ANONYMOUS_HEADERS, "Vary": PUBLIC_HEADERS["Vary"], STALE_HEADER: str(age)}
    return Outcome(payload=payload, headers=headers)


async def check_rate(request: Request, context: Context, weight: int = 1) -> None:
    principal = context.principal
    ip = client_ip(request.scope, context.services.settings.gateway_secret)
    # The authentication middleware may already have counted this request once, in the same round trip
    # as the token's revocation check: then only a batch's further operations are counted here.
    counted: Admission | None = getattr(request.state, "admission", None)
    wait = counted.retry_after if counted is not None else None
    weight -= 1 if counted is not None else 0
    if wait is None and weight > 0:
        wait = await context.services.rate_limiter.retry_after(
            ip=ip, user=principal.id if principal else None, weight=weight
        )
    if wait is not None:
        message = f"Too many requests: retry in {wait} seconds"
        actor = f"{principal.role}:{principal.id}" if principal else None
        data = {"ip": ip, "retryAfter": wait}
        await record("warning", "rate_limited", message, actor=actor, request_id=context.request_id, data=data)
        raise RequestError(429, message, "RATE_LIMITED", {"Retry-After": str(wait)})


async def execute(request: Request, context: Context, operation: Operation, media_type: str) -> Outcome:
    services = context.services
    settings = services.settings
    schema = request.app.state.schema
    try:
        async with asyncio.timeout(settings.request_timeout_seconds):
            # The compiled read path's shortcut: a document compiled before, checked by the same limits and
            # partner scopes, answered by one SQL statement (graph/compiled/hook.py); else Strawberry.
            answer = None
            if context.compiled_reads and operation.query is not None:
                answer = await compiled_answer(
                    schema, operation.query, operation.operation_name, operation.variables or {}, context
                )
            result = (
                Compiled(answer.fragment)
                if answer is not None
                else await schema.execute(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=context,
                    operation_name=operation.operation_name,
                    allowed_operation_types=QUERIES_ONLY if request.method == "GET" else ALL_OPERATIONS,
                )
            )
    except MissingQueryError as exc:
        raise RequestError(400, "No GraphQL query found in the request") from exc
    except CannotGetOperationTypeError as exc:
        raise RequestError(400, "The operation to run cannot be determined", "GRAPHQL_VALIDATION_FAILED") from exc
    except InvalidOperationTypeError as exc:
        if exc.operation_type == OperationType.SUBSCRIPTION:
            message = "Subscriptions are served over WebSocket (graphql-transport-ws) at this path"
            raise RequestError(400, message, "BAD_REQUEST") from exc
        message = "Mutations are only accepted over POST"
        raise RequestError(405, message, "METHOD_NOT_ALLOWED", {"Allow": "POST"}) from exc
    except TimeoutError as exc:
        message = f"The operation did not finish within {settings.request_timeout_seconds:g} seconds"
        raise RequestError(504, message, "REQUEST_TIMEOUT") from exc
    payload, ran = shape_result(result, context, hide_suggestions=settings.is_production)
    if ran:
        await after_run(services, operation)
    status = 400 if not ran and media_type == GRAPHQL_RESPONSE else 200
    return Outcome(payload=payload, status=status)


@dataclass
class Compiled:
    """A compiled answer, shaped as an execution result: `data` is PostgreSQL's JSON text."""

    data: Any
    errors: None = None


def shape_result(result: Any, context: Context, *, hide_suggestions: bool) -> tuple[dict[str, Any], bool]:
    """The response body, and whether the operation ran (False: refused before execution, no `data`)."""
    if not result.errors:
        return {"data": result.data}, True
    errors = format_errors(result.errors, context.request_id)
    count_errors([error.get("extensions", {}).get("code") for error in errors])
    if context.request is not None:
        errored(context.request)
    if hide_suggestions:
        for error in errors:
            error["message"] = SUGGESTION.sub("", error["message"])
    if result.data is None and all(error.path is None for error in result.errors):
        return {"errors": errors}, False
    return {"errors": errors, "data": result.data}, True


async def after_run(services: Services, operation: Operation) -> None:
    if operation.register_apq and operation.document_id and operation.query:
        await services.apq.put(operation.document_id, operation.query)
    if operation.client_id and operation.document_id:
        services.usage.record(operation.client_id, operation.document_id)


def build_context(request: Request) -> Context:
    """The caller comes from the authentication middleware (graph/edge/authentication.py), verified once."""
    principal = request.state.principal
    if principal is not None:
        set_context(principal=f"{principal.role}:{principal.id}")  # the process log lines of this request
    return Context(
        request=request,
        services=request.app.state.services,
        request_id=request.state.request_id,
        principal=request.state.principal,
        auth_error=request.state.auth_error,
        auth_retryable=getattr(request.state, "auth_retryable", False),
        via_gateway=from_gateway(request, request.app.state.services),
        compiled_reads=request.app.state.services.settings.compiled_reads,
    )
