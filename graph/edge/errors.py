"""Error policy: every error leaves with a stable `extensions.code`; unexpected ones are masked.

Domain errors (models.errors.DomainError) keep their message and code. Errors graphql-core raises while
parsing or validating keep their message with GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED. Anything
else is a bug: logged with its stack and the request id, and replaced by "Internal server error".
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from graphql import GraphQLError
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from redis import exceptions as redis_errors
from sqlalchemy.exc import DataError, DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeout
from starlette.requests import Request
from starlette.responses import JSONResponse
from strawberry.exceptions import StrawberryInputCoercionError

from models.errors import DomainError

log = logging.getLogger("astro.errors")
INTERNAL = "INTERNAL_SERVER_ERROR"


def coded(error: GraphQLError, code: str, message: str | None = None, **extra: object) -> GraphQLError:
    return GraphQLError(
        message if message is not None else error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), **extra, "code": code},
    )


def classify(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if isinstance(error, StrawberryInputCoercionError) or isinstance(original, StrawberryInputCoercionError):
        return coded(error, "BAD_USER_INPUT")  # a scalar value that does not parse (variables and literals)
    if isinstance(original, DomainError):
        details = {k: v for k, v in original.details.items() if isinstance(v, str | int | float | bool)}
        return coded(error, original.code, original.message, **details)
    if original is None:
        if error.extensions and "code" in error.extensions:
            return error
        if error.message.startswith("Syntax Error"):
            return coded(error, "GRAPHQL_PARSE_FAILED")
        if error.message.startswith("Variable '$"):  # variable values that do not coerce to their types
            return coded(error, "BAD_USER_INPUT")
        return coded(error, "GRAPHQL_VALIDATION_FAILED")
    if isinstance(original, GraphQLError):  # e.g. variable coercion wrapped by graphql-core
        return classify(original, request_id) if original is not error else coded(error, "BAD_USER_INPUT")
    if refused_value(original):  # a value the store refused: bad input that slipped past validation
        detail = getattr(original, "orig", original)  # the driver's message, without the statement
        log.warning("store refused a value [request %s] at %s: %s", request_id, error.path, detail)
        return coded(error, "BAD_USER_INPUT", "A value is out of range or cannot be stored")
    if is_store_outage(original):
        log.error("store unavailable [request %s] at %s: %r", request_id, error.path, original)
        return coded(error, "SERVICE_UNAVAILABLE", "Service temporarily unavailable", requestId=request_id)
    log.error("unexpected error [request %s] at %s", request_id, error.path, exc_info=original)
    return coded(error, INTERNAL, "Internal server error", requestId=request_id)


def refused_value(exc: BaseException) -> bool:
    """A value PostgreSQL refused (out of range, not encodable: SQLSTATE class 22), from the driver directly or
    wrapped by SQLAlchemy, whose asyncpg dialect raises a plain DBAPIError with the driver's error as its cause."""
    if isinstance(exc, DataError | asyncpg.exceptions.DataError):
        return True
    driver = getattr(exc.orig, "__cause__", None) if isinstance(exc, DBAPIError) else None
    return isinstance(driver, asyncpg.exceptions.DataError)


def is_store_outage(exc: BaseException) -> bool:
    """A store that cannot be reached (as opposed to a bug or a refused value): clients may retry."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError) or _lost(exc.orig)
    return isinstance(exc, STORE_OUTAGES)


STORE_OUTAGES = (
    OSError,
    # asyncpg's own, from statements sent to the driver directly (models/store/db.py fetch_row)
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InterfaceError,
    SATimeout,
    DisconnectionError,
    ConnectionFailure,
    ServerSelectionTimeoutError,
    # The cache cannot be reached, or refuses writes (maxmemory with noeviction, read-only, loading).
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    redis_errors.OutOfMemoryError,
    redis_errors.ReadOnlyError,
)


def _lost(driver_error: BaseException | None) -> bool:
    """asyncpg's own connection failures, as wrapped by SQLAlchemy."""
    lost = (OSError, asyncpg.exceptions.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError)
    return isinstance(driver_error, lost)


def format_errors(errors: list[GraphQLError], request_id: str) -> list[Any]:
    return [classify(error, request_id).formatted for error in errors]


RETRY_AFTER_SECONDS = 5  # what a client is told to wait when a store is down


async def unhandled(request: Request, exc: Exception) -> JSONResponse:
    """Last resort for the routes besides /graphql (which formats its own errors)."""
    return route_error(request, exc)


def route_error(request: Request, exc: Exception) -> JSONResponse:
    """An unexpected failure of a non-GraphQL route as JSON with a code: 503 with Retry-After for a store
    outage, 500 otherwise; never a bare text/plain page or a stack trace."""
    request_id = getattr(request.state, "request_id", None)
    if is_store_outage(exc):
        log.error("store unavailable [request %s] at %s: %r", request_id, request.url.path, exc)
        code, status, headers = "SERVICE_UNAVAILABLE", 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        message = "Service temporarily unavailable"
    else:
        log.error("unexpected error [request %s] at %s", request_id, request.url.path, exc_info=exc)
        code, status, headers, message = INTERNAL, 500, {}, "Internal server error"
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    return JSONResponse(body, status_code=status, headers=headers)


ROUTE_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "CONFLICT": 409, "SERVICE_UNAVAILABLE": 503}


def refusal_response(error: DomainError) -> JSONResponse:
    """A domain refusal on a route besides /graphql: the status its code calls for, GraphQL's error shape."""
    status = ROUTE_STATUS.get(error.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    return JSONResponse(body, status_code=status, headers=headers)
