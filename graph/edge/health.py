"""Liveness and readiness: `/healthz` (process up) and `/readyz` (every store reachable)."""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.services import Services
from models.store import mongo


async def _check(name: str, probe: object) -> tuple[str, dict[str, object]]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe, timeout=2)  # type: ignore[arg-type]
    except Exception as exc:  # a store being down is the answer, not a failure of the probe
        return name, {"ok": False, "error": type(exc).__name__}
    return name, {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


async def store_health(services: Services) -> dict[str, dict[str, object]]:
    async def cache_probe() -> None:
        await services.cache.set("health:probe", 1, ttl=5)

    checks = await asyncio.gather(
        _check("postgresql", services.db.ping()),
        _check("mongodb", mongo.run_sync(mongo.ping)),
        _check("cache", cache_probe()),
    )
    return dict(checks)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    stores = await store_health(request.app.state.services)
    ready = all(check["ok"] for check in stores.values())
    return JSONResponse({"status": "ready" if ready else "unavailable", "stores": stores}, 200 if ready else 503)
