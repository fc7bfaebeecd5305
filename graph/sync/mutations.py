"""Synchronisation mutations for `it` users: start and cancel runs."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.sync.results import CancelSyncResult, StartSyncResult
from graph.sync.types import SyncKind, SyncRun
from resolvers.sync import runs as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Queue a synchronisation; a worker runs it (`it` only). One run of a kind at a time.",
        extensions=[allow(Role.IT)],
    )
    async def start_sync(
        self, info: Info, kind: Annotated[SyncKind, strawberry.argument(description="What to synchronise.")]
    ) -> StartSyncResult:
        return await answer(uc.start_sync(info.context.bundle(info), kind=kind.value), SyncRun.from_row)

    @strawberry.mutation(
        description="Cancel a queued or running synchronisation (`it` only).", extensions=[allow(Role.IT)]
    )
    async def cancel_sync(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The run.")]
    ) -> CancelSyncResult:
        return await answer(uc.cancel_sync(info.context.bundle(info), run_id=str(id)), SyncRun.from_row)
