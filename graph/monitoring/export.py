"""`GET /exports/system-logs.csv` and `.ndjson`: a system-log search streamed to IT staff.

The rows come from one MongoDB cursor through a blocking generator that Starlette drains in its thread
pool (off the event loop), a chunk at a time: nothing holds the whole result."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from graph.context import route_bundle
from graph.edge.errors import refusal_response, route_error
from models.errors import DomainError, ValidationFailed
from models.monitoring.logs import LogFilter
from resolvers.monitoring import logs as uc

FORMATS = {"csv": ("text/csv; charset=utf-8", uc.csv_chunks), "ndjson": ("application/x-ndjson", uc.ndjson_chunks)}
PARAMS = {"level", "action", "entityType", "entityId", "user", "requestId", "since", "until", "text"}


def _time(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationFailed(f"{name} is not an ISO 8601 time", field=name) from exc


def filter_of(request: Request) -> LogFilter:
    """The GraphQL filter's fields as query parameters (`level` may repeat)."""
    unknown = set(request.query_params) - PARAMS
    if unknown:
        raise ValidationFailed(f"Unknown parameter: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    params = request.query_params
    if any("\x00" in value for value in params.values()):
        raise ValidationFailed("A parameter contains a NUL character")
    return LogFilter(
        levels=tuple(level.lower() for level in params.getlist("level")),
        action=params.get("action"),
        entity_type=params.get("entityType"),
        entity_id=params.get("entityId"),
        actor=params.get("user"),
        request_id=params.get("requestId"),
        since=_time(request, "since"),
        until=_time(request, "until"),
        text=params.get("text"),
    )


async def system_logs_export(request: Request) -> Response:
    media_type, chunks = FORMATS[request.path_params["format"]]
    try:
        call = route_bundle(request, "systemLogsExport")
        documents = uc.export_entries(call, filter_of(request))
    except DomainError as error:
        return refusal_response(error)
    except Exception as exc:
        return route_error(request, exc)
    name = f"system-logs.{request.path_params['format']}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"}
    return StreamingResponse(chunks(documents), media_type=media_type, headers=headers)


def not_acceptable(request: Request) -> JSONResponse:
    return JSONResponse({"errors": [{"message": "Unknown export format"}]}, status_code=404)


def routes() -> list[Route]:
    return [Route("/exports/system-logs.{format:str}", _dispatch, methods=["GET"])]


async def _dispatch(request: Request) -> Response:
    if request.path_params["format"] not in FORMATS:
        return not_acceptable(request)
    return await system_logs_export(request)
