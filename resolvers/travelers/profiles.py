"""Traveler profiles: each traveler user creates and edits their own (one per user)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from auth.principal import Principal
from models.base import utcnow
from models.bookings.rules import is_vip
from models.bookings.tables import Booking, BookingStatus
from models.errors import Conflict, NotFound
from models.store.db import Database, SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event
from models.travelers.profiles import clean_profile
from models.travelers.tables import Traveler


async def create_traveler_profile(
    uow: SqlUnitOfWork, *, principal: Principal, values: dict[str, Any], origin: Origin, now: datetime | None = None
) -> Traveler:
    """Raises TravelerProfileInvalid, or Conflict when the user already has a profile."""
    cleaned = clean_profile(values, partial=False)
    now = now or utcnow()
    traveler = Traveler(user_id=principal.id, created_at=now, updated_at=now, **cleaned)
    if await _profile_of(uow, principal.id) is not None:
        raise Conflict("You already have a traveler profile; update it instead")
    uow.session.add(traveler)
    record_event(
        uow.session,
        origin,
        Event.TRAVELER_PROFILE_CREATED,
        (Aggregate.TRAVELER, traveler.id),
        _event(traveler, cleaned),
    )
    try:
        await uow.commit()
    except IntegrityError as exc:  # the same user creating twice at once: the unique user_id decides
        raise Conflict("You already have a traveler profile; update it instead") from exc
    return traveler


async def update_traveler_profile(
    uow: SqlUnitOfWork, *, principal: Principal, values: dict[str, Any], origin: Origin, now: datetime | None = None
) -> Traveler:
    """Change the given fields only (None clears an optional one). Raises TravelerProfileInvalid, NotFound."""
    cleaned = clean_profile(values, partial=True)
    traveler = await _profile_of(uow, principal.id, lock=True)
    if traveler is None:
        raise NotFound("You have no traveler profile yet; create it first")
    for name, value in cleaned.items():
        setattr(traveler, name, value)
    traveler.updated_at = now or utcnow()
    record_event(
        uow.session,
        origin,
        Event.TRAVELER_PROFILE_UPDATED,
        (Aggregate.TRAVELER, traveler.id),
        _event(traveler, cleaned),
    )
    await uow.commit()
    return traveler


async def traveler_profile(db: Database, *, user_id: str) -> Traveler | None:
    async with db.unit_of_work() as uow:
        return await _profile_of(uow, user_id)


async def vip_travelers(db: Database, traveler_ids: list[str]) -> list[bool]:
    """Per traveler: confirmed bookings on at least two distinct launches (derived, never stored)."""
    statement = (
        select(col(Booking.traveler_id), func.count(func.distinct(col(Booking.launch_id))))
        .where(col(Booking.traveler_id).in_(traveler_ids), col(Booking.status) == BookingStatus.CONFIRMED)
        .group_by(col(Booking.traveler_id))
    )
    async with db.unit_of_work() as uow:
        counts = dict((await uow.session.execute(statement)).all())
    return [is_vip(counts.get(traveler_id, 0)) for traveler_id in traveler_ids]


async def _profile_of(uow: SqlUnitOfWork, user_id: str, *, lock: bool = False) -> Traveler | None:
    statement = select(Traveler).where(col(Traveler.user_id) == user_id)
    if lock:
        statement = statement.with_for_update()
    return (await uow.session.execute(statement)).scalar_one_or_none()


def _event(traveler: Traveler, changed: dict[str, Any]) -> dict[str, Any]:
    """Which fields changed, not their values: personal data stays out of the event log."""
    return {"traveler_id": traveler.id, "user_id": traveler.user_id, "fields": sorted(changed)}
