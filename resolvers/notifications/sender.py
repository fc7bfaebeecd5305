"""The email queue's sender: claim due pending notifications, send them, record the outcome.

The notifications table is the queue (its state lives there anyway: status, attempts, errors, read marks).
A claim is one statement that picks due rows with FOR UPDATE SKIP LOCKED and pushes their next attempt a
lease into the future, committed before any email goes out: concurrent senders (several workers) never
take the same row, no transaction stays open while talking to SMTP, and a sender that dies mid-batch
leaves its rows to be picked up again when the lease ends. That makes delivery at least once: a crash
between the SMTP server's acceptance and the `sent` mark sends that one email again.

Outcomes: accepted -> sent; 4xx, timeout, refused connection -> tried again after an exponential back-off
with jitter, `failed` after `max_attempts`; 5xx -> failed at once, the SMTP code and message kept.

Periodic task for the worker: `send_due_task(services)` every `settings.notification_send_interval_seconds`."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlmodel import col

from models.base import utcnow
from models.notifications.mail import Mailer, SendOutcome, Verdict, backoff
from models.notifications.tables import Notification, NotificationStatus
from models.store.db import Database

log = logging.getLogger("astro.notifications")
PENDING = NotificationStatus.PENDING.value


class SenderServices(Protocol):
    @property
    def db(self) -> Database: ...
    @property
    def mailer(self) -> Mailer: ...


async def send_due(
    services: SenderServices, *, batch: int = 50, now: datetime | None = None, rng: random.Random | None = None
) -> int:
    """Send up to `batch` due notifications; returns how many were sent."""
    mailer, now = services.mailer, now or utcnow()
    # The lease outlasts the whole batch even if every send times out: no other sender re-takes a row
    # this one may still be sending.
    claimed = await _claim(services.db, batch, now, lease=timedelta(seconds=mailer.timeout * (batch + 1) + 30))
    sent = 0
    for note in claimed:
        outcome = await mailer.send(to=note.to_address, subject=note.subject, body=note.body)
        await _record(services.db, note, outcome, mailer, now, rng)
        sent += outcome.verdict == Verdict.SENT
    return sent


async def send_due_task(services: Any) -> int:
    """The worker's periodic task (every settings.notification_send_interval_seconds)."""
    return await send_due(services, batch=services.settings.notification_batch)


async def _claim(db: Database, batch: int, now: datetime, lease: timedelta) -> list[Notification]:
    due = (
        select(col(Notification.id))
        .where(col(Notification.status) == PENDING, col(Notification.next_attempt_at) <= now)
        .order_by(col(Notification.next_attempt_at))
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Notification)
        .where(col(Notification.id).in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease, attempts=col(Notification.attempts) + 1)
        .returning(Notification)
        .execution_options(synchronize_session=False)
    )
    async with db.unit_of_work() as uow:
        claimed = list((await uow.session.execute(statement)).scalars())
        await uow.commit()
    return claimed


async def _record(
    db: Database, note: Notification, outcome: SendOutcome, mailer: Mailer, now: datetime, rng: random.Random | None
) -> None:
    values: dict[str, Any]
    if outcome.verdict == Verdict.SENT:
        values = {"status": NotificationStatus.SENT.value, "sent_at": utcnow(), "last_error": None, "smtp_code": None}
    elif outcome.verdict == Verdict.FAILED or note.attempts >= mailer.max_attempts:
        values = {"status": NotificationStatus.FAILED.value, "last_error": outcome.message, "smtp_code": outcome.code}
        values["next_attempt_at"] = now  # the failure's moment (the dashboard's failures in the last hour)
        log.warning("notification %s failed: %s %s", note.id, outcome.code, outcome.message)
    else:
        delay = backoff(note.attempts, mailer.retry_seconds, rng)
        values = {"next_attempt_at": now + delay, "last_error": outcome.message, "smtp_code": outcome.code}
    statement = (
        update(Notification)
        .where(col(Notification.id) == note.id, col(Notification.status) == PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    async with db.unit_of_work() as uow:
        await uow.session.execute(statement)
        await uow.commit()
