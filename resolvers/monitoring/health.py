"""The service's health as IT and orchestrators see it: each part `ok`, `degraded` or `down`, with a reason.

Rules: a store answering within SLOW_MS is ok, slower is degraded, no answer within PROBE_SECONDS is down.
The outbox is degraded when its oldest undelivered event is older than OUTBOX_DEGRADED_SECONDS or a consumer
has given up on events (dead), down past OUTBOX_DOWN_SECONDS. Synchronisation is degraded while a running
run's lease has expired (its worker died and none took it over yet).

Workers: each records a heartbeat every `worker_heartbeat_seconds`; one silent for STALE_BEATS periods is
stale (degraded), none reporting at all is degraded (nothing delivers events or sends email), and only
stale ones is down. The notification queue is degraded when its oldest pending email waits longer than
QUEUE_DEGRADED_SECONDS, down past QUEUE_DOWN_SECONDS. Email over the last hour: degraded when more than
FAILURE_RATE_DEGRADED of the finished attempts failed, down when every one of at least 3 failed. SMTP: connect
and EHLO within SMTP_PROBE_SECONDS, down otherwise (degraded when no server is configured).

Readiness (`/readyz` answering 503) follows the READINESS parts only: an instance that cannot send email still
serves bookings, so a balancer must not take it out for that."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from auth.policies import may_operate_system
from models.base import utcnow
from models.errors import Forbidden
from models.store import mongo
from models.sync import deliveries, jobs, workers
from resolvers.request import RequestBundle

OK, DEGRADED, DOWN = "ok", "degraded", "down"
STORES = ("postgresql", "mongodb", "cache")
PROBE_SECONDS, SLOW_MS = 2.0, 500.0
OUTBOX_DEGRADED_SECONDS, OUTBOX_DOWN_SECONDS = 60.0, 900.0
READINESS = (*STORES, "outbox", "sync")
STALE_BEATS = 3
QUEUE_DEGRADED_SECONDS, QUEUE_DOWN_SECONDS = 900.0, 7200.0
FAILURE_RATE_DEGRADED = 0.1
SMTP_PROBE_SECONDS = 2.0
QUEUE_STATS = text(
    "SELECT count(*) FILTER (WHERE status = 'pending') AS pending,"
    " min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending,"
    " max(sent_at) AS last_sent,"
    " count(*) FILTER (WHERE status = 'sent' AND sent_at >= :since) AS sent_last_hour,"
    " count(*) FILTER (WHERE status = 'failed' AND next_attempt_at >= :since) AS failed_last_hour"
    " FROM notifications"
)


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


async def _workers(services: Any, now: datetime) -> Part:
    try:
        async with services.db.read() as session:
            rows = await asyncio.wait_for(workers.seen(session), timeout=PROBE_SECONDS)
    except Exception as exc:
        return Part("workers", DOWN, f"{type(exc).__name__}: cannot read the heartbeats")
    limit = timedelta(seconds=services.settings.worker_heartbeat_seconds * STALE_BEATS)
    seen = [
        {
            "id": row.id,
            "host": row.host,
            "pid": row.pid,
            "startedAt": row.started_at.isoformat(),
            "lastHeartbeatAt": row.last_seen_at.isoformat(),
            "relayActive": row.relay_active,
            "stale": now - _utc(row.last_seen_at) > limit,
        }
        for row in rows
    ]
    details = {"workers": seen}
    stale = [worker["id"] for worker in seen if worker["stale"]]
    if not seen:
        return Part("workers", DEGRADED, "no worker has reported a heartbeat", details=details)
    if len(stale) == len(seen):
        return Part(
            "workers", DOWN, f"no live worker; last heartbeat of each is over {limit.seconds} s old", details=details
        )
    if stale:
        return Part(
            "workers",
            DEGRADED,
            f"workers without a heartbeat for {limit.seconds} s: {', '.join(stale)}",
            details=details,
        )
    return Part("workers", OK, details=details)


async def _queue(services: Any, now: datetime) -> list[Part]:
    try:
        async with services.db.read() as session:
            found = await asyncio.wait_for(
                session.execute(QUEUE_STATS, {"since": now - timedelta(hours=1)}), PROBE_SECONDS
            )
            row = found.one()
    except Exception as exc:
        reason = f"{type(exc).__name__}: cannot read the notifications"
        return [Part("notifications", DOWN, reason), Part("email", DOWN, reason)]
    age = (now - _utc(row.oldest_pending)).total_seconds() if row.oldest_pending else 0.0
    queue = {"pending": row.pending, "oldestPendingSeconds": round(max(age, 0.0), 1)}
    if age > QUEUE_DOWN_SECONDS:
        notifications = Part("notifications", DOWN, f"oldest pending email waits for {age:.0f} s", details=queue)
    elif age > QUEUE_DEGRADED_SECONDS:
        notifications = Part("notifications", DEGRADED, f"oldest pending email waits for {age:.0f} s", details=queue)
    else:
        notifications = Part("notifications", OK, details=queue)
    finished = row.sent_last_hour + row.failed_last_hour
    rate = row.failed_last_hour / finished if finished else 0.0
    mail = {
        "lastSentAt": _utc(row.last_sent).isoformat() if row.last_sent else None,
        "sentLastHour": row.sent_last_hour,
        "failedLastHour": row.failed_last_hour,
        "failureRate": round(rate, 3),
    }
    if row.failed_last_hour >= 3 and not row.sent_last_hour:
        email = Part("email", DOWN, f"every email of the last hour failed ({row.failed_last_hour})", details=mail)
    elif rate > FAILURE_RATE_DEGRADED:
        email = Part("email", DEGRADED, f"{rate:.0%} of the last hour's emails failed", details=mail)
    else:
        email = Part("email", OK, details=mail)
    return [notifications, email]


async def _smtp(services: Any) -> Part:
    mailer = services.mailer
    if mailer.target is None:
        return Part("smtp", DEGRADED, "no SMTP server configured: emails wait in the queue")
    started = time.perf_counter()
    try:
        await asyncio.wait_for(mailer.probe(SMTP_PROBE_SECONDS), timeout=SMTP_PROBE_SECONDS + 0.5)
    except Exception as exc:
        where = f"{mailer.target.host}:{mailer.target.port}"
        return Part("smtp", DOWN, f"{type(exc).__name__}: {where} did not answer EHLO", details={"server": where})
    ms = round((time.perf_counter() - started) * 1000, 1)
    return Part("smtp", OK if ms < SLOW_MS else DEGRADED, None if ms < SLOW_MS else f"slow: {ms} ms", ms)


def _utc(moment: Any) -> Any:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def service_health(services: Any, *, now: datetime | None = None) -> Health:
    async def cache_probe() -> None:
        await services.cache.set("health:probe", 1, ttl=5)

    now = now or utcnow()
    singles, queue = await asyncio.gather(
        asyncio.gather(
            _probe("postgresql", services.db.ping()),
            _probe("mongodb", mongo.run_sync(mongo.ping)),
            _probe("cache", cache_probe()),
            _outbox(services),
            _sync(),
            _workers(services, now),
            _smtp(services),
        ),
        _queue(services, now),
    )
    parts = [*singles, *queue]
    order = (OK, DEGRADED, DOWN)
    return Health(max((part.status for part in parts), key=order.index), parts)


async def system_health(call: RequestBundle, services: Any, *, now: datetime | None = None) -> Health:
    if not may_operate_system(call.caller):
        raise Forbidden("Only IT staff may do this")
    return await service_health(services, now=now)
