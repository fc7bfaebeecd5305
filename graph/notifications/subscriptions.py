"""A user's notifications, live over graphql-transport-ws (graph/edge/subscriptions.py carries them).

The notifications consumer announces each new row on its recipient's topic once committed
(resolvers/notifications/consumer.py); this field listens on the signed-in user's topic only and reads each
announced notification back with the owner check, so nobody receives another user's. Messages are hints: a
client reconnecting after a gap refetches `myNotifications` (the query) for what it missed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from graph.notifications.queries import PEOPLE
from graph.notifications.types import Notification
from resolvers.notifications import inbox
from resolvers.sync.live import notifications_topic


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each new notification of the signed-in user, as it is created (the same rows the "
        "`myNotifications` query pages through). Anonymous callers get UNAUTHENTICATED, partner clients "
        "FORBIDDEN. After a gap (reconnect), refetch the `myNotifications` query."
    )
    async def my_notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        context = info.context.fresh()
        principal = context.require_role(*PEOPLE)
        call = context.bundle(info)
        async with context.services.live.listen(notifications_topic(principal.id)) as messages:
            async for message in messages:
                row = await inbox.own_notification(call, str(message.get("notification_id")))
                if row is not None:
                    yield Notification.from_row(row)
