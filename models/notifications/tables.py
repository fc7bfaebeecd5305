"""Notification templates (one per event) and notifications (one per event and recipient: the email queue)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, time_field


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
