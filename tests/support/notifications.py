"""Outbox events and notifications read back for the notification tests; `deliver` plays the relay's part
for the notifications consumer (the relay itself is the worker's)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from models.notifications.tables import Notification
from models.sync.outbox import OutboxEvent
from resolvers.notifications.consumer import notify


async def events(services: Any, event_type: str) -> list[OutboxEvent]:
    async with services.db.unit_of_work() as uow:
        statement = select(OutboxEvent).where(col(OutboxEvent.event_type) == event_type).order_by(OutboxEvent.id)
        return list((await uow.session.execute(statement)).scalars())


async def deliver(services: Any, event_type: str, **kwargs: Any) -> int:
    """Hand every outbox event of `event_type` to the notifications consumer; how many notifications it made."""
    return sum([await notify(services, event, **kwargs) for event in await events(services, event_type)])


async def notifications(services: Any, **where: Any) -> list[Notification]:
    clauses = [getattr(Notification, name) == value for name, value in where.items()]
    async with services.db.unit_of_work() as uow:
        statement = select(Notification).where(*clauses).order_by(Notification.created_at, Notification.id)
        return list((await uow.session.execute(statement)).scalars())


async def make_notification(
    services: Any, recipient_id: str, *, status: str = "pending", event: str = "launch_confirmed"
) -> Notification:
    from models.ids import new_id
    from tests.support.builders import insert

    note = Notification(
        event_id=new_id(),
        event=event,
        recipient_id=recipient_id,
        to_address=f"{recipient_id}@example.test",
        subject="Moonrise is confirmed",
        body="Hello",
        status=status,
    )
    await insert(services, note)
    return note
