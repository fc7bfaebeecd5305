"""Synchronisation runs for `it` users."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.sync.types import SyncKind, SyncRun, SyncStatus
from resolvers.sync import runs as uc


@strawberry.type
class Query:
    @strawberry.field(description="Synchronisation runs, newest first (`it` only).", extensions=[allow(Role.IT)])
    async def sync_runs(
        self,
        info: Info,
        kind: Annotated[SyncKind | None, strawberry.argument(description="Only runs of this kind.")] = None,
        status: Annotated[SyncStatus | None, strawberry.argument(description="Only runs in this status.")] = None,
        first: Annotated[int, strawberry.argument(description="How many (0-200).")] = 50,
    ) -> list[SyncRun]:
        found = await uc.sync_runs(
            info.context.bundle(info),
            kind=kind.value if kind else None,
            status=status.value if status else None,
            first=first,
        )
        return [SyncRun.from_row(row) for row in found]

    @strawberry.field(description="One synchronisation run (`it` only).", extensions=[allow(Role.IT)])
    async def sync_run(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The run.")]
    ) -> SyncRun:
        return SyncRun.from_row(await uc.sync_run(info.context.bundle(info), run_id=str(id)))
