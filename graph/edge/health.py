"""Liveness and readiness: `/healthz` (process up) and `/readyz` (every part of the service, each `ok`,
`degraded` or `down` with a reason; 503 when a part readiness depends on is down: the stores, the outbox and
the sync runs, not email). The rules: resolvers/monitoring/health.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from resolvers.monitoring.health import DOWN, READINESS, STORES, service_health


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    health = await service_health(request.app.state.services)
    ready = all(part.status != DOWN for part in health.parts if part.name in READINESS)
    parts = {
        part.name: {"status": part.status, "reason": part.reason, "ms": part.latency_ms, **part.details}
        for part in health.parts
    }
    # `stores` keeps the earlier shape for probes that read it.
    stores = {name: {"ok": parts[name]["status"] != DOWN, "ms": parts[name]["ms"]} for name in STORES}
    body = {"status": "ready" if ready else "unavailable", "health": health.status, "parts": parts, "stores": stores}
    return JSONResponse(body, 200 if ready else 503)
