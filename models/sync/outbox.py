"""The outbox: domain events appended in the same transaction as the change they describe."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Identity
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, time_field
from models.sync.events import Aggregate, Event


class OutboxEvent(SQLModel, table=True):
    """A domain event written in the same transaction as the change it describes."""

    __tablename__ = "outbox_events"

    id: str = id_field()
    # Insertion order, assigned by PostgreSQL: the relay delivers by it, so the events of one aggregate
    # (written by transactions that follow each other) reach every consumer in the order they happened.
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, Identity(), nullable=False, unique=True))
    event_type: str = Field(max_length=60, index=True)
    aggregate_type: str = Field(max_length=40)
    aggregate_id: str = Field(max_length=36, index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    origin_operation: str | None = Field(default=None, max_length=100)
    origin_user: str | None = Field(default=None, max_length=100)
    origin_request_id: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_field()
    delivered_at: datetime | None = time_field(default=None, nullable=True)


# Channel the unit of work NOTIFYs after a commit that wrote events, waking the relay before its next poll.
NOTIFY_CHANNEL = "astro_outbox"
# Set in `session.info` by `record_event`: the unit of work sends the NOTIFY only after such a commit.
RECORDED = "outbox_recorded"


@dataclass(frozen=True)
class Origin:
    """Where a change came from: which operation, which user or client, which request."""

    operation: str
    actor: str | None = None
    request_id: str | None = None


def record_event(
    session: AsyncSession,
    origin: Origin,
    event_type: Event,
    aggregate: tuple[Aggregate, str],
    payload: dict[str, Any],
) -> OutboxEvent:
    """Append a domain event to the caller's transaction (never commits)."""
    event = OutboxEvent(
        event_type=event_type,
        aggregate_type=aggregate[0],
        aggregate_id=aggregate[1],
        payload=payload,
        origin_operation=origin.operation,
        origin_user=origin.actor,
        origin_request_id=origin.request_id,
    )
    session.add(event)
    session.info[RECORDED] = True
    return event
