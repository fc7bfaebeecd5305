"""Synchronisation runs: one of a kind at a time, execution by workers with leases, failure ->
`sync_failed`, the accounts sync's findings, and IT-only access."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from models.base import utcnow
from models.store import mongo
from models.sync import jobs
from models.sync.events import Event
from resolvers.sync import runs
from tests.support.builders import make_agency, make_traveler_profile, make_user
from tests.support.graphql import error_codes
from tests.support.outbox import outbox

START = """mutation($kind: SyncKind!) { startSync(kind: $kind) {
  __typename ... on SyncRun { id kind status } ... on SyncAlreadyRunning { message activeRun { id } } } }"""
RUN = "query($id: ID!) { syncRun(id: $id) { status progress counts errors notes findings { finding detail fixed } } }"


async def start(gql, token: str, kind: str) -> dict[str, Any]:
    body = await gql(START, {"kind": kind}, token=token)
    assert "errors" not in body, body
    return body["data"]["startSync"]


async def test_two_concurrent_starts_of_a_kind_one_is_refused_naming_the_active_run(gql, cast):
    it = cast.tokens["it"]
    first, second = await asyncio.gather(start(gql, it, "ACCOUNTS"), start(gql, it, "ACCOUNTS"))
    outcomes = sorted([first, second], key=lambda r: r["__typename"])
    assert [o["__typename"] for o in outcomes] == ["SyncAlreadyRunning", "SyncRun"]
    assert outcomes[0]["activeRun"]["id"] == outcomes[1]["id"]
    # `all` covers accounts too; another kind is free.
    assert (await start(gql, it, "ALL"))["__typename"] == "SyncAlreadyRunning"
    assert (await start(gql, it, "CATALOGUE"))["__typename"] == "SyncRun"


async def test_a_worker_runs_the_queued_run_and_a_finished_run_frees_its_kind(gql, cast, services):
    it = cast.tokens["it"]
    run = await start(gql, it, "ALL")
    assert await runs.run_queued(services, "worker-a") == 1
    done = (await gql(RUN, {"id": run["id"]}, token=it))["data"]["syncRun"]
    assert done["status"] == "SUCCEEDED" and done["progress"] == 100
    assert done["counts"]["catalogue_invalidated"] == 1 and "accounts_missing" in done["counts"]
    assert any("notifications" in note for note in done["notes"]) or "notifications_requeued" in done["counts"]
    assert (await start(gql, it, "ACCOUNTS"))["__typename"] == "SyncRun"


async def test_a_run_whose_worker_died_is_taken_over_after_its_lease(services):
    run = await mongo.run_sync(jobs.start, "catalogue", requested_by="it:x", request_id="r")
    claimed = await mongo.run_sync(jobs.claim, "dead-worker", lease_seconds=30)
    assert claimed is not None and claimed.id == run.id
    # Its worker dies here. Before the lease ends nobody else may take it; once it has ended, another does.
    assert await mongo.run_sync(jobs.claim, "worker-b", lease_seconds=30) is None
    later = utcnow() + timedelta(seconds=31)
    taken = await mongo.run_sync(jobs.claim, "worker-b", lease_seconds=30, now=later)
    assert taken is not None and taken.id == run.id
    assert await runs.execute(services, taken, "worker-b", lease_seconds=30) == "succeeded"
    after = await mongo.run_sync(jobs.find, run.id)
    assert (after.status, after.worker, after.attempts) == ("succeeded", "worker-b", 2)
    # The dead worker, were it to wake up, finds the run is no longer its own.
    assert not await mongo.run_sync(jobs.heartbeat, run.id, "dead-worker", lease_seconds=1, progress=50, counts={})


async def test_a_run_abandoned_too_often_fails_and_records_sync_failed(services):
    services.settings = services.settings.model_copy(update={"sync_max_attempts": 1})
    run = await mongo.run_sync(jobs.start, "accounts", requested_by="it:x", request_id="req-1")
    await mongo.run_sync(jobs.claim, "dead-worker", lease_seconds=-1)  # its lease is already over
    await runs.run_queued(services, "worker-b")
    failed = await mongo.run_sync(jobs.find, run.id)
    assert failed.status == "failed" and "abandoned" in failed.errors[0]
    events = [e for e in await outbox(services) if e.event_type == Event.SYNC_FAILED]
    assert [(e.aggregate_id, e.origin_request_id, e.payload["kind"]) for e in events] == [(run.id, "req-1", "accounts")]


async def test_a_step_that_raises_fails_the_run_with_sync_failed(services, monkeypatch):
    async def broken(execution: Any) -> None:
        raise RuntimeError("cache exploded")

    monkeypatch.setitem(runs.STEPS, "catalogue", broken)
    run = await mongo.run_sync(jobs.start, "catalogue", requested_by="it:x", request_id="req-2")
    await runs.run_queued(services, "worker-a")
    failed = await mongo.run_sync(jobs.find, run.id)
    assert failed.status == "failed" and failed.errors == ["RuntimeError: cache exploded"]
    assert [e.aggregate_id for e in await outbox(services) if e.event_type == Event.SYNC_FAILED] == [run.id]
    assert await mongo.run_sync(jobs.start, "catalogue", requested_by=None, request_id=None)  # kind freed


async def test_cancel_stops_a_queued_run_and_a_finished_one_is_refused(gql, cast, services):
    it = cast.tokens["it"]
    run = await start(gql, it, "CATALOGUE")
    cancel = "mutation($id: ID!) { cancelSync(id: $id) { __typename ... on SyncRun { status } } }"
    assert (await gql(cancel, {"id": run["id"]}, token=it))["data"]["cancelSync"] == {
        "__typename": "SyncRun",
        "status": "CANCELED",
    }
    assert await runs.run_queued(services, "worker-a") == 0
    assert (await gql(cancel, {"id": run["id"]}, token=it))["data"]["cancelSync"]["__typename"] == "SyncRunFinished"
    assert error_codes(await gql(cancel, {"id": "nope"}, token=it)) == ["NOT_FOUND"]


async def test_the_accounts_sync_finds_each_seeded_mismatch_and_fixes_the_safe_ones(gql, services):
    it_user, it = await make_user(services, "it")
    missing, _ = await make_user(services, "traveler", name="No Profile")
    cased, _ = await make_user(services, "traveler", name="Ada Lovelace", email="ada@example.test")
    renamed, _ = await make_user(services, "traveler", name="Grace Hopper", email="grace@example.test")
    wrong_role, _ = await make_user(services, "agency", email="agency@example.test")
    fine, _ = await make_user(services, "traveler", name="Fine Person", email="fine@example.test")
    agency_user, _ = await make_user(services, "agency", email="ok-agency@example.test")
    await _profile(services, cased.id, "Ada  Lovelace", "ADA@example.test ")  # only form differs: fixed
    await _profile(services, renamed.id, "Amazing Grace", "other@example.test")  # real differences: listed
    await _profile(services, wrong_role.id, "Role Mix", "agency@example.test")  # traveler profile of an agency
    await _profile(services, fine.id, "Fine Person", "fine@example.test")
    await _profile(services, "no-such-user", "Ghost", "ghost@example.test")  # orphaned
    agency = await make_agency(services, agency_user.id)
    run = await start(gql, it, "ACCOUNTS")
    await runs.run_queued(services, "worker-a")
    result = (await gql(RUN, {"id": run["id"]}, token=it))["data"]["syncRun"]
    found = {(f["finding"], f["detail"], f["fixed"]) for f in result["findings"]}
    assert ("missing", "traveler account without a traveler profile", False) in found
    assert ("orphaned", "traveler profile without an account", False) in found
    assert ("mismatched", "traveler profile of a agency account", False) in found
    assert ("mismatched", "email differs", True) in found and ("mismatched", "name differs", True) in found
    assert ("mismatched", "email differs", False) in found and ("mismatched", "name differs", False) in found
    counts = result["counts"]
    # the agency profile of `agency_user` has another contact email (made by the builder): listed
    assert counts["accounts_fixed"] == 2 and counts["accounts_orphaned"] == 1
    assert counts["accounts_missing"] == 2  # `missing`, and `wrong_role` has no agency profile
    async with services.db.read() as session:
        from sqlalchemy import text

        row = (
            await session.execute(text("SELECT name, contact_email FROM travelers WHERE user_id = :u"), {"u": cased.id})
        ).one()
    assert tuple(row) == ("Ada Lovelace", "ada@example.test")
    fixes = [e for e in await outbox(services) if e.event_type == Event.TRAVELER_PROFILE_UPDATED]
    assert [e.origin_operation for e in fixes] == [f"sync:{run['id']}"]
    assert agency.user_id == agency_user.id and it_user.role == "it" and missing.id


async def _profile(services: Any, user_id: str, name: str, email: str) -> None:
    profile = await make_traveler_profile(services, user_id, name)
    async with services.db.unit_of_work() as uow:
        from sqlalchemy import text

        await uow.session.execute(
            text("UPDATE travelers SET contact_email = :e WHERE id = :i"), {"e": email, "i": profile.id}
        )
        await uow.commit()


@pytest.mark.parametrize("who", ["visitor", "traveler", "agency", "financial", "it"])
async def test_only_it_operates_synchronisation(gql, cast, who):
    token = cast.tokens[who]
    started = await gql(START, {"kind": "CATALOGUE"}, token=token)
    listed = await gql("{ syncRuns { id } }", token=token)
    one = await gql(RUN, {"id": "x"}, token=token)
    cancel = await gql('mutation { cancelSync(id: "x") { __typename } }', token=token)
    expected = {"visitor": "UNAUTHENTICATED", "it": None}.get(who, "FORBIDDEN")
    assert (error_codes(started) or [None]) == [expected]
    assert (error_codes(listed) or [None]) == [expected]
    assert error_codes(one) == [expected or "NOT_FOUND"]
    assert error_codes(cancel) == [expected or "NOT_FOUND"]
