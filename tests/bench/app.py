"""The application the benchmark serves: the product's app plus its baseline routes.

The baseline is the least work a route in this app can do to answer with cached bytes. The harness stores
the exact bytes of a catalogue cache hit under one key; the baseline routes read that key from the same
cache and return it, so the catalogue scenario is compared with: same app, same middleware, one cache
read, no GraphQL. Served by tests/bench/procs.py (`uvicorn tests.bench.app:create_app --factory`); the
product's `create_app` never mounts these routes.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph import app as product
from graph.settings import Settings

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


def create_app(settings: Settings | None = None) -> Starlette:
    app = product.create_app(settings)
    app.router.routes.extend(routes())
    return app
