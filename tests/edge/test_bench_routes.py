"""The benchmark baseline routes live in the bench harness (tests/bench/app.py), never in the product's app;
the bench's cache-off instance uses the product setting ASTRO_RESPONSE_CACHE=false."""

from __future__ import annotations

import importlib
import socket
from types import SimpleNamespace

import httpx
import pytest
from starlette.requests import Request

from graph.app import create_app
from graph.settings import Settings
from tests.bench import procs, steps
from tests.bench.app import create_app as create_bench_app

CATALOGUE = "{ launches(first: 1) { edges { node { id } } } }"


async def test_baseline_routes_are_not_mounted_by_default(http):
    assert (await http.post("/bench/baseline")).status_code == 404
    assert (await http.put("/bench/baseline/store", content=b"{}")).status_code == 404


async def test_baseline_routes_return_the_stored_bytes_over_get_and_post(settings: Settings):
    app = create_bench_app(settings)
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


def test_production_never_mounts_baseline_routes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASTRO_BENCH_BASELINES", "1")  # the old switch: now it means nothing
    production = Settings(
        environment="production",
        jwt_keys={"k": "x" * 40},
        jwt_active_kid="k",
        smtp_url="smtp://mail.example:25",
        metrics=False,
    )
    paths = [getattr(route, "path", "") for route in create_app(production).routes]
    assert "/graphql" in paths
    assert not [path for path in paths if path.startswith("/bench")]


def test_the_bench_turns_the_response_cache_off_with_the_product_setting(monkeypatch: pytest.MonkeyPatch):
    assert Settings().response_cache is True
    for name, value in steps.NO_RESPONSE_CACHE.items():
        monkeypatch.setenv(name, value)
    assert Settings().response_cache is False


@pytest.mark.parametrize("enabled", [True, False])
async def test_the_response_cache_is_off_only_when_the_settings_say_so(settings: Settings, enabled: bool):
    app = create_app(settings.model_copy(update={"response_cache": enabled}))
    request = Request({"type": "http", "method": "POST", "headers": [], "query_string": b""})
    operation = SimpleNamespace(query=CATALOGUE, variables=None, operation_name=None)
    outcome = SimpleNamespace(payload={"data": {}}, raw=None, status=200, headers={}, fresh_until=None)
    async with app.router.lifespan_context(app):
        cache = app.state.services.response_cache
        miss = await cache.lookup(request, operation)
        await cache.store(miss, outcome)
        again = await cache.lookup(request, operation)
    assert miss.public and again.public  # the same headers either way
    assert outcome.headers["Cache-Control"].startswith("public")
    assert (again.body is not None) is enabled


def test_the_bench_harness_imports():
    importlib.import_module("tests.bench.run")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_harness_serves_the_bench_app_with_two_workers(settings: Settings):
    env = {
        "DATABASE_URL": settings.database_url or "",
        "MONGODB_URL": settings.mongodb_url or "",
        "MONGODB_DB": settings.mongodb_db,
        "ASTRO_CACHE_NAMESPACE": settings.cache_namespace,
    }
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    # Two workers share the stored baseline only through Redis; with the memory cache each keeps its own.
    workers = 2 if settings.redis_url else 1
    port = _free_port()
    with procs.service("test-bench-app", port, env, workers=workers) as proc:
        base = f"http://127.0.0.1:{port}"
        assert len(procs.worker_pids(proc)) == workers
        assert httpx.put(f"{base}/bench/baseline/store", content=b'{"data":{}}').status_code == 204
        assert httpx.post(f"{base}/bench/baseline", json={"query": "{ ping }"}).content == b'{"data":{}}'
