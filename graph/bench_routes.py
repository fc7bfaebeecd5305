"""Baseline routes for scripts/bench: the least work a route in this app can do to answer with cached bytes.

Mounted only when ASTRO_BENCH_BASELINES=1 (and never in production). The harness stores the exact bytes of
a catalogue cache hit under one key; the baseline routes read that key from the same cache and return it,
so the catalogue scenario is compared with: same app, same middleware, one cache read, no GraphQL.
"""

from __future__ import annotations

from typing import Any

from aiocache.base import BaseCache
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph.edge.response_cache import Lookup, ResponseCache
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


class UncachedResponses(ResponseCache):
    """Every catalogue query runs against PostgreSQL: the cache-off scenarios measure execution itself."""

    async def lookup(self, request: Request, operation: Any) -> Lookup:
        return Lookup()


def response_cache(cache: BaseCache, settings: Settings) -> ResponseCache:
    if settings.bench_baselines and not settings.bench_response_cache:
        return UncachedResponses(cache)
    return ResponseCache(cache)
