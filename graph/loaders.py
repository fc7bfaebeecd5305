"""Per-request DataLoaders: every nested field that loads rows goes through one, so a query costs the
same number of SQL statements for 10 rows as for 200.

Pattern: `loader(context, name, batch_fn)` returns the request's loader called `name`, creating it on
first use. `batch_fn(keys)` returns one value per key, in key order (see resolvers.lookups.one_per_key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, TypeVar

from strawberry.dataloader import DataLoader

from models.agencies.tables import Agency, Rocket
from models.bookings.tables import Booking, Passenger, Refund
from models.launches.tables import Launch, LaunchStatusChange
from models.travelers.tables import Traveler
from resolvers import lookups
from resolvers.bookings import lookups as booking_lookups
from resolvers.launches import reports as launch_reports
from resolvers.launches.reports import BookingLine
from resolvers.travelers import profiles as travelers_uc

if TYPE_CHECKING:
    from graph.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def loader(context: Context, name: str, batch_fn: Callable[[list[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    """The request's DataLoader called `name` (created on first use, so it lives exactly one request)."""
    found = context.loaders.get(name)
    if found is None:
        found = context.loaders[name] = DataLoader(load_fn=batch_fn)
    return found


def agencies(context: Context) -> DataLoader[str, Agency | None]:
    db = context.services.db
    return loader(context, "agencies", lambda ids: lookups.agencies_by_ids(db, ids))


def rockets(context: Context) -> DataLoader[str, Rocket | None]:
    db = context.services.db
    return loader(context, "rockets", lambda ids: lookups.rockets_by_ids(db, ids))


def launches(context: Context) -> DataLoader[str, Launch | None]:
    db = context.services.db
    return loader(context, "launches", lambda ids: lookups.launches_by_ids(db, ids))


def status_history(context: Context) -> DataLoader[str, list[LaunchStatusChange]]:
    db = context.services.db
    return loader(context, "status_history", lambda ids: lookups.status_history_by_launch(db, ids))


def held_launches(context: Context) -> DataLoader[str, bool]:
    """Per launch id: does the calling traveler hold a booking on it (for status history access)?"""
    db, user_id = context.services.db, context.require_principal().id
    return loader(context, "held_launches", lambda ids: lookups.launches_held_by_traveler(db, user_id, ids))


def booking_lines(context: Context) -> DataLoader[str, list[BookingLine]]:
    """Per launch id: its bookings as report lines (travelers, seats, paid, refunded)."""
    db = context.services.db
    return loader(context, "booking_lines", lambda ids: launch_reports.booking_lines(db, ids))


# --- Bookings domain (engineer C) ------------------------------------------------------------------------


def bookings(context: Context) -> DataLoader[str, Booking | None]:
    db = context.services.db
    return loader(context, "bookings", lambda ids: booking_lookups.bookings_by_ids(db, ids))


def travelers(context: Context) -> DataLoader[str, Traveler | None]:
    db = context.services.db
    return loader(context, "travelers", lambda ids: booking_lookups.travelers_by_ids(db, ids))


def passengers(context: Context) -> DataLoader[str, list[Passenger]]:
    """Per booking id: its passengers, in booking order."""
    db = context.services.db
    return loader(context, "passengers", lambda ids: booking_lookups.passengers_by_booking(db, ids))


def refunds(context: Context) -> DataLoader[str, Refund | None]:
    """Per booking id: its refund (None when nothing was refunded)."""
    db = context.services.db
    return loader(context, "refunds", lambda ids: booking_lookups.refunds_by_booking(db, ids))


def vip(context: Context) -> DataLoader[str, bool]:
    """Per traveler id: VIP (confirmed bookings on two or more distinct launches)?"""
    db = context.services.db
    return loader(context, "vip", lambda ids: travelers_uc.vip_travelers(db, ids))
