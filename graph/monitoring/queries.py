"""System log queries (`it` only)."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.relay import PageInfo
from strawberry.scalars import JSON
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.monitoring.types import (
    HealthPart,
    HealthStatus,
    SystemHealth,
    SystemLogConnection,
    SystemLogEdge,
    SystemLogEntry,
    SystemLogFilter,
)
from resolvers.monitoring import health
from resolvers.monitoring import logs as uc


@strawberry.type
class Query:
    @strawberry.field(description="Search the system log, newest first (`it` only).", extensions=[allow(Role.IT)])
    async def system_logs(
        self,
        info: Info,
        filter: Annotated[SystemLogFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: Annotated[int, strawberry.argument(description="Page size (0-200).")] = 50,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the previous page's end.")] = None,
    ) -> SystemLogConnection:
        log_filter = (filter or SystemLogFilter()).to_model()
        page = await uc.system_logs(info.context.bundle(info), log_filter, first=first, after=after)
        edges = [
            SystemLogEdge(cursor=cursor, node=SystemLogEntry.from_row(row))
            for row, cursor in zip(page.entries, page.cursors, strict=True)
        ]
        page_info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return SystemLogConnection(edges=edges, page_info=page_info)

    @strawberry.field(description="The health of every part of the service (`it` only).", extensions=[allow(Role.IT)])
    async def system_health(self, info: Info) -> SystemHealth:
        found = await health.system_health(info.context.bundle(info), info.context.services)
        parts = [
            HealthPart(
                name=part.name,
                status=HealthStatus(part.status),
                reason=part.reason,
                latency_ms=part.latency_ms,
                details=cast(JSON, part.details),
            )
            for part in found.parts
        ]
        return SystemHealth(status=HealthStatus(found.status), parts=parts)
