"""The service's health as IT and orchestrators see it: each part `ok`, `degraded` or `down`, with a reason.

Rules: a store answering within SLOW_MS is ok, slower is degraded, no answer within PROBE_SECONDS is down.
The outbox is degraded when its oldest undelivered event is older than OUTBOX_DEGRADED_SECONDS or a consumer
has given up on events (dead), down past OUTBOX_DOWN_SECONDS. Synchronisation is degraded while a running
run's lease has expired (its worker died and none took it over yet)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from auth.policies import may_operate_system
from models.base import utcnow
from models.errors import Forbidden
from models.store import mongo
from models.sync import deliveries, jobs
from resolvers.request import RequestBundle

OK, DEGRADED, DOWN = "ok", "degraded", "down"
STORES = ("postgresql", "mongodb", "cache")
PROBE_SECONDS, SLOW_MS = 2.0, 500.0
OUTBOX_DEGRADED_SECONDS, OUTBOX_DOWN_SECONDS = 60.0, 900.0


@dataclass(frozen=True)
class Part:
    name: str
    status: str
    reason: str | None = None
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Health:
    status: str  # the worst part's
    parts: list[Part]


async def _probe(name: str, probe: Awaitable[Any]) -> Part:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(probe, timeout=PROBE_SECONDS)
    except Exception as exc:  # a store being down is the answer, not a failure of the probe
        return Part(name, DOWN, f"{type(exc).__name__}: no answer", None)
    ms = round((time.perf_counter() - started) * 1000, 1)
    return Part(name, OK if ms < SLOW_MS else DEGRADED, None if ms < SLOW_MS else f"slow: {ms} ms", ms)


async def _outbox(services: Any) -> Part:
    try:
        async with services.db.read() as session:
            stats = await asyncio.wait_for(deliveries.outbox_stats(session), timeout=PROBE_SECONDS)
    except Exception as exc:
        return Part("outbox", DOWN, f"{type(exc).__name__}: cannot read the outbox")
    details = stats.as_dict()
    if stats.lag_seconds > OUTBOX_DOWN_SECONDS:
        return Part("outbox", DOWN, f"oldest undelivered event is {stats.lag_seconds:.0f} s old", details=details)
    if stats.lag_seconds > OUTBOX_DEGRADED_SECONDS:
        return Part("outbox", DEGRADED, f"oldest undelivered event is {stats.lag_seconds:.0f} s old", details=details)
    if stats.dead:
        return Part("outbox", DEGRADED, f"events given up on: {stats.dead}", details=details)
    return Part("outbox", OK, details=details)


async def _sync() -> Part:
    try:
        active = await mongo.run_sync(jobs.active)
    except Exception as exc:
        return Part("sync", DOWN, f"{type(exc).__name__}: cannot read the runs")
    now = utcnow()
    runs = [{"id": run.id, "kind": run.kind, "status": run.status, "progress": run.progress} for run in active]
    stale = [
        run.id
        for run in active
        if run.status == jobs.RUNNING and run.lease_until is not None and _utc(run.lease_until) < now
    ]
    details = {"activeRuns": runs}
    if stale:
        return Part("sync", DEGRADED, f"runs whose worker stopped: {', '.join(stale)}", details=details)
    return Part("sync", OK, details=details)


def _utc(moment: Any) -> Any:
    from datetime import UTC  # noqa: PLC0415

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def service_health(services: Any) -> Health:
    async def cache_probe() -> None:
        await services.cache.set("health:probe", 1, ttl=5)

    parts = list(
        await asyncio.gather(
            _probe("postgresql", services.db.ping()),
            _probe("mongodb", mongo.run_sync(mongo.ping)),
            _probe("cache", cache_probe()),
            _outbox(services),
            _sync(),
        )
    )
    order = (OK, DEGRADED, DOWN)
    return Health(max((part.status for part in parts), key=order.index), parts)


async def system_health(call: RequestBundle, services: Any) -> Health:
    if not may_operate_system(call.caller):
        raise Forbidden("Only IT staff may do this")
    return await service_health(services)
