"""The benchmark baseline routes exist only when ASTRO_BENCH_BASELINES is set, and never in production."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from graph.app import create_app
from graph.settings import Settings


async def test_baseline_routes_are_not_mounted_by_default(http):
    assert (await http.post("/bench/baseline")).status_code == 404
    assert (await http.put("/bench/baseline/store", content=b"{}")).status_code == 404


async def test_baseline_routes_return_the_stored_bytes_over_get_and_post(settings: Settings):
    app = create_app(settings.model_copy(update={"bench_baselines": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/bench/baseline")).status_code == 404
            stored = b'{"data":{"launches":{"edges":[]}}}'
            assert (await client.put("/bench/baseline/store", content=stored)).status_code == 204
            post = await client.post("/bench/baseline", json={"query": "{ ping }"})
            get = await client.get("/bench/baseline")
    assert post.content == get.content == stored
    assert post.headers["content-type"] == "application/json"


def test_production_refuses_baseline_routes():
    with pytest.raises(ValidationError, match="never mounted in production"):
        Settings(environment="production", jwt_keys={"k": "x" * 40}, jwt_active_kid="k", bench_baselines=True)


def test_the_response_cache_is_off_only_for_a_bench_instance_that_asks(settings: Settings):
    from graph.bench_routes import UncachedResponses, response_cache
    from graph.edge.response_cache import ResponseCache

    off = settings.model_copy(update={"bench_baselines": True, "bench_response_cache": False})
    ignored = settings.model_copy(update={"bench_response_cache": False})
    assert isinstance(response_cache(None, off), UncachedResponses)  # type: ignore[arg-type]
    assert type(response_cache(None, ignored)) is ResponseCache  # type: ignore[arg-type]
