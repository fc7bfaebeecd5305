"""Notification mutations: marking one's own read, asking for the confirmation email again; IT's queue
actions (mark sent, retry, delete) and template edits, each logged in the outbox."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.notifications.queries import PEOPLE
from graph.notifications.results import UpdateNotificationTemplateResult
from graph.notifications.types import Notification, NotificationEvent, NotificationTemplate
from resolvers.accounts.users import request_confirmation_email
from resolvers.notifications import inbox, queue, templates


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Mark one of your notifications read (the first moment is kept). Someone else's is NOT_FOUND.",
        extensions=[allow(*PEOPLE)],
    )
    async def mark_notification_read(self, info: Info, id: strawberry.ID) -> Notification:
        marked = inbox.mark_notification_read(info.context.bundle(info), notification_id=str(id))
        return await answer(marked, Notification.from_row)

    @strawberry.mutation(
        description="Email the confirmation link again. False when the address is already confirmed.",
        extensions=[allow(Role.TRAVELER, Role.AGENCY)],
    )
    async def request_confirmation_email(self, info: Info) -> bool:
        return await answer(request_confirmation_email(info.context.bundle(info)), bool)

    @strawberry.mutation(
        description="Mark a notification sent by hand (it is not tried again). IT only; logged.",
        extensions=[allow(Role.IT)],
    )
    async def mark_notification_sent(self, info: Info, id: strawberry.ID) -> Notification:
        done = queue.mark_sent(info.context.bundle(info), notification_id=str(id))
        return await answer(done, Notification.from_row)

    @strawberry.mutation(
        description="Put a notification back in the queue, due now, with a fresh attempt budget. IT only; logged.",
        extensions=[allow(Role.IT)],
    )
    async def retry_notification(self, info: Info, id: strawberry.ID) -> Notification:
        done = queue.retry(info.context.bundle(info), notification_id=str(id))
        return await answer(done, Notification.from_row)

    @strawberry.mutation(
        description="Delete a notification; returns its id. IT only; logged.", extensions=[allow(Role.IT)]
    )
    async def delete_notification(self, info: Info, id: strawberry.ID) -> strawberry.ID:
        done = queue.delete(info.context.bundle(info), notification_id=str(id))
        return await answer(done, strawberry.ID)

    @strawberry.mutation(
        description="Replace an event's template. Only the placeholders the event offers are accepted "
        "(UnknownPlaceholder otherwise); the subject is one line. IT only; logged.",
        extensions=[allow(Role.IT)],
    )
    async def update_notification_template(
        self, info: Info, event: NotificationEvent, subject: str, body: str
    ) -> UpdateNotificationTemplateResult:
        saved = templates.update_template(info.context.bundle(info), event=event.value, subject=subject, body=body)
        return await answer(saved, NotificationTemplate.from_view)
