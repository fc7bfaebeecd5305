"""GraphQL types of the synchronisation runs (`it` only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from models.sync.jobs import STARTING, SyncJob


@strawberry.enum(description="What a synchronisation covers.")
class SyncKind(Enum):
    ACCOUNTS = "accounts"
    CATALOGUE = "catalogue"
    NOTIFICATIONS = "notifications"
    ALL = "all"


@strawberry.enum(description="Where a run is.")
class SyncStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


@strawberry.type(description="One finding of an `accounts` synchronisation.")
class SyncFinding:
    finding: str = strawberry.field(description="`missing`, `orphaned` or `mismatched`.")
    detail: str = strawberry.field(description="What was found.")
    user_id: str | None = strawberry.field(description="The user account concerned.")
    profile: str | None = strawberry.field(description="The profile concerned, `traveler:<id>` or `agency:<id>`.")
    fixed: bool = strawberry.field(description="Whether the run fixed it.")


@strawberry.type(description="A synchronisation run.")
class SyncRun:
    id: strawberry.ID = strawberry.field(description="Run id.")
    kind: SyncKind = strawberry.field(description="What it covers.")
    status: SyncStatus = strawberry.field(description="Where it is.")
    created_at: datetime = strawberry.field(description="When it was started (UTC).")
    started_at: datetime | None = strawberry.field(description="When a worker first took it (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it ended (UTC).")
    progress: int = strawberry.field(description="Progress, percent.")
    counts: JSON = strawberry.field(description="Counts by name, e.g. `accounts_missing`.")
    errors: list[str] = strawberry.field(description="Why it failed.")
    notes: list[str] = strawberry.field(description="Remarks, e.g. a part skipped.")
    findings: list[SyncFinding] = strawberry.field(description="Records reported (the first 1,000).")
    requested_by: str | None = strawberry.field(description="Who started it (`role:id`).")
    worker: str | None = strawberry.field(description="The worker running it (or that last ran it).")
    attempts: int = strawberry.field(description="How many times a worker claimed it.")

    @classmethod
    def from_row(cls, row: SyncJob) -> SyncRun:
        return cls(
            id=strawberry.ID(row.id),
            kind=SyncKind(row.kind),
            # A run still taking its locks (a concurrent start named it) is shown as queued.
            status=SyncStatus("queued" if row.status == STARTING else row.status),
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            progress=row.progress or 0,
            counts=cast(JSON, dict(row.counts or {})),
            errors=list(row.errors or []),
            notes=list(row.notes or []),
            findings=[
                SyncFinding(
                    finding=f["finding"],
                    detail=f["detail"],
                    user_id=f.get("userId"),
                    profile=f.get("profile"),
                    fixed=bool(f.get("fixed")),
                )
                for f in row.findings or []
            ],
            requested_by=row.requested_by,
            worker=row.worker,
            attempts=row.attempts or 0,
        )
