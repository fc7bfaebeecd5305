"""What the launch lifecycle use cases (schedule_launch, update_launch, move_launch) share: the agency's
own launch, row-locked, the destination check and the payload of launch events.

Each of them locks what it changes, checks it with the launch's pure rules, writes the status history
entry and an outbox event in the same transaction, commits, then invalidates the public catalogue. They
take `now` so tests can pass a clock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from auth import policies
from models.agencies.tables import Agency, Destination
from models.errors import Forbidden, NotFound, ValidationFailed
from models.launches.tables import Launch
from models.store.db import SqlUnitOfWork


def destination(value: str) -> Destination:
    try:
        return Destination(value)
    except ValueError:
        raise ValidationFailed("destination must be low_earth, moon or mars", field="destination") from None


def event_payload(launch: Launch, **extra: Any) -> dict[str, Any]:
    return {
        "agency_id": launch.agency_id,
        "mission_name": launch.mission_name,
        "status": launch.status,
        "launch_at": launch.launch_at.isoformat(),
        **extra,
    }


async def owned_launch(uow: SqlUnitOfWork, agency: Agency, launch_id: str, *, lock: bool = True) -> Launch:
    """The agency's launch, row-locked; another agency's is FORBIDDEN, a missing one NOT_FOUND."""
    statement = select(Launch).where(col(Launch.id) == launch_id)
    launch = (await uow.session.execute(statement.with_for_update() if lock else statement)).scalar_one_or_none()
    if launch is None:
        raise NotFound("No such launch", entity="Launch")
    if not policies.is_owning_agency(agency.id, launch.agency_id):
        raise Forbidden("This launch belongs to another agency")
    return launch
