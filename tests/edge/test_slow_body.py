"""A body that declares a length and sends less (or trickles) loses its request after the body timeout,
with a 408 in the route's own format, instead of holding the connection: on every route that reads a body."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from graph.edge.gateway import PROOF_HEADER


async def call(app: Any, path: str, content_type: bytes, *extra: tuple[bytes, bytes]) -> tuple[int, bytes]:
    """Drive the ASGI app directly: 100 bytes declared, 10 sent, then silence."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"content-type", content_type), (b"content-length", b"100"), (b"host", b"testserver"), *extra],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    sent = [{"type": "http.request", "body": b'{"query":', "more_body": True}]
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        if sent:
            return sent.pop()
        await asyncio.Event().wait()  # the client never sends the rest
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    return answer["status"], answer["body"]


SECRET = "gateway-proof-secret-of-32-characters-at-least"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/graphql", b"application/json"),
        ("/oauth/token", b"application/x-www-form-urlencoded"),
        ("/webhooks/payments", b"application/json"),
        ("/internal/documents", b"application/json"),
    ],
)
async def test_a_short_body_is_refused_after_the_body_timeout(edge, path, content_type):
    app = await edge(body_timeout_seconds=0.3, gateway_secret=SECRET)
    started = time.monotonic()
    status, body = await call(app.app, path, content_type, (PROOF_HEADER.lower().encode(), SECRET.encode()))
    assert status == 408
    assert time.monotonic() - started < 5
    decoded = orjson.loads(body)
    assert decoded.get("error") == "invalid_request" or decoded["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
