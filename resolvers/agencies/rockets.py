"""An agency's rockets: list, add, change, delete.

Another agency's rocket is FORBIDDEN (a missing one NOT_FOUND). Rocket changes are mirrored onto the
rocket's non-final launches in the same transaction (their `capacity` is a copy) and then invalidate the
public catalogue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from auth import policies
from models.agencies.tables import Agency, Destination, Rocket, check_rocket_terms
from models.base import utcnow
from models.errors import Conflict, Forbidden, NotFound
from models.launches.tables import FINAL, Launch
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.agencies.profiles import own_agency
from resolvers.request import RequestBundle


async def my_rockets(call: RequestBundle, *, include_retired: bool = False) -> list[Rocket]:
    """The calling agency's rockets, by name."""
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        statement = select(Rocket).where(col(Rocket.agency_id) == agency.id).order_by(col(Rocket.name), col(Rocket.id))
        if not include_retired:
            statement = statement.where(col(Rocket.deleted_at).is_(None))
        return list((await uow.session.execute(statement)).scalars().all())


async def owned_rocket(uow: SqlUnitOfWork, agency: Agency, rocket_id: str, *, lock: bool = False) -> Rocket:
    """The agency's live rocket; another agency's is FORBIDDEN, a missing or retired one NOT_FOUND."""
    statement = select(Rocket).where(col(Rocket.id) == rocket_id)
    rocket = (await uow.session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if rocket is None or rocket.deleted_at is not None:
        raise NotFound("No such rocket", entity="Rocket")
    if not policies.is_owning_agency(agency.id, rocket.agency_id):
        raise Forbidden("This rocket belongs to another agency")
    return rocket


async def add_rocket(call: RequestBundle, *, name: str, capacity: int, range_: str) -> Rocket:
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        check_rocket_terms(name=name, capacity=capacity, range_=range_)
        rocket = Rocket(agency_id=agency.id, name=name.strip(), capacity=capacity, range=range_)
        uow.session.add(rocket)
        payload = {"agency_id": agency.id}
        record_event(uow.session, call.origin, Event.ROCKET_ADDED, (Aggregate.ROCKET, rocket.id), payload)
        await _commit_unique_name(uow)
        return rocket


async def _commit_unique_name(uow: SqlUnitOfWork) -> None:
    try:
        await uow.commit()
    except IntegrityError as exc:
        if "rocket_name_per_agency" not in str(exc.orig):
            raise
        raise Conflict("Your agency already has a rocket with this name", field="name") from exc


async def update_rocket(
    call: RequestBundle,
    *,
    rocket_id: str,
    name: str | None = None,
    capacity: int | None = None,
    range_: str | None = None,
) -> Rocket:
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        check_rocket_terms(name=name, capacity=capacity, range_=range_)
        rocket = await owned_rocket(uow, agency, rocket_id, lock=True)
        launches = await _open_launches(uow, rocket.id, lock=True)
        _check_fits(launches, capacity=capacity or rocket.capacity, range_=range_ or rocket.range)
        rocket.name = name.strip() if name is not None else rocket.name
        rocket.capacity, rocket.range = capacity or rocket.capacity, range_ or rocket.range
        if capacity is not None and launches:
            await uow.session.execute(
                update(Launch).where(col(Launch.id).in_([launch.id for launch in launches])).values(capacity=capacity)
            )
        payload = {"capacity": rocket.capacity}
        record_event(uow.session, call.origin, Event.ROCKET_UPDATED, (Aggregate.ROCKET, rocket.id), payload)
        uow.invalidate_catalogue()
        await _commit_unique_name(uow)
        return rocket


async def _open_launches(uow: SqlUnitOfWork, rocket_id: str, *, lock: bool) -> list[Launch]:
    """The rocket's launches that are not final, locked so no booking or move slips in meanwhile."""
    statement = select(Launch).where(col(Launch.rocket_id) == rocket_id, col(Launch.status).not_in(FINAL))
    statement = statement.order_by(col(Launch.id))
    return list((await uow.session.execute(statement.with_for_update() if lock else statement)).scalars().all())


def _check_fits(launches: list[Launch], *, capacity: int, range_: str) -> None:
    for launch in launches:
        if launch.seats_sold > capacity:
            raise Conflict(
                f"Launch {launch.mission_name!r} has {launch.seats_sold} seats sold; capacity cannot go below",
                field="capacity",
                launchId=launch.id,
            )
        if launch.minimum_passengers > capacity:
            raise Conflict(
                f"Launch {launch.mission_name!r} needs {launch.minimum_passengers} passengers; lower it first",
                field="capacity",
                launchId=launch.id,
            )
        if Destination(launch.destination).distance > Destination(range_).distance:
            raise Conflict(f"Launch {launch.mission_name!r} flies beyond that range", field="range", launchId=launch.id)


async def delete_rocket(call: RequestBundle, *, rocket_id: str, now: datetime | None = None) -> bool:
    """Delete a rocket. With only finished launches it is retired (soft delete, kept for their history);
    with none at all it is removed. Returns True when retired. Refused while a launch is not final."""
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        rocket = await owned_rocket(uow, agency, rocket_id, lock=True)
        if await _open_launches(uow, rocket.id, lock=False):
            raise Conflict("The rocket has launches that are not finished", entity="Rocket")
        count = select(func.count()).select_from(Launch).where(col(Launch.rocket_id) == rocket.id)
        retired = (await uow.session.execute(count)).scalar_one() > 0
        if retired:
            rocket.deleted_at = now or utcnow()
        else:
            await uow.session.execute(delete(Rocket).where(col(Rocket.id) == rocket.id))
        event = Event.ROCKET_RETIRED if retired else Event.ROCKET_DELETED
        record_event(uow.session, call.origin, event, (Aggregate.ROCKET, rocket.id), {"agency_id": agency.id})
        uow.invalidate_catalogue()
        await uow.commit()
        return retired
