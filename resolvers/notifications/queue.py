"""IT's view of the email queue: the dashboard, the filtered list, and the manual actions (mark sent,
retry, delete), each written to the outbox like every other change (who did what, when, from which request)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from models.base import utcnow
from models.notifications.errors import NotificationNotFound
from models.notifications.tables import Notification, NotificationStatus
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.notifications.inbox import NotificationPage, check_page, require_it
from resolvers.request import RequestBundle

S = NotificationStatus


class QueueSort(StrEnum):
    CREATED = "created"
    NEXT_ATTEMPT = "next_attempt"
    ATTEMPTS = "attempts"


SORT_KEYS: dict[QueueSort, Any] = {
    QueueSort.CREATED: col(Notification.created_at),
    QueueSort.NEXT_ATTEMPT: col(Notification.next_attempt_at),
    QueueSort.ATTEMPTS: col(Notification.attempts),
}


@dataclass(frozen=True)
class QueueDashboard:
    counts: dict[str, int]  # every status, 0 included
    oldest_pending_age_seconds: float | None  # None: nothing pending
    sent_last_hour: int
    failed_last_hour: int
    failure_rate: float  # failed / (sent + failed) over all notifications; 0 when none finished


async def queue_dashboard(call: RequestBundle, *, now: datetime | None = None) -> QueueDashboard:
    require_it(call)
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    by_status = select(col(Notification.status), func.count()).group_by(col(Notification.status))
    oldest = select(func.min(col(Notification.created_at))).where(col(Notification.status) == S.PENDING)
    sent_hour = select(func.count()).where(col(Notification.status) == S.SENT, col(Notification.sent_at) >= hour_ago)
    # A failure's moment is its last attempt: next_attempt_at is not moved once it is failed.
    failed_hour = select(func.count()).where(
        col(Notification.status) == S.FAILED, col(Notification.next_attempt_at) >= hour_ago
    )
    async with call.db.read() as session:
        counts = {status.value: 0 for status in S} | dict((await session.execute(by_status)).all())  # type: ignore[arg-type]
        oldest_at = (await session.execute(oldest)).scalar()
        sent = (await session.execute(sent_hour.select_from(Notification))).scalar_one()
        failed = (await session.execute(failed_hour.select_from(Notification))).scalar_one()
    finished = counts[S.SENT] + counts[S.FAILED]
    return QueueDashboard(
        counts=counts,
        oldest_pending_age_seconds=(now - oldest_at).total_seconds() if oldest_at else None,
        sent_last_hour=sent,
        failed_last_hour=failed,
        failure_rate=counts[S.FAILED] / finished if finished else 0.0,
    )


async def queue_list(
    call: RequestBundle,
    *,
    status: NotificationStatus | None = None,
    event: str | None = None,
    recipient_id: str | None = None,
    sort: QueueSort = QueueSort.CREATED,
    descending: bool = True,
    first: int = 20,
    offset: int = 0,
) -> NotificationPage:
    require_it(call)
    check_page(first, offset)
    clauses = []
    if status is not None:
        clauses.append(col(Notification.status) == status.value)
    if event is not None:
        clauses.append(col(Notification.event) == event)
    if recipient_id is not None:
        clauses.append(col(Notification.recipient_id) == recipient_id)
    key = SORT_KEYS[sort]
    order = (key.desc(), col(Notification.id).desc()) if descending else (key.asc(), col(Notification.id).asc())
    statement = select(Notification).where(*clauses).order_by(*order).offset(offset).limit(first)
    async with call.db.read() as session:
        items = list((await session.execute(statement)).scalars())
        total = (await session.execute(select(func.count()).select_from(Notification).where(*clauses))).scalar_one()
    return NotificationPage(items, total)


async def mark_sent(call: RequestBundle, *, notification_id: str, now: datetime | None = None) -> Notification:
    """IT settles a notification by hand (e.g. delivered another way): sent, never tried again."""
    return await _act(call, notification_id, Event.NOTIFICATION_MARKED_SENT, now, status=S.SENT.value)


async def retry(call: RequestBundle, *, notification_id: str, now: datetime | None = None) -> Notification:
    """Back to pending, due now, with a fresh attempt budget (e.g. after fixing the address or the server)."""
    return await _act(call, notification_id, Event.NOTIFICATION_RETRIED, now, status=S.PENDING.value, retry=True)


async def delete(call: RequestBundle, *, notification_id: str) -> str:
    require_it(call)
    async with call.unit_of_work() as uow:
        note = await _locked(uow, notification_id)
        await uow.session.delete(note)
        _log(uow, call, Event.NOTIFICATION_DELETED, note)
        await uow.commit()
    return notification_id


async def _act(
    call: RequestBundle, notification_id: str, event: Event, now: datetime | None, *, status: str, retry: bool = False
) -> Notification:
    require_it(call)
    now = now or utcnow()
    async with call.unit_of_work() as uow:
        note = await _locked(uow, notification_id)
        note.status = status
        if status == S.SENT:
            note.sent_at = now
        if retry:
            note.attempts, note.next_attempt_at, note.sent_at = 0, now, None
        _log(uow, call, event, note)
        await uow.commit()
    return note


async def _locked(uow: SqlUnitOfWork, notification_id: str) -> Notification:
    note = await uow.session.get(Notification, notification_id, with_for_update=True)
    if note is None:
        raise NotificationNotFound()
    return note


def _log(uow: SqlUnitOfWork, call: RequestBundle, event: Event, note: Notification) -> None:
    payload = {
        "notification_id": note.id,
        "event": note.event,
        "recipient_id": note.recipient_id,
        "status": note.status,
    }
    record_event(uow.session, call.origin, event, (Aggregate.NOTIFICATION, note.id), payload)
