"""Delivery of outbox events, tracked per consumer: a store that is down holds back only the consumer that
needs it. An event is delivered (`outbox_events.delivered_at`) once every consumer is done with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, select

from models.base import time_field, utcnow
from models.sync.outbox import OutboxEvent

DELIVERED, RETRYING, DEAD = "delivered", "retrying", "dead"


class OutboxDelivery(SQLModel, table=True):
    """One consumer's progress on one event: done, being retried, or given up on (dead, kept for IT)."""

    __tablename__ = "outbox_deliveries"

    event_id: str = Field(foreign_key="outbox_events.id", primary_key=True, max_length=36, ondelete="CASCADE")
    consumer: str = Field(primary_key=True, max_length=60)
    status: str = Field(max_length=20)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = time_field(default_factory=utcnow)


async def pending_for(session: AsyncSession, consumer: str, limit: int) -> list[OutboxEvent]:
    """The oldest events `consumer` has not finished, in insertion order."""
    done = (
        select(OutboxDelivery.event_id)
        .where(OutboxDelivery.event_id == OutboxEvent.id)
        .where(OutboxDelivery.consumer == consumer, OutboxDelivery.status != RETRYING)
    )
    statement = (
        select(OutboxEvent)
        .where(OutboxEvent.delivered_at.is_(None), ~done.exists())  # type: ignore[union-attr]
        .order_by(OutboxEvent.seq)  # type: ignore[arg-type]
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars().all())


async def attempts_of(session: AsyncSession, consumer: str, event_ids: list[str]) -> dict[str, int]:
    rows = await session.execute(
        text("SELECT event_id, attempts FROM outbox_deliveries WHERE consumer = :c AND event_id = ANY(:ids)"),
        {"c": consumer, "ids": event_ids},
    )
    return {event_id: attempts for event_id, attempts in rows.all()}


async def mark(session: AsyncSession, consumer: str, event_ids: list[str], status: str, error: str | None) -> None:
    """Record `status` for each event (a failure adds one attempt). Never commits."""
    if not event_ids:
        return
    await session.execute(
        text(
            "INSERT INTO outbox_deliveries (event_id, consumer, status, attempts, last_error, updated_at) "
            "SELECT id, :c, :status, :attempts, CAST(:error AS varchar), now() "
            "FROM unnest(CAST(:ids AS varchar[])) AS id "
            "ON CONFLICT (event_id, consumer) DO UPDATE SET status = EXCLUDED.status, "
            "attempts = outbox_deliveries.attempts + EXCLUDED.attempts, "
            "last_error = COALESCE(EXCLUDED.last_error, outbox_deliveries.last_error), updated_at = now()"
        ),
        {
            "c": consumer,
            "status": status,
            "attempts": 0 if status == DELIVERED else 1,
            "error": error,
            "ids": event_ids,
        },
    )


async def complete(session: AsyncSession, event_ids: list[str] | None, consumers: list[str]) -> int:
    """Stamp `delivered_at` on the events every consumer is done with, among `event_ids` (None: every
    undelivered event, which finds those whose last mark was written just before a crash). Never commits."""
    result = await session.execute(
        text(
            "UPDATE outbox_events e SET delivered_at = now() "
            "WHERE (CAST(:ids AS varchar[]) IS NULL OR e.id = ANY(:ids)) AND e.delivered_at IS NULL "
            "AND (SELECT count(*) FROM outbox_deliveries d WHERE d.event_id = e.id AND d.status <> 'retrying' "
            "AND d.consumer = ANY(:consumers)) = :n"
        ),
        {"ids": event_ids, "consumers": consumers, "n": len(consumers)},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxStats:
    """What health checks read: how far behind the relay is and how much is waiting."""

    lag_seconds: float  # age of the oldest undelivered event (0 when none)
    undelivered: int
    retrying: dict[str, int]  # per consumer: events whose last attempt failed
    dead: dict[str, int]  # per consumer: events given up on after too many failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "lagSeconds": self.lag_seconds,
            "undelivered": self.undelivered,
            "retrying": self.retrying,
            "dead": self.dead,
        }


async def outbox_stats(session: AsyncSession) -> OutboxStats:
    row = (
        await session.execute(
            text(
                "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) "
                "FROM outbox_events WHERE delivered_at IS NULL"
            )
        )
    ).one()
    counts = await session.execute(
        text("SELECT consumer, status, count(*) FROM outbox_deliveries WHERE status <> 'delivered' GROUP BY 1, 2")
    )
    by_status: dict[str, dict[str, int]] = {RETRYING: {}, DEAD: {}}
    for consumer, status, count in counts.all():
        by_status[status][consumer] = count
    return OutboxStats(float(row[1]), int(row[0]), by_status[RETRYING], by_status[DEAD])
