"""A user's own notifications: a page of them (newest first), and marking one read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from auth import policies
from models.base import utcnow
from models.errors import Forbidden, ValidationFailed
from models.notifications.errors import NotificationNotFound
from models.notifications.tables import Notification, NotificationStatus
from resolvers.monitoring.logs import record_call
from resolvers.request import RequestBundle

MAX_PAGE = 100


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    total: int


def require_it(call: RequestBundle) -> None:
    """The queue and the templates are IT's (the GraphQL edge checks too; scripts and tests call here)."""
    if not policies.may_manage_notifications(call.caller):
        raise Forbidden("The notification queue is for it users")


def check_page(first: int, offset: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(f"`first` must be 0 to {MAX_PAGE}", field="first")
    if offset < 0:
        raise ValidationFailed("`offset` must not be negative", field="offset")


async def my_notifications(
    call: RequestBundle,
    *,
    status: NotificationStatus | None = None,
    read: bool | None = None,
    first: int = 20,
    offset: int = 0,
) -> NotificationPage:
    """The caller's notifications, newest first; filter by status and by read/unread."""
    check_page(first, offset)
    clauses = [col(Notification.recipient_id) == call.caller.id]
    if status is not None:
        clauses.append(col(Notification.status) == status.value)
    if read is not None:
        clauses.append(col(Notification.read_at).is_not(None) if read else col(Notification.read_at).is_(None))
    statement = (
        select(Notification)
        .where(*clauses)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .offset(offset)
        .limit(first)
    )
    async with call.db.read() as session:
        items = list((await session.execute(statement)).scalars())
        total = (await session.execute(select(func.count()).select_from(Notification).where(*clauses))).scalar_one()
    return NotificationPage(items, total)


async def own_notification(call: RequestBundle, notification_id: str) -> Notification | None:
    """One of the caller's notifications by id; None when it is missing or someone else's."""
    async with call.db.read() as session:
        note = await session.get(Notification, notification_id)
    if note is None or not policies.may_read_notification(call.caller, note.recipient_id):
        return None
    return note


async def mark_notification_read(
    call: RequestBundle, *, notification_id: str, now: datetime | None = None
) -> Notification:
    """Mark one of the caller's notifications read (idempotent: the first moment is kept). Someone else's
    notification is reported exactly like a missing one."""
    principal = call.caller
    async with call.unit_of_work() as uow:
        note = await uow.session.get(Notification, notification_id, with_for_update=True)
        if note is None or not policies.may_read_notification(principal, note.recipient_id):
            raise NotificationNotFound()
        if note.read_at is None:
            note.read_at = now or utcnow()
            await uow.commit()
    # A read mark is no outbox event (nobody is told of it); it is logged directly.
    await record_call(call, "notification_read", f"notification {note.id} read", entity=("Notification", note.id))
    return note
