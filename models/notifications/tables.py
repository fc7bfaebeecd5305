"""Notification templates (one per event) and notifications (one per event and recipient: the email queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, time_field
from models.ids import new_id


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class NotificationTemplate(SQLModel, table=True):
    """The subject and body of one event's notifications, with `{placeholder}` fields."""

    __tablename__ = "notification_templates"

    event: str = Field(primary_key=True, max_length=60)
    subject: str = Field(max_length=300)
    body: str = Field(sa_type=Text)  # type: ignore[call-overload]
    updated_at: datetime = created_field()
    updated_by: str | None = Field(default=None, max_length=100)


class Notification(SQLModel, table=True):
    """One email to one recipient about one outbox event. The unique (event, recipient) pair is what makes
    a second delivery of the same event produce nothing new."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id", name="notification_once_per_event_recipient"),
        Index("notifications_recipient_created", "recipient_id", "created_at"),
        # The sender's claim: due pending rows in order, an index scan over pending rows only.
        Index("notifications_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("notifications_status_created", "status", "created_at"),
    )

    id: str = id_field()
    event_id: str = Field(max_length=36)
    event: str = Field(max_length=60)
    recipient_id: str = Field(max_length=36)  # the user account it is addressed to
    channel: str = Field(default="email", max_length=20)
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=1000)
    body: str = Field(sa_type=Text)  # type: ignore[call-overload]
    status: str = Field(default=NotificationStatus.PENDING.value, max_length=20)
    attempts: int = 0
    next_attempt_at: datetime = created_field()
    last_error: str | None = Field(default=None, max_length=1000)
    smtp_code: int | None = None
    created_at: datetime = created_field()
    sent_at: datetime | None = time_field(default=None, nullable=True)
    read_at: datetime | None = time_field(default=None, nullable=True)


@dataclass(frozen=True)
class NewNotification:
    """A notification to queue: what varies from one row to the next."""

    event_id: str
    event: str
    recipient_id: str
    to_address: str
    subject: str
    body: str


QUEUE = text(
    "INSERT INTO notifications (id, event_id, event, recipient_id, to_address, subject, body, "
    "channel, status, attempts, next_attempt_at, created_at) "
    "SELECT n.*, 'email', :status, 0, :now, :now FROM unnest(CAST(:ids AS varchar[]), CAST(:event_ids AS varchar[]), "
    "CAST(:events AS varchar[]), CAST(:recipients AS varchar[]), CAST(:addresses AS varchar[]), "
    "CAST(:subjects AS varchar[]), CAST(:bodies AS text[])) AS n "
    "ON CONFLICT ON CONSTRAINT notification_once_per_event_recipient DO NOTHING RETURNING id, recipient_id"
)


async def queue_notifications(
    session: AsyncSession, rows: list[NewNotification], now: datetime
) -> list[tuple[str, str]]:
    """Insert pending notifications in one statement (whatever their number); a row whose (event, recipient)
    is already there is skipped. Returns (id, recipient id) of those created. Never commits."""
    if not rows:
        return []
    result = await session.execute(
        QUEUE,
        {
            "status": NotificationStatus.PENDING.value,
            "now": now,
            "ids": [new_id() for _ in rows],
            "event_ids": [row.event_id for row in rows],
            "events": [row.event for row in rows],
            "recipients": [row.recipient_id for row in rows],
            "addresses": [row.to_address for row in rows],
            "subjects": [row.subject for row in rows],
            "bodies": [row.body for row in rows],
        },
    )
    return [(str(row[0]), str(row[1])) for row in result.all()]
