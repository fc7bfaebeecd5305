"""CPU per request of one telemetry variant, in process: the bench app (settings from the environment, as the
observability step's instances get them) is called through ASGI directly (no client, no socket), one request
after another, and the process's CPU time is divided by the requests. Unlike throughput under load, this
holds on a machine busy with other work: it counts only what this process spends.

Run by tests/bench/observability.py as `python -m tests.bench.observability_cpu SCENARIO REQUESTS` in a fresh
process per variant (PROMETHEUS_MULTIPROC_DIR must be set before prometheus_client is imported); prints one
JSON line: {"cpu_us": ..., "wall_us": ...} per request.

Under valgrind's callgrind (started with --instr-atstart=no, ASTRO_BENCH_CALLGRIND=1), instrumentation is
turned on after the warm-up and the counts dumped after the measured requests: counts, unlike
seconds, are the same from one run to the next whatever else the machine is doing."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from tests.bench import scenarios as s

HIT_BODY = s.apq_post_body(s.CATALOGUE, {"first": 20})
HIT_GET = s.apq_get_path(s.CATALOGUE, {"first": 20})
# scenario: (method, path and query string, body). "baseline" and "baseline-get" are the bare routes of
# tests/bench/app.py answering the cache hit's bytes: the in-process floor of the cache-hit scenarios.
SCENARIOS = {
    "hit": ("POST", "/graphql", HIT_BODY),
    "hit-get": ("GET", HIT_GET, ""),
    "baseline": ("POST", "/bench/baseline", HIT_BODY),
    "baseline-get": ("GET", "/bench/baseline", ""),
    "uncached": ("POST", "/graphql", s.post_body(s.CATALOGUE, {"first": 50})),
}


async def _call(
    app: Any, body: bytes, method: str = "POST", target: str = "/graphql", chunks: list[bytes] | None = None
) -> int:
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
        elif chunks is not None:
            chunks.append(message.get("body", b""))

    path, _, query = target.partition("?")
    headers = [(b"host", b"127.0.0.1")]
    if method == "POST":
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    else:
        headers.append((b"accept", b"application/json"))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return status[0]


async def _answer(app: Any, body: bytes) -> bytes:
    chunks: list[bytes] = []
    assert await _call(app, body, chunks=chunks) == 200
    return b"".join(chunks)


async def measure(scenario: str, requests: int) -> dict[str, float]:
    from tests.bench.app import create_app  # noqa: PLC0415 - after the environment is read

    app = create_app()
    method, target, text = SCENARIOS[scenario]
    body = text.encode()
    async with app.router.lifespan_context(app):
        if scenario != "uncached":  # register the APQ document and fill the cache
            full = s.apq_post_body(s.CATALOGUE, {"first": 20}, with_query=True).encode()
            assert await _call(app, full) == 200
        if scenario.startswith("baseline"):  # the bytes of the cache hit, for the bare route to answer
            hit = await _answer(app, HIT_BODY.encode())
            assert await _call(app, hit, "PUT", "/bench/baseline/store") == 204
        for _ in range(max(20, requests // 10)):  # warm-up
            assert await _call(app, body, method, target) == 200
        _callgrind("-i", "on")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            await _call(app, body, method, target)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        _callgrind("-d")
    return {"cpu_us": cpu / requests * 1e6, "wall_us": wall / requests * 1e6}


def _callgrind(*command: str) -> None:
    if os.environ.get("ASTRO_BENCH_CALLGRIND"):
        control = shutil.which("callgrind_control") or "callgrind_control"
        subprocess.run([control, *command, str(os.getpid())], check=True, capture_output=True)


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
