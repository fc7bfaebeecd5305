"""Scheduling a launch on one of the agency's rockets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from auth import policies
from models.base import utcnow
from models.errors import Forbidden, ValidationFailed
from models.launches.tables import (
    Launch,
    LaunchStatus,
    LaunchStatusChange,
    check_launch_date,
    check_minimum_passengers,
    check_mission_name,
    check_price,
)
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.accounts.users import confirmed_email
from resolvers.agencies.profiles import own_agency
from resolvers.agencies.rockets import owned_rocket
from resolvers.launches.lifecycle import destination, event_payload
from resolvers.request import RequestBundle


@dataclass(frozen=True)
class LaunchTerms:
    rocket_id: str
    mission_name: str
    destination: str
    launch_at: datetime
    price_per_seat: Decimal
    minimum_passengers: int


async def schedule_launch(call: RequestBundle, *, terms: LaunchTerms, now: datetime | None = None) -> Launch:
    now, principal = now or utcnow(), call.caller
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, principal)
        if not policies.may_schedule_launches(await confirmed_email(principal)):
            raise Forbidden("Confirm your email address before scheduling launches", reason="email_not_confirmed")
        rocket = await owned_rocket(uow, agency, terms.rocket_id, lock=True)  # serializes with rocket edits
        going_to = destination(terms.destination)
        if not rocket.can_reach(going_to):
            raise ValidationFailed(
                f"Rocket {rocket.name!r} ({rocket.range}) cannot reach {going_to}", field="destination"
            )
        check_launch_date(terms.launch_at, now)
        check_minimum_passengers(terms.minimum_passengers, rocket.capacity)
        launch = Launch(
            agency_id=agency.id,
            rocket_id=rocket.id,
            mission_name=check_mission_name(terms.mission_name),
            destination=going_to.value,
            launch_at=terms.launch_at,
            price_per_seat=check_price(terms.price_per_seat),
            minimum_passengers=terms.minimum_passengers,
            capacity=rocket.capacity,
            status=LaunchStatus.SCHEDULED.value,
            public_at=now + call.vip_window if call.vip_window else None,
        )
        uow.session.add(launch)
        await uow.session.flush()  # the history row references the launch
        uow.session.add(
            LaunchStatusChange(launch_id=launch.id, to_status=launch.status, changed_at=now, changed_by=principal.id)
        )
        aggregate = (Aggregate.LAUNCH, launch.id)
        record_event(uow.session, call.origin, Event.LAUNCH_SCHEDULED, aggregate, event_payload(launch))
        uow.invalidate_catalogue()
        await uow.commit()
        return launch
