"""Background work the worker runs on a period, next to the relay. Register a task here (one line) or on a
worker with `worker.every(seconds, task)`. Every worker runs every task: a task whose work items are rows
claims them with `claim` (FOR UPDATE SKIP LOCKED), so two workers never take the same row; a task that
must run on one worker at a time sets `single=True` (a PostgreSQL advisory lock keyed by its name)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import text
from sqlmodel.sql.expression import SelectOfScalar

from models.base import utcnow
from resolvers.bookings.release_expired_holds import release_expired_holds
from resolvers.finance.reminders import send_overdue_reminders
from resolvers.monitoring.logs import prune_logs
from resolvers.notifications.sender import send_due_task
from resolvers.sync.relay import WorkerServices

Task = Callable[[Any], Awaitable[object]]
T = TypeVar("T")
DELIVERIES_KEPT_HOURS = 24


@dataclass(frozen=True)
class Periodic:
    name: str
    seconds: float
    task: Task  # async def task(services) -> None
    single: bool = False


def claim(statement: SelectOfScalar[T], limit: int) -> SelectOfScalar[T]:
    """The rows a task takes for itself: locked until its transaction ends, skipped by other workers."""
    return statement.limit(limit).with_for_update(skip_locked=True)


async def prune_deliveries(services: WorkerServices) -> None:
    """Per-consumer delivery marks are needed only until the event is delivered to everyone (failures are
    kept for IT)."""
    async with services.db.unit_of_work() as uow:
        await uow.session.execute(
            text(
                "DELETE FROM outbox_deliveries d USING outbox_events e WHERE d.event_id = e.id "
                "AND d.status = 'delivered' AND e.delivered_at < now() - make_interval(hours => :hours)"
            ),
            {"hours": DELIVERIES_KEPT_HOURS},
        )
        await uow.commit()


async def remind_overdue_invoices(services: WorkerServices) -> None:
    """Overdue invoices remind their agency at most once a week (claimed rows: any number of workers)."""
    await send_overdue_reminders(services, now=utcnow())


async def release_holds(services: Any) -> None:
    """Seat holds whose request died: released (or refunded, when the charge went through) after expiry."""
    await release_expired_holds(services, now=utcnow())


PERIODIC: list[Periodic] = [
    Periodic("prune_outbox_deliveries", 3600, prune_deliveries, single=True),
    Periodic("remind_overdue_invoices", 3600, remind_overdue_invoices),
    Periodic("send_due_notifications", 5, send_due_task),
    Periodic("release_expired_seat_holds", 30, release_holds),
    Periodic("prune_system_log", 3600, prune_logs, single=True),
]
