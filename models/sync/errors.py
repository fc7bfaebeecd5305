"""Refusals of the synchronisation operations."""

from __future__ import annotations

from typing import Any

from models.errors import Conflict, NotFound


class SyncAlreadyRunning(Conflict):
    """A run covering the same data is queued or running; `active` is that run (a SyncJob)."""

    def __init__(self, active: Any) -> None:
        name = f" ({active.kind} run {active.id}, {active.status})" if active is not None else ""
        super().__init__(f"A synchronisation of this data is already active{name}")
        self.active = active


class SyncRunNotFound(NotFound):
    pass


class SyncRunFinished(Conflict):
    def __init__(self, run: Any) -> None:
        super().__init__(f"Run {run.id} already finished ({run.status})")
        self.run = run
