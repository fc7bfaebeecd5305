"""GraphQL types of notifications: a notification, a page of them, the queue dashboard, a template."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.notifications import tables as rows
from models.notifications.templates import NotificationEvent as Events
from models.notifications.templates import withhold_links
from resolvers.notifications.inbox import NotificationPage as PageRow
from resolvers.notifications.queue import QueueDashboard as DashboardRow
from resolvers.notifications.queue import QueueSort as Sort
from resolvers.notifications.templates import TemplateView

NotificationStatus = rows.NotificationStatus
strawberry.enum(
    rows.NotificationStatus,
    name="NotificationStatus",
    description="pending (queued or being retried) → sent, or failed (a 5xx reply, or the retries ran out).",
)
NotificationEvent = Events
strawberry.enum(Events, name="NotificationEvent", description="The events that notify people.")
QueueSort = Sort
strawberry.enum(Sort, name="NotificationQueueSort", description="Sort keys of the queue list.")


@strawberry.type(description="One email to one user about one event.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Notification id.")
    event: NotificationEvent = strawberry.field(description="The event it is about.")
    event_id: strawberry.ID = strawberry.field(description="The outbox event it was made from.")
    recipient_id: strawberry.ID = strawberry.field(description="The user it is addressed to.")
    channel: str = strawberry.field(description="How it is delivered: email.")
    to_address: str = strawberry.field(description="The email address it goes to.")
    subject: str = strawberry.field(description="Subject line.")
    body: str = strawberry.field(
        description="Plain-text body. The token of an account-service email's link is withheld here: only the "
        "email carries it."
    )
    status: NotificationStatus = strawberry.field(description="pending, sent or failed.")
    attempts: int = strawberry.field(description="Delivery attempts so far.")
    next_attempt_at: datetime = strawberry.field(description="When a pending notification is tried next (UTC).")
    last_error: str | None = strawberry.field(description="The last delivery error (SMTP reply or network error).")
    smtp_code: int | None = strawberry.field(description="The SMTP reply code of the last error, when there was one.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    sent_at: datetime | None = strawberry.field(description="When the SMTP server accepted it (UTC).")
    read_at: datetime | None = strawberry.field(description="When the recipient marked it read (UTC).")

    @classmethod
    def from_row(cls, row: rows.Notification) -> Notification:
        return cls(
            id=strawberry.ID(row.id),
            event=Events(row.event),
            event_id=strawberry.ID(row.event_id),
            recipient_id=strawberry.ID(row.recipient_id),
            channel=row.channel,
            to_address=row.to_address,
            subject=row.subject,
            body=withhold_links(row.event, row.body),
            status=rows.NotificationStatus(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
            smtp_code=row.smtp_code,
            created_at=row.created_at,
            sent_at=row.sent_at,
            read_at=row.read_at,
        )


@strawberry.type(description="A page of notifications.")
class NotificationPage:
    items: list[Notification] = strawberry.field(description="The notifications of this page.")
    total_count: int = strawberry.field(description="How many match the filter, over all pages.")

    @classmethod
    def from_page(cls, page: PageRow) -> NotificationPage:
        return cls(items=[Notification.from_row(row) for row in page.items], total_count=page.total)


@strawberry.type(description="Counts of one status.")
class StatusCount:
    status: NotificationStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="Notifications in it.")


@strawberry.type(description="The email queue at a glance.")
class NotificationQueueDashboard:
    counts: list[StatusCount] = strawberry.field(description="Notifications per status (every status listed).")
    oldest_pending_age_seconds: float | None = strawberry.field(
        description="Age of the oldest pending notification, in seconds; null when none is pending."
    )
    sent_last_hour: int = strawberry.field(description="Notifications sent in the last hour (the send rate).")
    failed_last_hour: int = strawberry.field(description="Notifications that failed in the last hour.")
    failure_rate: float = strawberry.field(description="failed / (sent + failed), over all notifications (0 to 1).")

    @classmethod
    def from_row(cls, row: DashboardRow) -> NotificationQueueDashboard:
        return cls(
            counts=[StatusCount(status=rows.NotificationStatus(s), count=n) for s, n in row.counts.items()],
            oldest_pending_age_seconds=row.oldest_pending_age_seconds,
            sent_last_hour=row.sent_last_hour,
            failed_last_hour=row.failed_last_hour,
            failure_rate=row.failure_rate,
        )


@strawberry.type(description="The text of one event's notifications, with `{placeholder}` fields.")
class NotificationTemplate:
    event: NotificationEvent = strawberry.field(description="The event.")
    subject: str = strawberry.field(description="Subject line (one line).")
    body: str = strawberry.field(description="Plain-text body. `{{` and `}}` write literal braces.")
    placeholders: list[str] = strawberry.field(description="The placeholders this event offers.")
    updated_at: datetime | None = strawberry.field(description="Last edit (UTC); null: the built-in default.")
    updated_by: str | None = strawberry.field(description="The user who edited it last.")

    @classmethod
    def from_view(cls, view: TemplateView) -> NotificationTemplate:
        return cls(
            event=Events(view.event),
            subject=view.subject,
            body=view.body,
            placeholders=list(view.placeholders),
            updated_at=view.updated_at,
            updated_by=view.updated_by,
        )
