"""Batched reads by id for the DataLoaders: one statement per batch, one short session each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import col

from models.agencies import Agency, Rocket
from models.bookings import Booking, Traveler
from models.db import Database
from models.launches import Launch, LaunchStatusChange

T = TypeVar("T", Agency, Rocket, Launch)


async def _rows(db: Database, statement: Any) -> list[Any]:
    async with db.read() as session:
        return list((await session.execute(statement)).scalars().all())


async def _by_ids(db: Database, table: type[T], ids: Sequence[str]) -> list[T | None]:
    found = {row.id: row for row in await _rows(db, select(table).where(col(table.id).in_(ids)))}
    return [found.get(i) for i in ids]


async def agencies_by_ids(db: Database, ids: Sequence[str]) -> list[Agency | None]:
    return await _by_ids(db, Agency, ids)


async def rockets_by_ids(db: Database, ids: Sequence[str]) -> list[Rocket | None]:
    return await _by_ids(db, Rocket, ids)


async def launches_by_ids(db: Database, ids: Sequence[str]) -> list[Launch | None]:
    return await _by_ids(db, Launch, ids)


async def status_history_by_launch(db: Database, launch_ids: Sequence[str]) -> list[list[LaunchStatusChange]]:
    statement = (
        select(LaunchStatusChange)
        .where(col(LaunchStatusChange.launch_id).in_(launch_ids))
        .order_by(col(LaunchStatusChange.changed_at), col(LaunchStatusChange.id))
    )
    groups: dict[str, list[LaunchStatusChange]] = {i: [] for i in launch_ids}
    for change in await _rows(db, statement):
        groups[change.launch_id].append(change)
    return [groups[i] for i in launch_ids]


async def launches_held_by_traveler(db: Database, user_id: str, launch_ids: Sequence[str]) -> list[bool]:
    """Per launch: has this traveler user booked it? Any booking counts, canceled ones included: a traveler
    sees each of their bookings (myBookings) with its launch's status history."""
    statement = (
        select(col(Booking.launch_id))
        .join(Traveler, col(Traveler.id) == col(Booking.traveler_id))
        .where(col(Traveler.user_id) == user_id, col(Booking.launch_id).in_(launch_ids))
        .distinct()
    )
    held = set(await _rows(db, statement))
    return [launch_id in held for launch_id in launch_ids]
