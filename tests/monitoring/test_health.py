"""Health for IT: `systemHealth` (IT only) and `/readyz`, each part ok/degraded/down with a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.base import utcnow
from models.ids import new_id
from models.notifications.mail import Mailer, SmtpTarget
from models.notifications.tables import Notification
from models.store import mongo
from models.sync import jobs
from resolvers.monitoring.health import service_health
from resolvers.sync.worker import Worker
from tests.support.builders import insert
from tests.support.graphql import error_codes
from tests.support.smtp import SmtpPeer, free_port

HEALTH = "{ systemHealth { status parts { name status reason latencyMs details } } }"


async def test_readyz_reports_every_part_with_latency(http):
    ready = await http.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "ready"
    parts = {"postgresql", "mongodb", "cache", "outbox", "sync", "workers", "notifications", "email", "smtp"}
    assert set(body["parts"]) == parts
    assert all(body["parts"][name]["ms"] is not None for name in ("postgresql", "mongodb", "cache"))
    assert body["parts"]["outbox"]["lagSeconds"] >= 0


async def test_system_health_shows_active_runs_and_a_run_whose_worker_stopped(gql, cast):
    run = await mongo.run_sync(jobs.start, "catalogue", requested_by=None, request_id=None)
    await mongo.run_sync(jobs.claim, "dead-worker", lease_seconds=-1)  # its lease is over already
    body = await gql(HEALTH, token=cast.tokens["it"])
    parts = {part["name"]: part for part in body["data"]["systemHealth"]["parts"]}
    assert parts["sync"]["status"] == "DEGRADED" and run.id in parts["sync"]["reason"]
    assert [r["id"] for r in parts["sync"]["details"]["activeRuns"]] == [run.id]
    assert body["data"]["systemHealth"]["status"] == "DEGRADED"
    assert parts["postgresql"]["status"] == "OK" and parts["postgresql"]["latencyMs"] >= 0


@pytest.mark.parametrize("who", ["visitor", "traveler", "agency", "financial", "it"])
async def test_only_it_reads_system_health(gql, cast, who):
    body = await gql(HEALTH, token=cast.tokens[who])
    expected = {"visitor": "UNAUTHENTICATED", "it": None}.get(who, "FORBIDDEN")
    assert (error_codes(body) or [None]) == [expected]


def part(health, name):
    return next(p for p in health.parts if p.name == name)


async def test_smtp_is_ok_while_the_peer_answers_ehlo_and_down_once_it_stops(http, services):
    peer = SmtpPeer()
    peer.start()
    services.mailer = Mailer(target=SmtpTarget.parse(peer.url), sender="a@astro.test")
    try:
        up = part(await service_health(services), "smtp")
        assert up.status == "ok" and up.latency_ms is not None
    finally:
        peer.stop()
    down = part(await service_health(services), "smtp")
    assert down.status == "down" and f"127.0.0.1:{peer.port}" in (down.reason or "")
    ready = await http.get("/readyz")  # email trouble never takes an instance out of the balancer
    assert ready.status_code == 200 and ready.json()["parts"]["smtp"]["status"] == "down"


async def test_smtp_unconfigured_is_degraded_and_an_unreachable_port_is_down(services):
    services.mailer = Mailer(target=None, sender="a@astro.test")
    assert part(await service_health(services), "smtp").status == "degraded"
    services.mailer = Mailer(target=SmtpTarget.parse(f"smtp://127.0.0.1:{free_port()}"), sender="a@astro.test")
    assert part(await service_health(services), "smtp").status == "down"


async def test_workers_are_listed_with_their_heartbeat_and_a_silent_one_is_stale(gql, cast, services):
    assert part(await service_health(services), "workers").status == "degraded"  # none has reported
    first, second = Worker(services, consumers={}, periodic=[]), Worker(services, consumers={}, periodic=[])
    await first.heartbeat()
    await second.heartbeat()
    body = await gql(HEALTH, token=cast.tokens["it"])
    workers = next(p for p in body["data"]["systemHealth"]["parts"] if p["name"] == "workers")
    assert workers["status"] == "OK"
    assert {w["id"] for w in workers["details"]["workers"]} == {first.id, second.id}
    assert all(w["lastHeartbeatAt"] and not w["stale"] for w in workers["details"]["workers"])

    beat = timedelta(seconds=services.settings.worker_heartbeat_seconds)
    later = utcnow() + beat * 3 + timedelta(seconds=1)  # nobody beat for three periods
    async with services.db.unit_of_work() as uow:  # the first beats again just then; the second stays silent
        from models.sync import workers as heartbeats

        await heartbeats.beat(uow.session, first.id, host="h", pid=1, now=later, relay_active=True)
        await uow.commit()
    stale = part(await service_health(services, now=later), "workers")
    assert stale.status == "degraded" and second.id in (stale.reason or "") and first.id not in (stale.reason or "")
    gone = part(await service_health(services, now=later + beat * 4), "workers")
    assert gone.status == "down"
    await first._forget()
    await second._forget()
    assert part(await service_health(services), "workers").details == {"workers": []}


def note(status: str, **values) -> Notification:
    return Notification(
        event_id=new_id(), event="booking_confirmed", recipient_id=new_id(), to_address="a@example.test",
        subject="s", body="b", status=status, **values,
    )  # fmt: skip


async def test_queue_depth_oldest_pending_last_send_and_failure_rate(services):
    now = utcnow()
    await insert(
        services,
        note("pending", created_at=now - timedelta(minutes=20)),
        note("pending", created_at=now - timedelta(minutes=1)),
        note("sent", sent_at=now - timedelta(minutes=5)),
        note("sent", sent_at=now - timedelta(hours=2)),  # outside the hour
        note("failed", next_attempt_at=now - timedelta(minutes=10)),
    )
    health = await service_health(services, now=now)
    queue, email = part(health, "notifications"), part(health, "email")
    assert queue.details["pending"] == 2 and 1199 <= queue.details["oldestPendingSeconds"] <= 1201
    assert queue.status == "degraded" and "1200 s" in (queue.reason or "")  # over 15 minutes
    assert email.details["sentLastHour"] == 1 and email.details["failedLastHour"] == 1
    assert email.details["failureRate"] == 0.5 and email.status == "degraded"
    assert email.details["lastSentAt"].startswith((now - timedelta(minutes=5)).isoformat()[:16])

    for _ in range(3):
        await insert(services, note("failed", next_attempt_at=now - timedelta(minutes=3)))
    one_hour_on = now + timedelta(minutes=56)  # the hour now holds only the failures
    email = part(await service_health(services, now=one_hour_on), "email")
    assert email.status == "down" and email.details["sentLastHour"] == 0


async def test_an_empty_queue_and_no_failures_are_ok(services):
    health = await service_health(services)
    assert part(health, "notifications").status == "ok" and part(health, "email").status == "ok"
    assert part(health, "email").details["lastSentAt"] is None
