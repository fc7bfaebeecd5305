"""Health for IT: `systemHealth` (IT only) and `/readyz`, each part ok/degraded/down with a reason."""

from __future__ import annotations

import pytest

from models.store import mongo
from models.sync import jobs
from tests.support.graphql import error_codes

HEALTH = "{ systemHealth { status parts { name status reason latencyMs details } } }"


async def test_readyz_reports_every_part_with_latency(http):
    ready = await http.get("/readyz")
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "ready"
    assert set(body["parts"]) == {"postgresql", "mongodb", "cache", "outbox", "sync"}
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
