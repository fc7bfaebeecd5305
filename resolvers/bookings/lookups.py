"""Batched reads of the bookings domain for the DataLoaders (one statement per batch) and myBookings."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from models.bookings.tables import Booking, BookingStatus, Passenger, Refund
from models.store.db import Database
from models.travelers.tables import Traveler
from resolvers.lookups import by_ids, fetch_all, one_per_key


async def bookings_by_ids(db: Database, ids: Sequence[str]) -> list[Booking | None]:
    return await by_ids(db, Booking, ids)


async def travelers_by_ids(db: Database, ids: Sequence[str]) -> list[Traveler | None]:
    return await by_ids(db, Traveler, ids)


async def refunds_by_booking(db: Database, booking_ids: Sequence[str]) -> list[Refund | None]:
    statement = select(Refund).where(col(Refund.booking_id).in_(booking_ids))
    return one_per_key(await fetch_all(db, statement), booking_ids, "booking_id")


async def passengers_by_booking(db: Database, booking_ids: Sequence[str]) -> list[list[Passenger]]:
    """Passengers in the order they were booked (ids are time-ordered)."""
    statement = select(Passenger).where(col(Passenger.booking_id).in_(booking_ids)).order_by(col(Passenger.id))
    groups: dict[str, list[Passenger]] = {booking_id: [] for booking_id in booking_ids}
    for passenger in await fetch_all(db, statement):
        groups[passenger.booking_id].append(passenger)
    return [groups[booking_id] for booking_id in booking_ids]


async def bookings_of_user(db: Database, *, user_id: str, status: BookingStatus | None = None) -> list[Booking]:
    """A traveler user's bookings, newest first (none without a traveler profile)."""
    statement = (
        select(Booking)
        .join(Traveler, col(Traveler.id) == col(Booking.traveler_id))
        .where(col(Traveler.user_id) == user_id)
        .order_by(col(Booking.created_at).desc(), col(Booking.id).desc())
    )
    if status is not None:
        statement = statement.where(col(Booking.status) == status)
    return await fetch_all(db, statement)
