"""Builders for the bookings tests: agencies, rockets and launches written straight to PostgreSQL (so these
tests do not depend on the launch use cases), travelers with profiles, and principals to act as them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from auth.principal import Principal, Role
from models.agencies.tables import Agency, Rocket
from models.base import utcnow
from models.bookings.rules import PassengerData
from models.ids import new_id
from models.launches import catalogue_cache
from models.launches.tables import Launch
from models.sync.outbox import Origin
from models.travelers.tables import Traveler

ORIGIN = Origin(operation="test", actor="test", request_id="test")


@dataclass
class Seller:
    agency: Agency
    rocket: Rocket


async def make_seller(services: Any, *, user_id: str | None = None, name: str = "Orbital Lines") -> Seller:
    agency = Agency(
        user_id=user_id or new_id(),
        legal_name=name,
        contact_info="+1 555 0100",
        contact_email="ops@orbital.example",
        tax_id="US123456789",
        legal_address="1 Launch Pad, Cape",
    )
    rocket = Rocket(agency_id=agency.id, name=f"Falcon {new_id()[-6:]}", capacity=500, range="mars")
    async with services.db.unit_of_work() as uow:
        uow.session.add(agency)
        await uow.session.flush()
        uow.session.add(rocket)
        await uow.commit()
    return Seller(agency, rocket)


async def make_launch(
    services: Any,
    seller: Seller | None = None,
    *,
    capacity: int = 20,
    seats_sold: int = 0,
    price: str = "1000.00",
    status: str = "scheduled",
    launch_at: datetime | None = None,
    destination: str = "moon",
    mission: str = "Artemis Tour",
) -> Launch:
    seller = seller or await make_seller(services)
    launch = Launch(
        agency_id=seller.agency.id,
        rocket_id=seller.rocket.id,
        mission_name=mission,
        destination=destination,
        launch_at=launch_at or utcnow() + timedelta(days=400),
        price_per_seat=Decimal(price),
        minimum_passengers=1,
        capacity=capacity,
        seats_sold=seats_sold,
        status=status,
    )
    async with services.db.unit_of_work() as uow:
        uow.session.add(launch)
        await uow.commit()
    await catalogue_cache.invalidate(services.tags)  # as the launch use cases do: the catalogue shows it at once
    return launch


@dataclass
class TravelerUser:
    principal: Principal
    token: str
    traveler: Traveler | None


async def make_traveler(services: Any, *, confirmed: bool = True, profile: bool = True) -> TravelerUser:
    user_id = new_id()
    principal = Principal(id=user_id, role=Role.TRAVELER, email_confirmed=confirmed)
    token = services.tokens.issue(user_id, "traveler", extra={"email_verified": confirmed})
    traveler = None
    if profile:
        traveler = Traveler(user_id=user_id, name="Ada Voyager", contact_email="ada@example.test", phone="+34600123456")
        async with services.db.unit_of_work() as uow:
            uow.session.add(traveler)
            await uow.commit()
    return TravelerUser(principal, token, traveler)


async def make_profiles(services: Any, count: int) -> list[Principal]:
    """Many travelers at once (one statement), for the concurrency tests."""
    user_ids = [new_id() for _ in range(count)]
    rows = [{"id": new_id(), "user_id": u, "name": f"T {u[-6:]}", "contact_email": "t@example.test"} for u in user_ids]
    now = utcnow()
    async with services.db.unit_of_work() as uow:
        await uow.session.execute(insert(Traveler), [{**row, "created_at": now, "updated_at": now} for row in rows])
        await uow.commit()
    return [Principal(id=u, role=Role.TRAVELER, email_confirmed=True) for u in user_ids]


def adults(count: int, *, born: date = date(1990, 5, 17)) -> list[PassengerData]:
    return [PassengerData(name=f"Passenger {i + 1}", birth_date=born) for i in range(count)]
