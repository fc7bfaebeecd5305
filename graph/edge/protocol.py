"""GraphQL over HTTP: reading a request's parameters and negotiating the response's media type.

Request errors (the request cannot be executed at all) are answered with a status and a body without a
`data` key: 400 unparsable, 405 (with `Allow`) wrong method, 406 unacceptable `Accept`, 413 too large,
415 unsupported `Content-Type`. POSTs a browser form could send (urlencoded, multipart, text/plain) are
refused unless a custom header shows the request was preflighted (CSRF).
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

import orjson
from starlette.requests import Request

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
SIMPLE_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
PREFLIGHT_HEADERS = (b"x-requested-with", b"apollo-require-preflight", b"x-apollo-operation-name")


class RequestError(Exception):
    """A request that cannot be executed at all: answered without a `data` key."""

    def __init__(self, status: int, message: str, code: str = "BAD_REQUEST", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.headers = status, message, code, headers or {}

    def payload(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}


@lru_cache(maxsize=256)
def negotiate(accept: str) -> str | None:
    """The response media type for an `Accept` header, or None (406). No header means application/json."""
    if not accept.strip():
        return JSON
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media.lower()] = max(weights.get(media.lower(), 0.0), quality)
    graphql, json = weights.get(GRAPHQL_RESPONSE, 0.0), weights.get(JSON, 0.0)
    if graphql > 0 and graphql >= json:
        return GRAPHQL_RESPONSE
    if json > 0 or weights.get("application/*", 0.0) > 0 or weights.get("*/*", 0.0) > 0:
        return JSON
    return None


def check_post_headers(request: Request) -> None:
    raw = request.headers.get("content-type", "")
    media, *params = (piece.strip().lower() for piece in raw.split(";"))
    if media in SIMPLE_CONTENT_TYPES and not _preflighted(request):
        message = (
            "This request has been blocked as a potential Cross-Site Request Forgery: send it as "
            "application/json, or add a non-empty X-Requested-With or Apollo-Require-Preflight header"
        )
        raise RequestError(400, message, "CSRF_BLOCKED")
    charset = next((p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")), "utf-8")
    if media != JSON or charset not in ("utf-8", "utf8"):
        raise RequestError(415, "POST requests must use Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE")


def _preflighted(request: Request) -> bool:
    return any(value for name, value in request.scope["headers"] if name in PREFLIGHT_HEADERS)


async def read_body(request: Request, max_bytes: int, timeout_seconds: float) -> bytes:
    """The body within its size limit and its time limit: a client that declares a length and sends less
    (or trickles) loses its request after `timeout_seconds` instead of holding a connection."""
    # The fast lane (graph/edge/fast_lane.py) may have started reading it: the same deadline then.
    deadline = request.scope.get("state", {}).get("body_deadline")
    try:
        async with asyncio.timeout_at(deadline) if deadline else asyncio.timeout(timeout_seconds):
            return await _read(request, max_bytes)
    except TimeoutError:
        raise RequestError(408, "The request body did not arrive in time", "REQUEST_TIMEOUT") from None


async def _read(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit():  # the server holds the body to its declared length
        if int(declared) > max_bytes:
            raise body_too_large(max_bytes)
        return await request.body()
    chunks, size = [], 0  # chunked: count as it arrives
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise body_too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)


def body_too_large(max_bytes: int) -> RequestError:
    return RequestError(413, f"Request bodies are limited to {max_bytes} bytes", "PAYLOAD_TOO_LARGE")


def parse_body(body: bytes) -> dict[str, Any] | list[Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, "Request body is not valid JSON") from exc
    if not isinstance(parsed, dict | list):
        raise RequestError(400, "Request body must be a JSON object (or an array of them when batching)")
    return parsed


def query_params(request: Request) -> dict[str, Any]:
    """GET parameters; `variables` and `extensions` are JSON-encoded strings."""
    q = request.query_params
    return {
        "query": q.get("query"),
        "variables": _json_param(q.get("variables"), "variables"),
        "operationName": q.get("operationName") or None,
        "extensions": _json_param(q.get("extensions"), "extensions"),
        "documentId": q.get("documentId"),
    }


def _json_param(raw: str | None, name: str) -> Any:
    if raw in (None, ""):
        return None
    try:
        return orjson.loads(raw)  # type: ignore[arg-type]
    except orjson.JSONDecodeError as exc:
        raise RequestError(400, f"`{name}` is not valid JSON") from exc


def check_params(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict):
        raise RequestError(400, "Each operation must be a JSON object")
    for name, kind, label in (
        ("query", str, "a string"),
        ("variables", dict, "an object"),
        ("operationName", str, "a string"),
        ("extensions", dict, "an object"),
        ("documentId", str, "a string"),
    ):
        if params.get(name) is not None and not isinstance(params[name], kind):
            raise RequestError(400, f"`{name}` must be {label}")
    return params
