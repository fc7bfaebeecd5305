"""Synchronisation runs (system store): the queue the workers take them from, and the locks that keep one
run of a kind at a time.

A run is `queued` when started, `running` once a worker claims it (with a lease it renews while working),
then `succeeded`, `failed` or `canceled`. A run whose worker stops renewing its lease is claimed again by
another worker (steps are idempotent, so the run restarts from its beginning), up to `max_attempts`
claims; then it is failed. Every function here is blocking: callers run it through `mongo.run_sync`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField
from mongoengine.errors import NotUniqueError
from pymongo import ReturnDocument

from models.base import utcnow
from models.ids import new_id
from models.sync.errors import SyncAlreadyRunning

PARTS = ("accounts", "catalogue", "notifications")  # the kinds `all` runs, in this order
KINDS = (*PARTS, "all")
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELED = "queued", "running", "succeeded", "failed", "canceled"
STARTING = "starting"  # inserted, its locks not yet taken: never claimed, never listed
ACTIVE = (STARTING, QUEUED, RUNNING)
FINDINGS_KEPT = 1000  # listed on the run; the counts cover every finding


class SyncJob(Document):
    meta = {"collection": "sync_jobs", "indexes": [("kind", "status"), ("status", "created_at"), "-created_at"]}

    id = StringField(primary_key=True, default=new_id)
    kind = StringField(required=True, choices=KINDS)
    status = StringField(required=True, default=STARTING, choices=(*ACTIVE, SUCCEEDED, FAILED, CANCELED))
    created_at = DateTimeField(required=True, default=utcnow)
    started_at = DateTimeField()
    finished_at = DateTimeField()
    progress = IntField(default=0, min_value=0, max_value=100)
    counts = DictField()  # e.g. {"users": 10, "missing": 1, "fixed": 2}
    errors = ListField(StringField())
    notes = ListField(StringField())  # e.g. a part skipped, and why
    findings = ListField(DictField())  # the accounts sync's reported records
    requested_by = StringField()
    request_id = StringField()
    worker = StringField()  # the worker holding the lease
    lease_until = DateTimeField()
    attempts = IntField(default=0)  # claims so far


class SyncLock(Document):
    """One per part while a run covering it is active; the unique `_id` makes taking it atomic."""

    meta = {"collection": "sync_locks"}

    id = StringField(primary_key=True)  # the part: accounts, catalogue, notifications
    run_id = StringField(required=True)


def parts_of(kind: str) -> tuple[str, ...]:
    return PARTS if kind == "all" else (kind,)


def start(kind: str, *, requested_by: str | None, request_id: str | None) -> SyncJob:
    """Queue a run, or raise SyncAlreadyRunning naming the active run that covers one of its parts."""
    run = SyncJob(kind=kind, requested_by=requested_by, request_id=request_id)
    run.save(force_insert=True)
    taken: list[str] = []
    try:
        for part in parts_of(kind):
            _take(part, run.id)
            taken.append(part)
    except SyncAlreadyRunning:
        SyncLock.objects(id__in=taken, run_id=run.id).delete()
        run.delete()
        raise
    SyncJob.objects(id=run.id).update_one(set__status=QUEUED)
    run.status = QUEUED
    return run


def _take(part: str, run_id: str) -> None:
    for _ in range(3):
        try:
            SyncLock(id=part, run_id=run_id).save(force_insert=True)
            return
        except NotUniqueError:
            holder = SyncLock.objects(id=part).first()
            if holder is None:
                continue  # released meanwhile
            active = SyncJob.objects(id=holder.run_id, status__in=ACTIVE).first()
            if active is not None:
                raise SyncAlreadyRunning(active) from None
            # The run that held it is finished (or gone) but its lock was not released: take it.
            SyncLock.objects(id=part, run_id=holder.run_id).delete()
    raise SyncAlreadyRunning(None)


def release(run_id: str) -> None:
    SyncLock.objects(run_id=run_id).delete()


def claim(worker: str, *, lease_seconds: float, now: datetime | None = None) -> SyncJob | None:
    """Take the oldest queued run, or a running one whose lease expired (its worker died), atomically."""
    now = now or utcnow()
    document = SyncJob._get_collection().find_one_and_update(
        {"$or": [{"status": QUEUED}, {"status": RUNNING, "lease_until": {"$lt": now}}]},
        {
            "$set": {"status": RUNNING, "worker": worker, "lease_until": now + timedelta(seconds=lease_seconds)},
            "$inc": {"attempts": 1},
        },
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    if document is None:
        return None
    run = SyncJob._from_son(document)
    if run.started_at is None:
        SyncJob.objects(id=run.id).update_one(set__started_at=now)
        run.started_at = now
    return run


def heartbeat(run_id: str, worker: str, *, lease_seconds: float, progress: int, counts: dict[str, Any]) -> bool:
    """Renew the lease and report progress; False when the run is no longer this worker's (canceled, or
    taken over after a missed lease), and the worker must stop working on it."""
    updated = SyncJob.objects(id=run_id, status=RUNNING, worker=worker).update_one(
        set__lease_until=utcnow() + timedelta(seconds=lease_seconds),
        set__progress=max(0, min(100, progress)),
        set__counts=counts,
    )
    return bool(updated)


def finish(
    run_id: str,
    worker: str | None,
    status: str,
    *,
    counts: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    notes: list[str] | None = None,
    findings: list[dict[str, Any]] | None = None,
) -> bool:
    """Close a running run (this worker's, when `worker` is given) and release its locks."""
    match: dict[str, Any] = {"id": run_id, "status__in": (QUEUED, RUNNING)}
    if worker is not None:
        match["worker"] = worker
    changes: dict[str, Any] = {"set__status": status, "set__finished_at": utcnow(), "unset__lease_until": True}
    if status == SUCCEEDED:
        changes["set__progress"] = 100
    for name, value in (("counts", counts), ("errors", errors), ("notes", notes), ("findings", findings)):
        if value is not None:
            changes[f"set__{name}"] = value[:FINDINGS_KEPT] if isinstance(value, list) else value
    updated = SyncJob.objects(**match).update_one(**changes)
    if updated:
        release(run_id)
    return bool(updated)


def cancel(run_id: str) -> tuple[SyncJob | None, bool]:
    """Cancel a queued or running run (its worker notices at its next heartbeat): the run (None when not
    found) and whether this call canceled it (False: it had already finished)."""
    changed = finish(run_id, None, CANCELED)
    return find(run_id), changed


def find(run_id: str) -> SyncJob | None:
    return SyncJob.objects(id=run_id, status__ne=STARTING).first()


def recent(*, kind: str | None, status: str | None, first: int) -> list[SyncJob]:
    query: dict[str, Any] = {"status__ne": STARTING}
    if kind is not None:
        query["kind"] = kind
    if status is not None:
        query["status"] = status
    return list(SyncJob.objects(**query).order_by("-created_at", "-id").limit(first))


def active() -> list[SyncJob]:
    return list(SyncJob.objects(status__in=(QUEUED, RUNNING)).order_by("created_at"))
