"""Live launch updates over graphql-transport-ws (graph/edge/subscriptions.py carries them).

Each field checks access once, when the subscription starts, then relays the messages the outbox's live
publisher (resolvers/sync/live.py) sends on its topic. Messages are hints of committed changes: a client
that reconnects after a gap refetches what it shows (statusHistory, the catalogue), since moves made while
it was away are not replayed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from graph.launches.types import Launch, LaunchStatusChange, LaunchStatusEnum, require_history_reader_in
from models.errors import NotFound
from resolvers.sync.live import CATALOGUE_TOPIC, launch_topic


@strawberry.enum(description="What moved in the catalogue.")
class CatalogueChangeKind(Enum):
    SCHEDULED = strawberry.enum_value("SCHEDULED", description="A launch was scheduled.")
    UPDATED = strawberry.enum_value("UPDATED", description="A launch's details (price, date...) changed.")
    STATUS = strawberry.enum_value("STATUS", description="A launch's status moved.")
    SEATS = strawberry.enum_value("SEATS", description="Seats were booked or released.")
    AGENCY = strawberry.enum_value("AGENCY", description="An agency's profile changed (several launches).")
    ROCKET = strawberry.enum_value("ROCKET", description="A rocket changed (several launches).")


@strawberry.type(description="A hint that the public catalogue moved: refetch what you show.")
class CatalogueChange:
    launch_id: strawberry.ID | None = strawberry.field(
        description="The launch that changed; null when the change touches every launch of an agency or rocket."
    )
    kind: CatalogueChangeKind = strawberry.field(description="What changed.")


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Each status move of a launch, as it is committed. For the launch's agency and the travelers "
        "holding bookings on it (like statusHistory): others get FORBIDDEN, an unknown launch NOT_FOUND."
    )
    async def launch_status_changed(
        self, info: Info, launch_id: strawberry.ID
    ) -> AsyncGenerator[LaunchStatusChange, None]:
        context = info.context.fresh()  # loaders of this check only: the socket may live for hours
        row = await context.loaders.launches.load(str(launch_id))
        if row is None:
            raise NotFound("No such launch", entity="Launch")
        await require_history_reader_in(context, Launch.from_row(row))
        async with context.services.live.listen(launch_topic(str(launch_id))) as messages:
            async for message in messages:
                yield LaunchStatusChange(
                    from_status=LaunchStatusEnum(message["from_status"]) if message["from_status"] else None,
                    to_status=LaunchStatusEnum(message["to_status"]),
                    changed_at=datetime.fromisoformat(message["changed_at"]),
                    changed_by=message["changed_by"],
                    reason=message["reason"],
                )

    @strawberry.subscription(
        description="Public: a hint each time the catalogue moves (a launch scheduled, changed, moved, or its "
        "seats booked or released), for live public pages."
    )
    async def catalogue_changed(self, info: Info) -> AsyncGenerator[CatalogueChange, None]:
        async with info.context.services.live.listen(CATALOGUE_TOPIC) as messages:
            async for message in messages:
                launch_id = message.get("launch_id")
                yield CatalogueChange(
                    launch_id=strawberry.ID(launch_id) if launch_id else None,
                    kind=CatalogueChangeKind(message["kind"]),
                )
