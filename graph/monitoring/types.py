"""GraphQL types of the system log (`it` only)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import cast

import strawberry
from strawberry.relay import PageInfo
from strawberry.scalars import JSON

from models.monitoring.logs import LogEntry as Row
from models.monitoring.logs import LogFilter


@strawberry.enum(description="Severity of a log entry.")
class LogLevel(Enum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@strawberry.input(description="Narrow the system log; every given condition must hold.")
class SystemLogFilter:
    levels: list[LogLevel] | None = strawberry.field(default=None, description="Only these levels.")
    action: str | None = strawberry.field(default=None, description="Exact action, e.g. `booking_confirmed`.")
    entity_type: str | None = strawberry.field(default=None, description="Exact entity type, e.g. `Booking`.")
    entity_id: str | None = strawberry.field(default=None, description="Exact entity id.")
    user: str | None = strawberry.field(default=None, description="Exact actor, e.g. `traveler:<user id>`.")
    request_id: str | None = strawberry.field(default=None, description="Exact request id (X-Request-ID).")
    since: datetime | None = strawberry.field(default=None, description="At or after this time (UTC).")
    until: datetime | None = strawberry.field(default=None, description="Before this time (UTC).")
    text: str | None = strawberry.field(
        default=None,
        description="Text found in the message or action, literally and ignoring case (at most 200 characters).",
    )

    def to_model(self) -> LogFilter:
        return LogFilter(
            levels=tuple(level.value for level in self.levels or ()),
            action=self.action,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            actor=self.user,
            request_id=self.request_id,
            since=self.since,
            until=self.until,
            text=self.text,
        )


@strawberry.type(description="One system log entry.")
class SystemLogEntry:
    id: strawberry.ID = strawberry.field(description="Entry id (the outbox event's id for changes).")
    at: datetime = strawberry.field(description="When it happened (UTC).")
    level: LogLevel = strawberry.field(description="Severity.")
    action: str = strawberry.field(description="What happened, e.g. `booking_confirmed` or `login_failed`.")
    entity_type: str | None = strawberry.field(description="Type of the entity concerned.")
    entity_id: str | None = strawberry.field(description="Id of the entity concerned.")
    user: str | None = strawberry.field(description="Who did it: `role:id`, or null.")
    request_id: str | None = strawberry.field(description="The request it came from.")
    message: str = strawberry.field(description="Human-readable summary.")
    data: JSON = strawberry.field(description="Details, without secrets.")

    @classmethod
    def from_row(cls, row: Row) -> SystemLogEntry:
        return cls(
            id=strawberry.ID(row.id),
            at=row.at,
            level=LogLevel(row.level),
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            user=row.actor,
            request_id=row.request_id,
            message=row.message or "",
            data=cast(JSON, dict(row.data or {})),
        )


@strawberry.type(description="An edge of the system log.")
class SystemLogEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this entry.")
    node: SystemLogEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of the system log, newest first.")
class SystemLogConnection:
    edges: list[SystemLogEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")


@strawberry.enum(description="How a part of the service is doing.")
class HealthStatus(Enum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@strawberry.type(description="One part of the service: a store, the outbox, the synchronisation runs.")
class HealthPart:
    name: str = strawberry.field(description="`postgresql`, `mongodb`, `cache`, `outbox` or `sync`.")
    status: HealthStatus = strawberry.field(description="ok, degraded or down.")
    reason: str | None = strawberry.field(description="Why it is not ok.")
    latency_ms: float | None = strawberry.field(description="Round-trip time of the probe (stores), ms.")
    details: JSON = strawberry.field(description="Figures: outbox lag and counts, active runs...")


@strawberry.type(description="The health of the service.")
class SystemHealth:
    status: HealthStatus = strawberry.field(description="The worst part's status.")
    parts: list[HealthPart] = strawberry.field(description="Every part.")
