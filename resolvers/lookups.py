"""Batched reads by id for the DataLoaders: one statement per batch, one short session each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import col

from models.agencies.tables import Agency, Rocket
from models.bookings.tables import Booking
from models.launches.tables import Launch, LaunchStatusChange
from models.store.db import Database
from models.travelers.tables import Traveler

T = TypeVar("T", Agency, Rocket, Launch, Booking, Traveler)


async def fetch_all(db: Database, statement: Any) -> list[Any]:
    """One read, outside any transaction (models.store.db.Database.read); the rows stay loaded."""
    async with db.read() as session:
        return list((await session.execute(statement)).scalars().all())


def one_per_key(rows: list[Any], keys: Sequence[str], key: str = "id") -> list[Any]:
    """Order rows like `keys` (what a DataLoader's batch function returns); None where a key has no row."""
    found = {getattr(row, key): row for row in rows}
    return [found.get(k) for k in keys]


async def by_ids(db: Database, table: type[T], ids: Sequence[str]) -> list[T | None]:
    return one_per_key(await fetch_all(db, select(table).where(col(table.id).in_(ids))), ids)


async def agencies_by_ids(db: Database, ids: Sequence[str]) -> list[Agency | None]:
    return await by_ids(db, Agency, ids)


async def rockets_by_ids(db: Database, ids: Sequence[str]) -> list[Rocket | None]:
    return await by_ids(db, Rocket, ids)


async def launches_by_ids(db: Database, ids: Sequence[str]) -> list[Launch | None]:
    return await by_ids(db, Launch, ids)


async def status_history_by_launch(db: Database, launch_ids: Sequence[str]) -> list[list[LaunchStatusChange]]:
    statement = (
        select(LaunchStatusChange)
        .where(col(LaunchStatusChange.launch_id).in_(launch_ids))
        .order_by(col(LaunchStatusChange.changed_at), col(LaunchStatusChange.id))
    )
    groups: dict[str, list[LaunchStatusChange]] = {i: [] for i in launch_ids}
    for change in await fetch_all(db, statement):
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
    held = set(await fetch_all(db, statement))
    return [launch_id in held for launch_id in launch_ids]
