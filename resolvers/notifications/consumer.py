"""The notifications consumer of the outbox: events in, one pending notification per (event, recipient) out,
a batch of events in one transaction (booking events' audiences read with one statement, each template once,
the rows written by one INSERT).

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

from auth.services import AuthServices
from models.accounts.users import find_user
from models.base import utcnow
from models.monitoring import telemetry
from models.notifications.tables import NewNotification, queue_notifications
from models.notifications.templates import EVENTS, Template, render
from models.store.db import Database, SqlUnitOfWork
from models.store.mongo import run_sync
from models.sync.events import Event
from models.sync.outbox import OutboxEvent
from resolvers.accounts.recovery import INVITATION_TTL_SECONDS, RESET_TTL_SECONDS, password_link
from resolvers.accounts.users import confirmation_link
from resolvers.notifications import recipients as who
from resolvers.notifications.templates import template_for
from resolvers.sync.live import notifications_topic

log = logging.getLogger("astro.notifications")


class NotifyServices(Protocol):
    """What the consumer needs (the app's Services and a RequestBundle both have it)."""

    @property
    def db(self) -> Database: ...
    @property
    def auth(self) -> AuthServices: ...


BOOKING_EVENTS = frozenset({Event.BOOKING_CONFIRMED, Event.BOOKING_CANCELED})  # audiences read for the batch
Finder = Callable[[SqlUnitOfWork, OutboxEvent], Awaitable[who.Audience]]
_LAUNCH_EVENTS = [e for e in EVENTS if e.startswith("launch_")]
AUDIENCES: dict[str, Finder] = {
    **dict.fromkeys(_LAUNCH_EVENTS, who.for_launch),
    Event.INVOICE_ISSUED: who.for_invoice,
    Event.INVOICE_OVERDUE: who.for_invoice,
    Event.SYNC_FAILED: who.for_sync_failure,
    Event.ACCOUNT_REGISTERED: who.for_new_account,
    Event.PASSWORD_RESET_REQUESTED: who.for_account_holder,
    Event.PASSWORD_CHANGED: who.for_account_holder,
    Event.EMPLOYEE_INVITED: who.for_account_holder,
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
        rows: list[NewNotification] = []
        for event in wanted:
            audience = booked[event.id] if event.id in booked else await AUDIENCES[event.event_type](uow, event)
            unique = {person.user_id: person for person in audience.recipients if person.address}
            if unique and event.event_type not in templates:
                templates[event.event_type] = await template_for(uow.session, event.event_type)
            for person in unique.values():
                values = audience.values | {"recipient_name": person.name}
                if event.event_type == Event.ACCOUNT_REGISTERED:
                    values["confirmation_link"] = confirmation_link(services.auth, person.user_id, person.address)
                values |= await _password_link(services.auth, event, person)
                text = render(templates[event.event_type], event.event_type, values)
                rows.append(
                    NewNotification(event.id, event.event_type, person.user_id, person.address, text.subject, text.body)
                )
        created = await queue_notifications(uow.session, rows, now)
        await uow.commit()
    for event in wanted:  # each line carries the request that caused its event
        with telemetry.origin_of([event]):
            count = sum(1 for row in rows if row.event_id == event.id)
            log.info("%d notification(s) for %s %s", count, event.event_type, event.id)
    await announce(services, created)
    return len(created)


async def announce(services: object, created: list[tuple[str, str]]) -> None:
    """Publishes each new notification to its recipient's live topic (the app's Services carry the broker;
    callers without one, like scripts, announce nothing)."""
    live = getattr(services, "live", None)
    if live is None or not created:
        return
    messages = [(notifications_topic(to), {"notification_id": notification}) for notification, to in created]
    try:
        await live.publish_many(messages)  # one round trip for the batch
    except ConnectionError as exc:
        log.warning("live notifications not announced (%s)", exc)


async def _password_link(kit: AuthServices, event: OutboxEvent, person: who.Recipient) -> dict[str, object]:
    """The link of a reset or an invitation, minted now from the account's current password hash, valid
    from the moment of the request (the event's): the token is never stored anywhere but in the email."""
    if event.event_type not in (Event.PASSWORD_RESET_REQUESTED, Event.EMPLOYEE_INVITED):
        return {}
    user = await run_sync(find_user, person.user_id)
    if user is None:
        return {}
    if event.event_type == Event.PASSWORD_RESET_REQUESTED:
        link = password_link(kit, user, issued_at=event.created_at, ttl_seconds=RESET_TTL_SECONDS)
        return {"reset_link": link, "valid_minutes": RESET_TTL_SECONDS // 60}
    link = password_link(kit, user, issued_at=event.created_at, ttl_seconds=INVITATION_TTL_SECONDS)
    return {"invitation_link": link, "valid_hours": INVITATION_TTL_SECONDS // 3600}
