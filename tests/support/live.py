"""Apps served by uvicorn in this process on free ports, and a graphql-transport-ws client for them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


@contextlib.asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Serves `app` (lifespan included) on a free port; yields its base URL `127.0.0.1:<port>`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", ws="websockets-sansio"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextlib.asynccontextmanager
async def live_socket(
    address: str, params: dict[str, Any] | None = None, origin: str | None = None
) -> AsyncIterator[ClientConnection]:
    """An open socket after `connection_init` was sent (the caller reads the ack or the close)."""
    headers = {"Origin": origin} if origin else None
    async with connect(f"ws://{address}/graphql", subprotocols=[PROTOCOL], additional_headers=headers) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": params or {}}))
        yield ws


async def receive(ws: ClientConnection, seconds: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        return dict(json.loads(await ws.recv()))


async def subscribe(ws: ClientConnection, query: str, variables: dict[str, Any] | None = None, id: str = "1") -> None:
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": id, "type": "subscribe", "payload": payload}))


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Polls `condition` until it holds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
