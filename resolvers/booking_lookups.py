"""Batched reads of the bookings domain for the DataLoaders (one statement per batch) and myBookings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from models.bookings import Booking, BookingStatus, Passenger, Refund, Traveler
from models.db import Database


async def _rows(db: Database, statement: Any) -> list[Any]:
    async with db.unit_of_work() as uow:
        rows = list((await uow.session.execute(statement)).scalars().all())
        uow.session.expunge_all()  # keep the loaded state: leaving the unit of work rolls back (expires)
        return rows


def _one_per_key(rows: list[Any], keys: Sequence[str], key: str) -> list[Any]:
    found = {getattr(row, key): row for row in rows}
    return [found.get(k) for k in keys]


async def bookings_by_ids(db: Database, ids: Sequence[str]) -> list[Booking | None]:
    return _one_per_key(await _rows(db, select(Booking).where(col(Booking.id).in_(ids))), ids, "id")


async def travelers_by_ids(db: Database, ids: Sequence[str]) -> list[Traveler | None]:
    return _one_per_key(await _rows(db, select(Traveler).where(col(Traveler.id).in_(ids))), ids, "id")


async def refunds_by_booking(db: Database, booking_ids: Sequence[str]) -> list[Refund | None]:
    statement = select(Refund).where(col(Refund.booking_id).in_(booking_ids))
    return _one_per_key(await _rows(db, statement), booking_ids, "booking_id")


async def passengers_by_booking(db: Database, booking_ids: Sequence[str]) -> list[list[Passenger]]:
    """Passengers in the order they were booked (ids are time-ordered)."""
    statement = select(Passenger).where(col(Passenger.booking_id).in_(booking_ids)).order_by(col(Passenger.id))
    groups: dict[str, list[Passenger]] = {booking_id: [] for booking_id in booking_ids}
    for passenger in await _rows(db, statement):
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
    return await _rows(db, statement)
