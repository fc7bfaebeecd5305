"""Launch use cases: schedule, edit, and the status moves (confirm, delay, abort, launched, failed).

Each locks the launch row, checks the move with the launch's pure rules, writes the status history entry
and an outbox event in the same transaction, commits, then invalidates the public catalogue. Aborting
cancels every booking of the launch with a full refund inside that same transaction. Use cases take
`now` so tests can pass a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from auth import policies
from auth.principal import Principal
from models.agencies.tables import Agency, Destination
from models.base import utcnow
from models.bookings.gateway import PaymentGateway
from models.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models.launches.tables import (
    Launch,
    LaunchStatus,
    LaunchStatusChange,
    check_launch_date,
    check_minimum_passengers,
    check_mission_name,
    check_price,
)
from models.store.cache import TagVersions
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event
from resolvers.agencies.profiles import my_agency, owned_rocket
from resolvers.bookings.cancel_booking import cancel_launch_bookings


@dataclass(frozen=True)
class LaunchTerms:
    rocket_id: str
    mission_name: str
    destination: str
    launch_at: datetime
    price_per_seat: Decimal
    minimum_passengers: int


@dataclass(frozen=True)
class LaunchEdit:
    """Fields an agency may change while the launch is not final (None = unchanged). The date moves
    only through `delay_launch`; a new price applies to new bookings (booked prices are fixed)."""

    mission_name: str | None = None
    destination: str | None = None
    price_per_seat: Decimal | None = None
    minimum_passengers: int | None = None


def _destination(value: str) -> Destination:
    try:
        return Destination(value)
    except ValueError:
        raise ValidationFailed("destination must be low_earth, moon or mars", field="destination") from None


def _event_payload(launch: Launch, **extra: Any) -> dict[str, Any]:
    return {
        "agency_id": launch.agency_id,
        "mission_name": launch.mission_name,
        "status": launch.status,
        "launch_at": launch.launch_at.isoformat(),
        **extra,
    }


async def schedule_launch(
    uow: SqlUnitOfWork,
    *,
    principal: Principal,
    terms: LaunchTerms,
    tags: TagVersions | None,
    origin: Origin,
    now: datetime | None = None,
) -> Launch:
    now = now or utcnow()
    agency = await my_agency(uow, principal)
    if not policies.may_schedule_launches(principal):
        raise Forbidden("Confirm your email address before scheduling launches", reason="email_not_confirmed")
    rocket = await owned_rocket(uow, agency, terms.rocket_id, lock=True)  # serializes with rocket edits
    destination = _destination(terms.destination)
    if not rocket.can_reach(destination):
        raise ValidationFailed(
            f"Rocket {rocket.name!r} ({rocket.range}) cannot reach {destination}", field="destination"
        )
    check_launch_date(terms.launch_at, now)
    check_minimum_passengers(terms.minimum_passengers, rocket.capacity)
    launch = Launch(
        agency_id=agency.id,
        rocket_id=rocket.id,
        mission_name=check_mission_name(terms.mission_name),
        destination=destination.value,
        launch_at=terms.launch_at,
        price_per_seat=check_price(terms.price_per_seat),
        minimum_passengers=terms.minimum_passengers,
        capacity=rocket.capacity,
        status=LaunchStatus.SCHEDULED.value,
    )
    uow.session.add(launch)
    await uow.session.flush()  # the history row references the launch
    uow.session.add(
        LaunchStatusChange(launch_id=launch.id, to_status=launch.status, changed_at=now, changed_by=principal.id)
    )
    record_event(uow.session, origin, Event.LAUNCH_SCHEDULED, (Aggregate.LAUNCH, launch.id), _event_payload(launch))
    uow.invalidate_catalogue()
    await uow.commit()
    return launch


async def owned_launch(uow: SqlUnitOfWork, agency: Agency, launch_id: str, *, lock: bool = True) -> Launch:
    """The agency's launch, row-locked; another agency's is FORBIDDEN, a missing one NOT_FOUND."""
    statement = select(Launch).where(col(Launch.id) == launch_id)
    launch = (await uow.session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if launch is None:
        raise NotFound("No such launch", entity="Launch")
    if not policies.is_owning_agency(agency.id, launch.agency_id):
        raise Forbidden("This launch belongs to another agency")
    return launch


async def update_launch(
    uow: SqlUnitOfWork,
    *,
    principal: Principal,
    launch_id: str,
    edit: LaunchEdit,
    tags: TagVersions | None,
    origin: Origin,
    now: datetime | None = None,
) -> Launch:
    agency = await my_agency(uow, principal)
    launch = await owned_launch(uow, agency, launch_id)
    if launch.is_final:
        raise Conflict(f"A {launch.status} launch can no longer be edited", currentStatus=launch.status)
    changed = await _apply_edit(uow, agency, launch, edit)
    launch.updated_at = now or utcnow()
    record_event(
        uow.session, origin, Event.LAUNCH_UPDATED, (Aggregate.LAUNCH, launch.id), _event_payload(launch, fields=changed)
    )
    uow.invalidate_catalogue()
    await uow.commit()
    return launch


async def _apply_edit(uow: SqlUnitOfWork, agency: Agency, launch: Launch, edit: LaunchEdit) -> list[str]:
    if edit.mission_name is not None:
        launch.mission_name = check_mission_name(edit.mission_name)
    if edit.price_per_seat is not None:
        launch.price_per_seat = check_price(edit.price_per_seat)
    if edit.minimum_passengers is not None:
        check_minimum_passengers(edit.minimum_passengers, launch.capacity)
        launch.minimum_passengers = edit.minimum_passengers
    if edit.destination is not None:
        rocket = await owned_rocket(uow, agency, launch.rocket_id)
        if not rocket.can_reach(_destination(edit.destination)):
            raise ValidationFailed(f"Rocket {rocket.name!r} cannot reach {edit.destination}", field="destination")
        launch.destination = edit.destination
    return sorted(name for name, value in vars(edit).items() if value is not None)


@dataclass(frozen=True)
class Moved:
    launch: Launch
    change: LaunchStatusChange
    canceled_bookings: int = 0


async def move_launch(
    uow: SqlUnitOfWork,
    *,
    principal: Principal,
    launch_id: str,
    target: LaunchStatus,
    tags: TagVersions | None,
    origin: Origin,
    reason: str | None = None,
    new_date: datetime | None = None,
    gateway: PaymentGateway,
    now: datetime | None = None,
) -> Moved:
    """Move a launch to `target`; a refused move raises the LaunchMoveRefused naming the current status."""
    now = now or utcnow()
    agency = await my_agency(uow, principal)
    launch = await owned_launch(uow, agency, launch_id)
    previous_date = launch.launch_at
    change = launch.move_to(target, now=now, by=principal.id, reason=reason, new_date=new_date)
    uow.session.add(change)
    canceled = 0
    if target == LaunchStatus.ABORTED:
        canceled = await cancel_launch_bookings(uow, launch=launch, gateway=gateway, origin=origin, now=now)
    payload = _event_payload(launch, previous_status=change.from_status, reason=reason)
    if new_date is not None:
        payload["previous_launch_at"] = previous_date.isoformat()
    record_event(uow.session, origin, Event.launch_moved_to(target), (Aggregate.LAUNCH, launch.id), payload)
    uow.invalidate_catalogue()
    await uow.commit()
    return Moved(launch=launch, change=change, canceled_bookings=canceled)


def require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise ValidationFailed("A reason is required", field="reason")
    if len(reason) > 2000:
        raise ValidationFailed("reason is longer than 2000 characters", field="reason")
    return reason.strip()
