"""Editing a launch's terms while it is not final."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from models.agencies.tables import Agency
from models.base import utcnow
from models.errors import Conflict, ValidationFailed
from models.launches.tables import Launch, check_minimum_passengers, check_mission_name, check_price
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.agencies.profiles import own_agency
from resolvers.agencies.rockets import owned_rocket
from resolvers.launches.lifecycle import destination, event_payload, owned_launch
from resolvers.request import RequestBundle


@dataclass(frozen=True)
class LaunchEdit:
    """Fields an agency may change while the launch is not final (None = unchanged). The date moves
    only through a delay (move_launch); a new price applies to new bookings (booked prices are fixed)."""

    mission_name: str | None = None
    destination: str | None = None
    price_per_seat: Decimal | None = None
    minimum_passengers: int | None = None


async def update_launch(
    call: RequestBundle, *, launch_id: str, edit: LaunchEdit, now: datetime | None = None
) -> Launch:
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
        launch = await owned_launch(uow, agency, launch_id)
        if launch.is_final:
            raise Conflict(f"A {launch.status} launch can no longer be edited", currentStatus=launch.status)
        changed = await _apply_edit(uow, agency, launch, edit)
        launch.updated_at = now or utcnow()
        payload = event_payload(launch, fields=changed)
        record_event(uow.session, call.origin, Event.LAUNCH_UPDATED, (Aggregate.LAUNCH, launch.id), payload)
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
        if not rocket.can_reach(destination(edit.destination)):
            raise ValidationFailed(f"Rocket {rocket.name!r} cannot reach {edit.destination}", field="destination")
        launch.destination = edit.destination
    return sorted(name for name, value in vars(edit).items() if value is not None)
