"""Notification queries: one's own notifications; IT's queue dashboard, queue list and templates."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.notifications.types import (
    NotificationEvent,
    NotificationPage,
    NotificationQueueDashboard,
    NotificationStatus,
    NotificationTemplate,
    QueueSort,
)
from resolvers.notifications import inbox, queue, templates

PEOPLE = (Role.TRAVELER, Role.AGENCY, Role.FINANCIAL, Role.IT)


@strawberry.type
class Query:
    @strawberry.field(
        description="The caller's own notifications, newest first. Filter by status and by `read` "
        "(true: read only, false: unread only); page with `first` (0 to 100) and `offset`.",
        extensions=[allow(*PEOPLE)],
    )
    async def my_notifications(
        self,
        info: Info,
        status: NotificationStatus | None = None,
        read: bool | None = None,
        first: int = 20,
        offset: int = 0,
    ) -> NotificationPage:
        page = inbox.my_notifications(info.context.bundle(info), status=status, read=read, first=first, offset=offset)
        return await answer(page, NotificationPage.from_page)

    @strawberry.field(
        description="The email queue at a glance: counts by status, oldest pending age, sent and failed in "
        "the last hour, failure rate. IT only.",
        extensions=[allow(Role.IT)],
    )
    async def notification_queue_dashboard(self, info: Info) -> NotificationQueueDashboard:
        return await answer(queue.queue_dashboard(info.context.bundle(info)), NotificationQueueDashboard.from_row)

    @strawberry.field(
        description="Every user's notifications, filtered (status, event, recipient) and sorted (created, next "
        "attempt, attempts; newest/highest first unless `descending` is false). IT only.",
        extensions=[allow(Role.IT)],
    )
    async def notification_queue(
        self,
        info: Info,
        status: NotificationStatus | None = None,
        event: NotificationEvent | None = None,
        recipient_id: strawberry.ID | None = None,
        sort: QueueSort = QueueSort.CREATED,
        descending: bool = True,
        first: int = 20,
        offset: int = 0,
    ) -> NotificationPage:
        page = queue.queue_list(
            info.context.bundle(info),
            status=status,
            event=event.value if event else None,
            recipient_id=str(recipient_id) if recipient_id else None,
            sort=sort,
            descending=descending,
            first=first,
            offset=offset,
        )
        return await answer(page, NotificationPage.from_page)

    @strawberry.field(
        description="The template of every notification event, with the placeholders each offers. IT only.",
        extensions=[allow(Role.IT)],
    )
    async def notification_templates(self, info: Info) -> list[NotificationTemplate]:
        found = templates.list_templates(info.context.bundle(info))
        return await answer(found, lambda views: [NotificationTemplate.from_view(v) for v in views])
