"""Result unions of the synchronisation mutations."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.sync.types import SyncRun
from models.sync import errors as refusals


def _already_running(error: refusals.SyncAlreadyRunning) -> SyncAlreadyRunning:
    active = SyncRun.from_row(error.active) if error.active is not None else None
    return SyncAlreadyRunning(message=error.message, active_run=active)


@refusal_of(refusals.SyncAlreadyRunning, _already_running)
@strawberry.type(description="A run covering the same data is queued or running; wait for it or cancel it.")
class SyncAlreadyRunning:
    message: str = strawberry.field(description="Human-readable explanation.")
    active_run: SyncRun | None = strawberry.field(description="The active run.")


@refusal_of(refusals.SyncRunFinished)
@strawberry.type(description="The run has already ended; there is nothing to cancel.")
class SyncRunFinished:
    message: str = strawberry.field(description="Human-readable explanation.")


StartSyncResult: TypeAlias = Annotated[
    SyncRun | SyncAlreadyRunning, strawberry.union("StartSyncResult", description="The queued run, or why not.")
]
CancelSyncResult: TypeAlias = Annotated[
    SyncRun | SyncRunFinished, strawberry.union("CancelSyncResult", description="The canceled run, or why not.")
]
