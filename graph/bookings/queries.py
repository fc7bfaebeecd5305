"""Booking queries: the traveler's own bookings."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.bookings.types import Booking, BookingStatus
from resolvers.bookings import lookups as booking_lookups


@strawberry.type
class Query:
    @strawberry.field(
        description="The calling traveler's bookings, newest first, each with its launch's current status "
        "and status history. Travelers only."
    )
    async def my_bookings(self, info: Info, status: BookingStatus | None = None) -> list[Booking]:
        principal = info.context.require_role(Role.TRAVELER)
        found = await booking_lookups.bookings_of_user(info.context.services.db, user_id=principal.id, status=status)
        return [Booking.from_row(row) for row in found]
