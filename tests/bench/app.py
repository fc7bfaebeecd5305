"""The application the benchmark serves: the product's app plus its baseline routes.

The baseline is the least work a route in this app can do to answer with cached bytes. The harness stores
the exact bytes of a catalogue cache hit under one key; the baseline routes read that key from the same
cache and return it, so the catalogue scenario is compared with: same app, same middleware, one cache
read, no GraphQL. Served by tests/bench/procs.py (`uvicorn tests.bench.app:create_app --factory`); the
product's `create_app` never mounts these routes.
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph import app as product
from graph.edge.telemetry import configure_logging, configure_tracing
from graph.settings import Settings, get_settings

KEY = "bench:baseline"
JSON = "application/json"


async def baseline(request: Request) -> Response:
    await request.body()  # a POST client sends a GraphQL body; receiving it is part of the floor
    body = await request.app.state.services.cache.get(KEY)
    if body is None:
        return Response(b'{"errors":[{"message":"no baseline stored"}]}', 404, media_type=JSON)
    return Response(body, media_type=JSON)


async def store(request: Request) -> Response:
    await request.app.state.services.cache.set(KEY, await request.body())
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route("/bench/baseline", baseline, methods=["GET", "POST"]),
        Route("/bench/baseline/store", store, methods=["PUT"]),
    ]


class NullExporter:
    """Takes every span and keeps none (the observability step's tracing, without a collector)."""

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    if os.environ.get("ASTRO_BENCH_PROCESS_LOGS"):  # as `astro serve` does (graph.app:serve_app)
        configure_logging(settings)
    if os.environ.get("ASTRO_BENCH_TRACING") == "null":  # spans built and batched as in production, then dropped
        configure_tracing(settings, NullExporter(), batch=True)
    app = product.create_app(settings)
    app.router.routes.extend(routes())
    return app
