"""CPU per request of one telemetry variant, in process: the bench app (settings from the environment, as the
observability step's instances get them) is called through ASGI directly (no client, no socket), one request
after another, and the process's CPU time is divided by the requests. Unlike throughput under load, this
holds on a machine busy with other work: it counts only what this process spends.

Run by tests/bench/observability.py as `python -m tests.bench.observability_cpu SCENARIO REQUESTS` in a fresh
process per variant (PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported); prints one
JSON line: {"cpu_us": ..., "wall_us": ...} per request."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from tests.bench import scenarios as s

BODIES = {
    "hit": s.apq_post_body(s.CATALOGUE, {"first": 20}),
    "uncached": s.post_body(s.CATALOGUE, {"first": 50}),
}


async def _call(app: Any, body: bytes) -> int:
    sent = [False]
    status = [0]

    async def receive() -> dict[str, Any]:
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return status[0]


async def measure(scenario: str, requests: int) -> dict[str, float]:
    from tests.bench.app import create_app  # noqa: PLC0415 - after the environment is read

    app = create_app()
    body = BODIES[scenario].encode()
    async with app.router.lifespan_context(app):
        if scenario == "hit":  # register the APQ document and fill the cache
            full = s.apq_post_body(s.CATALOGUE, {"first": 20}, with_query=True).encode()
            assert await _call(app, full) == 200
        for _ in range(max(20, requests // 10)):  # warm-up
            assert await _call(app, body) == 200
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            await _call(app, body)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"cpu_us": cpu / requests * 1e6, "wall_us": wall / requests * 1e6}


def main() -> None:
    scenario, requests = sys.argv[1], int(sys.argv[2])
    try:
        import uvloop  # noqa: PLC0415

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    print(json.dumps(runner(measure(scenario, requests))))


if __name__ == "__main__":
    main()
