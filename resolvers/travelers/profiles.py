"""Traveler profiles: each traveler user creates and edits their own (one per user)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from models.base import utcnow
from models.bookings.rules import is_vip
from models.bookings.tables import Booking, BookingStatus
from models.errors import Conflict, NotFound
from models.store.db import Database, SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from models.travelers.profiles import clean_profile
from models.travelers.tables import Traveler
from resolvers.request import RequestBundle


async def create_traveler_profile(
    call: RequestBundle, *, values: dict[str, Any], now: datetime | None = None
) -> Traveler:
    """The caller's profile. Raises TravelerProfileInvalid, or Conflict when the user already has one."""
    cleaned = clean_profile(values, partial=False)
    now = now or utcnow()
    user_id = call.caller.id
    traveler = Traveler(user_id=user_id, created_at=now, updated_at=now, **cleaned)
    async with call.unit_of_work() as uow:
        if await _profile_of(uow, user_id) is not None:
            raise Conflict("You already have a traveler profile; update it instead")
        uow.session.add(traveler)
        event = Event.TRAVELER_PROFILE_CREATED
        record_event(uow.session, call.origin, event, (Aggregate.TRAVELER, traveler.id), _event(traveler, cleaned))
        try:
            await uow.commit()
        except IntegrityError as exc:  # the same user creating twice at once: the unique user_id decides
            raise Conflict("You already have a traveler profile; update it instead") from exc
    return traveler


async def update_traveler_profile(
    call: RequestBundle, *, values: dict[str, Any], now: datetime | None = None
) -> Traveler:
    """Change the given fields of the caller's profile only (None clears an optional one).
    Raises TravelerProfileInvalid, NotFound."""
    cleaned = clean_profile(values, partial=True)
    async with call.unit_of_work() as uow:
        traveler = await _profile_of(uow, call.caller.id, lock=True)
        if traveler is None:
            raise NotFound("You have no traveler profile yet; create it first")
        for name, value in cleaned.items():
            setattr(traveler, name, value)
        traveler.updated_at = now or utcnow()
        event = Event.TRAVELER_PROFILE_UPDATED
        record_event(uow.session, call.origin, event, (Aggregate.TRAVELER, traveler.id), _event(traveler, cleaned))
        await uow.commit()
    return traveler


async def my_traveler_profile(call: RequestBundle) -> Traveler | None:
    """The caller's own profile, None until created."""
    async with call.unit_of_work() as uow:
        return await _profile_of(uow, call.caller.id)


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
