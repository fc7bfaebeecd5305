"""The notifications consumer of the outbox: events in, one pending notification per (event, recipient) out,
a batch of events in one transaction (booking events' audiences read with one statement, each template once,
the rows written by multi-row INSERTs).

Idempotent by construction: each row is inserted with ON CONFLICT DO NOTHING on (event id, recipient),
so an event delivered twice (a relay that crashed before marking it delivered, two relays racing) creates
nothing new. The emails themselves go out later, from the queue (resolvers/notifications/sender.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from auth.services import AuthServices
from models.base import utcnow
from models.ids import new_id
from models.notifications.tables import Notification, NotificationStatus
from models.notifications.templates import EVENTS, Template, render
from models.store.db import Database, SqlUnitOfWork
from models.sync.events import Event
from models.sync.outbox import OutboxEvent
from resolvers.accounts.users import confirmation_link
from resolvers.notifications import recipients as who
from resolvers.notifications.templates import template_for


class NotifyServices(Protocol):
    """What the consumer needs (the app's Services and a RequestBundle both have it)."""

    @property
    def db(self) -> Database: ...
    @property
    def auth(self) -> AuthServices: ...


ROWS_PER_INSERT = 1000  # 12 parameters a row: well under PostgreSQL's 32,767 per statement
BOOKING_EVENTS = frozenset({Event.BOOKING_CONFIRMED, Event.BOOKING_CANCELED})  # audiences read for the batch
Finder = Callable[[SqlUnitOfWork, OutboxEvent], Awaitable[who.Audience]]
_LAUNCH_EVENTS = [e for e in EVENTS if e.startswith("launch_")]
AUDIENCES: dict[str, Finder] = {
    **dict.fromkeys(_LAUNCH_EVENTS, who.for_launch),
    Event.INVOICE_ISSUED: who.for_invoice,
    Event.INVOICE_OVERDUE: who.for_invoice,
    Event.SYNC_FAILED: who.for_sync_failure,
    Event.ACCOUNT_REGISTERED: who.for_new_account,
}


async def notify(services: NotifyServices, event: OutboxEvent, *, now: datetime | None = None) -> int:
    """Queue the notifications of one outbox event; returns how many new ones were created (0 for events
    nobody is notified of, and for an event already handled)."""
    return await notify_all(services, [event], now=now)


async def notify_all(services: NotifyServices, events: list[OutboxEvent], *, now: datetime | None = None) -> int:
    """Queue the notifications of a batch of outbox events in one transaction; how many new ones were made."""
    wanted = [event for event in events if event.event_type in AUDIENCES or event.event_type in BOOKING_EVENTS]
    if not wanted:
        return 0
    now = now or utcnow()
    async with services.db.unit_of_work() as uow:
        booked = await who.for_bookings(uow, [event for event in wanted if event.event_type in BOOKING_EVENTS])
        templates: dict[str, Template] = {}
        rows = []
        for event in wanted:
            audience = booked[event.id] if event.id in booked else await AUDIENCES[event.event_type](uow, event)
            unique = {person.user_id: person for person in audience.recipients if person.address}
            if unique and event.event_type not in templates:
                templates[event.event_type] = await template_for(uow.session, event.event_type)
            for person in unique.values():
                values = audience.values | {"recipient_name": person.name}
                if event.event_type == Event.ACCOUNT_REGISTERED:
                    values["confirmation_link"] = confirmation_link(services.auth, person.user_id, person.address)
                text = render(templates[event.event_type], event.event_type, values)
                rows.append(_row(event, person, text.subject, text.body, now))
        created = 0
        for start in range(0, len(rows), ROWS_PER_INSERT):
            statement = insert(Notification).values(rows[start : start + ROWS_PER_INSERT])
            statement = statement.on_conflict_do_nothing(constraint="notification_once_per_event_recipient")
            created += len((await uow.session.execute(statement.returning(col(Notification.id)))).all())
        await uow.commit()
    return created


def _row(event: OutboxEvent, person: who.Recipient, subject: str, body: str, now: datetime) -> dict[str, object]:
    return {
        "id": new_id(),
        "event_id": event.id,
        "event": event.event_type,
        "recipient_id": person.user_id,
        "channel": "email",
        "to_address": person.address,
        "subject": subject,
        "body": body,
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
