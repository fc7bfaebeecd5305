"""The notifications consumer of the outbox: one event in, one pending notification per recipient out.

Idempotent by construction: each row is inserted with ON CONFLICT DO NOTHING on (event id, recipient),
so an event delivered twice (a relay that crashed before marking it delivered, two relays racing) creates
nothing new. The emails themselves go out later, from the queue (resolvers/notifications/sender.py).

Once committed, each new row is announced on its recipient's live topic (`myNotifications` subscribers, on any
instance when Redis is set). Only rows this delivery created are announced, so a redelivered event announces
nothing twice; an announcement lost to a Redis outage is not retried (live messages are hints: a client
refetches `myNotifications` after a gap)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from auth.services import AuthServices
from models.base import utcnow
from models.ids import new_id
from models.notifications.tables import Notification, NotificationStatus
from models.notifications.templates import EVENTS, render
from models.store.db import Database, SqlUnitOfWork
from models.sync.events import Event
from models.sync.outbox import OutboxEvent
from resolvers.accounts.users import confirmation_link
from resolvers.notifications import recipients as who
from resolvers.notifications.templates import template_for
from resolvers.sync.live import notifications_topic

log = logging.getLogger("astro.live")


class NotifyServices(Protocol):
    """What the consumer needs (the app's Services and a RequestBundle both have it)."""

    @property
    def db(self) -> Database: ...
    @property
    def auth(self) -> AuthServices: ...


Finder = Callable[[SqlUnitOfWork, OutboxEvent], Awaitable[who.Audience]]
_LAUNCH_EVENTS = [e for e in EVENTS if e.startswith("launch_")]
AUDIENCES: dict[str, Finder] = {
    **dict.fromkeys(_LAUNCH_EVENTS, who.for_launch),
    Event.BOOKING_CONFIRMED: who.for_booking,
    Event.BOOKING_CANCELED: who.for_booking,
    Event.INVOICE_ISSUED: who.for_invoice,
    Event.INVOICE_OVERDUE: who.for_invoice,
    Event.SYNC_FAILED: who.for_sync_failure,
    Event.ACCOUNT_REGISTERED: who.for_new_account,
}


async def notify(services: NotifyServices, event: OutboxEvent, *, now: datetime | None = None) -> int:
    """Queue the notifications of one outbox event; returns how many new ones were created (0 for events
    nobody is notified of, and for an event already handled)."""
    find = AUDIENCES.get(event.event_type)
    if find is None:
        return 0
    now = now or utcnow()
    async with services.db.unit_of_work() as uow:
        audience = await find(uow, event)
        unique = {person.user_id: person for person in audience.recipients if person.address}
        if not unique:
            return 0
        template = await template_for(uow.session, event.event_type)
        rows = []
        for person in unique.values():
            values = audience.values | {"recipient_name": person.name}
            if event.event_type == Event.ACCOUNT_REGISTERED:
                values["confirmation_link"] = confirmation_link(services.auth, person.user_id, person.address)
            text = render(template, event.event_type, values)
            rows.append(_row(event, person, text.subject, text.body, now))
        statement = (
            insert(Notification).values(rows).on_conflict_do_nothing(constraint="notification_once_per_event_recipient")
        )
        returning = statement.returning(col(Notification.id), col(Notification.recipient_id))
        created = [(str(row[0]), str(row[1])) for row in (await uow.session.execute(returning)).all()]
        await uow.commit()
    await announce(services, created)
    return len(created)


async def announce(services: object, created: list[tuple[str, str]]) -> None:
    """Publishes each new notification to its recipient's live topic (the app's Services carry the broker;
    callers without one, like scripts, announce nothing)."""
    live = getattr(services, "live", None)
    if live is None:
        return
    for notification_id, recipient_id in created:
        try:
            await live.publish(notifications_topic(recipient_id), {"notification_id": notification_id})
        except ConnectionError as exc:
            log.warning("live notification not announced (%s)", exc)


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
