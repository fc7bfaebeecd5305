"""Synchronisation runs: IT starts, lists and cancels them; the workers execute them.

A worker claims a queued run (or one whose lease expired: its worker died) every ASTRO_SYNC_POLL_SECONDS,
renews the lease as it reports progress, and stops when the run is no longer its own (canceled, or taken
over). A run that raises, or whose claims run out (ASTRO_SYNC_MAX_ATTEMPTS), fails and records a
`sync_failed` outbox event (IT users are notified from it). Every change a run makes carries the run as its
origin (`sync:<run id>`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from models.accounts.users import User
from models.agencies.tables import Agency
from models.errors import ValidationFailed
from models.launches import catalogue_cache
from models.store import mongo
from models.sync import jobs
from models.sync.accounts import Account, Profile, compare
from models.sync.errors import SyncRunFinished, SyncRunNotFound
from models.sync.events import Aggregate, Event
from models.sync.jobs import SyncJob
from models.sync.outbox import Origin, record_event
from models.travelers.tables import Traveler
from resolvers.monitoring.logs import record, require_it
from resolvers.request import RequestBundle

log = logging.getLogger("astro.sync")
MAX_LISTED = 200
STUCK_NOTIFICATION_MINUTES = 15


# --- IT's operations -------------------------------------------------------------------------------------


async def start_sync(call: RequestBundle, *, kind: str) -> SyncJob:
    """Queue a run; SyncAlreadyRunning (naming the active run) when one covering the same data is active."""
    require_it(call)
    if kind not in jobs.KINDS:
        raise ValidationFailed(f"Unknown synchronisation kind: {kind}", field="kind")
    actor = call.origin.actor
    run = await mongo.run_sync(jobs.start, kind, requested_by=actor, request_id=call.origin.request_id)
    await record(
        "info",
        "sync_started",
        f"{kind} synchronisation {run.id} queued",
        actor=actor,
        request_id=call.origin.request_id,
        entity=(Aggregate.SYNC_RUN, run.id),
        data={"kind": kind},
    )
    return run


async def sync_runs(call: RequestBundle, *, kind: str | None, status: str | None, first: int) -> list[SyncJob]:
    require_it(call)
    if not 0 <= first <= MAX_LISTED:
        raise ValidationFailed(f"first must be between 0 and {MAX_LISTED}", field="first")
    return await mongo.run_sync(jobs.recent, kind=kind, status=status, first=first)


async def sync_run(call: RequestBundle, *, run_id: str) -> SyncJob:
    require_it(call)
    run = await mongo.run_sync(jobs.find, run_id)
    if run is None:
        raise SyncRunNotFound(f"No synchronisation run {run_id}")
    return run


async def cancel_sync(call: RequestBundle, *, run_id: str) -> SyncJob:
    """Cancel a queued or running run; SyncRunFinished when it had already ended."""
    require_it(call)
    run, changed = await mongo.run_sync(jobs.cancel, run_id)
    if run is None:
        raise SyncRunNotFound(f"No synchronisation run {run_id}")
    if not changed:
        raise SyncRunFinished(run)
    await record(
        "info",
        "sync_canceled",
        f"{run.kind} synchronisation {run.id} canceled",
        actor=call.origin.actor,
        request_id=call.origin.request_id,
        entity=(Aggregate.SYNC_RUN, run.id),
    )
    return run


# --- Execution by the workers ----------------------------------------------------------------------------


class RunLost(Exception):
    """The run is no longer this worker's: canceled, or taken over after a missed lease."""


@dataclass
class Execution:
    """One claimed run as its worker executes it: progress, counts, notes, findings."""

    services: Any
    run: SyncJob
    worker: str
    lease_seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    done_parts: int = 0

    @property
    def origin(self) -> Origin:
        return Origin(operation=f"sync:{self.run.id}", actor=self.run.requested_by, request_id=self.run.request_id)

    async def progress(self, fraction: float) -> None:
        """Report how far the current part is (0..1) and renew the lease; RunLost when it is not ours."""
        parts = len(jobs.parts_of(self.run.kind))
        percent = int((self.done_parts + fraction) / parts * 100)
        kept = await mongo.run_sync(
            jobs.heartbeat,
            self.run.id,
            self.worker,
            lease_seconds=self.lease_seconds,
            progress=min(percent, 99),
            counts=self.counts,
        )
        if not kept:
            raise RunLost(self.run.id)


Step = Callable[[Execution], Awaitable[None]]


async def sync_accounts(execution: Execution) -> None:
    services = execution.services

    def accounts() -> list[Account]:
        found = User.objects.only("id", "email", "name", "role")
        return [Account(user.id, user.email, user.name, user.role) for user in found]

    users = await mongo.run_sync(accounts)
    await execution.progress(0.3)
    async with services.db.read() as session:
        travelers = await session.execute(text("SELECT id, user_id, contact_email, name FROM travelers"))
        agencies = await session.execute(text("SELECT id, user_id, contact_email FROM agencies"))
        profiles = [Profile("traveler", t.id, t.user_id, t.contact_email, t.name) for t in travelers.all()]
        profiles += [Profile("agency", a.id, a.user_id, a.contact_email, None) for a in agencies.all()]
    comparison = compare(users, profiles)
    await execution.progress(0.6)
    if comparison.fixes:
        async with services.db.unit_of_work() as uow:
            for fix in comparison.fixes:
                table = Traveler if fix.profile.kind == "traveler" else Agency
                row = await uow.session.get(table, fix.profile.id)
                if row is None:
                    continue
                for column, value in fix.changes.items():
                    setattr(row, column, value)
                event, aggregate = (
                    (Event.TRAVELER_PROFILE_UPDATED, Aggregate.TRAVELER)
                    if table is Traveler
                    else (Event.AGENCY_UPDATED, Aggregate.AGENCY)
                )
                payload = {"fields": sorted(fix.changes), "syncRun": execution.run.id}
                record_event(uow.session, execution.origin, event, (aggregate, row.id), payload)
            await uow.commit()
    execution.counts.update(
        {"users": len(users), "profiles": len(profiles), **{f"accounts_{k}": v for k, v in comparison.counts().items()}}
    )
    execution.findings.extend(comparison.findings)


async def sync_catalogue(execution: Execution) -> None:
    """Drop every cached catalogue answer at once (a tag bump): the next request rebuilds it from PostgreSQL."""
    await catalogue_cache.invalidate(execution.services.tags)
    execution.counts["catalogue_invalidated"] = 1


async def sync_notifications(execution: Execution) -> None:
    """Failed notifications, and pending ones left unsent for over STUCK_NOTIFICATION_MINUTES past their
    next attempt (no sender took them), back to the front of the queue with fresh attempts."""
    async with execution.services.db.unit_of_work() as uow:
        result = await uow.session.execute(
            text(
                "UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = now(), "
                "last_error = NULL, smtp_code = NULL WHERE status = 'failed' "
                "OR (status = 'pending' AND next_attempt_at < now() - make_interval(mins => :stuck))"
            ),
            {"stuck": STUCK_NOTIFICATION_MINUTES},
        )
        await uow.commit()
    execution.counts["notifications_requeued"] = int(result.rowcount)  # type: ignore[attr-defined]


STEPS: dict[str, Step] = {"accounts": sync_accounts, "catalogue": sync_catalogue, "notifications": sync_notifications}


async def fail_run(services: Any, run: SyncJob, worker: str | None, errors: list[str], **outcome: Any) -> bool:
    """Close the run as failed and record `sync_failed` (IT users are notified from it)."""
    if not await mongo.run_sync(jobs.finish, run.id, worker, jobs.FAILED, errors=errors, **outcome):
        return False
    origin = Origin(operation=f"sync:{run.id}", actor=run.requested_by, request_id=run.request_id)
    async with services.db.unit_of_work() as uow:
        payload = {"kind": run.kind, "errors": errors[:10], "attempts": run.attempts}
        record_event(uow.session, origin, Event.SYNC_FAILED, (Aggregate.SYNC_RUN, run.id), payload)
        await uow.commit()
    log.error("synchronisation %s (%s) failed: %s", run.id, run.kind, "; ".join(errors))
    return True


async def execute(services: Any, run: SyncJob, worker: str, *, lease_seconds: float) -> str:
    """Run every part of a claimed run; returns its final status (or `lost` when it was not ours any more)."""
    execution = Execution(services, run, worker, lease_seconds)
    try:
        for part in jobs.parts_of(run.kind):
            await execution.progress(0)
            await STEPS[part](execution)
            execution.done_parts += 1
        await execution.progress(1)
    except RunLost:
        return "lost"
    except Exception as exc:
        log.exception("synchronisation %s failed", run.id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        outcome = {"counts": execution.counts, "notes": execution.notes, "findings": execution.findings}
        await fail_run(services, run, worker, [error], **outcome)
        return jobs.FAILED
    finished = await mongo.run_sync(
        jobs.finish,
        run.id,
        worker,
        jobs.SUCCEEDED,
        counts=execution.counts,
        notes=execution.notes,
        findings=execution.findings,
    )
    if not finished:
        return "lost"
    await record(
        "info",
        "sync_succeeded",
        f"{run.kind} synchronisation {run.id} succeeded",
        actor=f"worker:{worker}",
        request_id=run.request_id,
        entity=(Aggregate.SYNC_RUN, run.id),
        data=execution.counts,
    )
    return jobs.SUCCEEDED


async def run_queued(services: Any, worker: str) -> int:
    """Periodic (every worker): claim and execute runs until none is waiting; returns how many it took."""
    settings = services.settings
    taken = 0
    while True:
        run = await mongo.run_sync(jobs.claim, worker, lease_seconds=settings.sync_lease_seconds)
        if run is None:
            return taken
        taken += 1
        if run.attempts > settings.sync_max_attempts:
            message = f"abandoned: its worker stopped renewing its lease ({run.attempts - 1} claims)"
            await fail_run(services, run, worker, [message])
            continue
        await execute(services, run, worker, lease_seconds=settings.sync_lease_seconds)
