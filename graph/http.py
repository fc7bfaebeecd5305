"""The /graphql endpoint: reads GraphQL-over-HTTP requests, executes them, writes JSON with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from graph.context import Context
from graph.errors import format_errors
from graph.graphiql import graphiql_page

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class RequestError(Exception):
    """A request that cannot be executed at all: answered without a `data` key."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}


def _json_param(raw: str | None, name: str) -> Any:
    if raw in (None, ""):
        return None
    try:
        return orjson.loads(raw)  # type: ignore[arg-type]
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"`{name}` is not valid JSON") from exc


async def read_params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        q = request.query_params
        return {
            "query": q.get("query"),
            "variables": _json_param(q.get("variables"), "variables"),
            "operationName": q.get("operationName"),
            "extensions": _json_param(q.get("extensions"), "extensions"),
        }
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON:
        raise RequestError(415, "POST requests must use Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, "Request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise RequestError(400, "Request body must be a JSON object")
    return body


def _check_params(params: dict[str, Any]) -> None:
    if not isinstance(params.get("query"), str | None):
        raise RequestError(400, "`query` must be a string")
    if not isinstance(params.get("variables"), dict | None):
        raise RequestError(400, "`variables` must be an object")
    if not isinstance(params.get("operationName"), str | None):
        raise RequestError(400, "`operationName` must be a string")


def wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


async def execute(request: Request, context: Context, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Run the operation; the flag tells whether it ran (False: parse/validation failure, no `data`)."""
    _check_params(params)
    allowed = {OperationType.QUERY} if request.method == "GET" else {OperationType.QUERY, OperationType.MUTATION}
    try:
        result = await request.app.state.schema.execute(
            params.get("query"),
            variable_values=params.get("variables"),
            context_value=context,
            operation_name=params.get("operationName"),
            allowed_operation_types=allowed,
        )
    except MissingQueryError as exc:
        raise RequestError(400, "No GraphQL query found in the request") from exc
    except InvalidOperationTypeError as exc:
        raise RequestError(
            405, "Mutations are only accepted over POST", "METHOD_NOT_ALLOWED", {"Allow": "POST"}
        ) from exc
    if not result.errors:
        return {"data": result.data}, True
    errors = format_errors(result.errors, context.request_id)
    if result.data is None and all(error.path is None for error in result.errors):
        return {"errors": errors}, False
    return {"errors": errors, "data": result.data}, True


async def graphql_endpoint(request: Request) -> Response:
    services = request.app.state.services
    if wants_graphiql(request):
        if not services.settings.graphiql_enabled:
            return Response("GraphiQL is disabled", status_code=404)
        return HTMLResponse(graphiql_page())
    media_type = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in request.headers.get("accept", "") else JSON
    context = await build_context(request)
    try:
        body, ran = await execute(request, context, await read_params(request))
    except RequestError as exc:
        payload = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
        return Response(orjson.dumps(payload), exc.status, {**exc.headers, **context.response_headers}, media_type)
    status = 400 if not ran and media_type == GRAPHQL_RESPONSE else 200
    return Response(orjson.dumps(body), status, context.response_headers, media_type)


async def build_context(request: Request) -> Context:
    services = request.app.state.services
    authentication = await services.authenticator.authenticate(request.headers.get("authorization"))
    return Context(
        request=request,
        services=services,
        request_id=request.state.request_id,
        principal=authentication.principal,
        auth_error=authentication.error,
    )
