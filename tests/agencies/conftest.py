"""Builders for the agency tests: a cast of users of every role, agencies, rockets, launches and bookings
written straight to PostgreSQL (the behaviour under test goes through GraphQL or the use cases)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from models.agencies.tables import Agency, Rocket
from models.bookings.tables import Booking, BookingStatus, Payment, Refund
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.sync.outbox import Origin
from models.travelers.tables import Traveler
from tests.support import make_user

ORIGIN = Origin(operation="test", actor="test", request_id="test-request")


def days(n: float) -> timedelta:
    return timedelta(days=n)


def now() -> datetime:
    return datetime.now(UTC)


async def insert(services: Any, *rows: Any) -> None:
    async with services.db.unit_of_work() as uow:
        for row in rows:
            uow.session.add(row)
            await uow.session.flush()
        await uow.commit()


async def make_agency(services: Any, user_id: str, name: str = "Orbital Ventures") -> Agency:
    agency = Agency(
        user_id=user_id,
        legal_name=name,
        description="Seats to orbit and beyond",
        contact_info="+1 555 0100, weekdays 9-17",
        contact_email="ops@example.test",
        tax_id="12-3456789",
        legal_address="1 Launch Way, Cape Canaveral, FL",
    )
    await insert(services, agency)
    return agency


async def make_rocket(
    services: Any, agency: Agency, *, capacity: int = 10, range_: str = "mars", name: str = ""
) -> Rocket:
    rocket = Rocket(
        agency_id=agency.id, name=name or f"Falcon {datetime.now().timestamp()}", capacity=capacity, range=range_
    )
    await insert(services, rocket)
    return rocket


async def make_launch(
    services: Any,
    rocket: Rocket,
    *,
    status: str = LaunchStatus.SCHEDULED,
    launch_at: datetime | None = None,
    seats_sold: int = 0,
    minimum: int = 1,
    price: str = "1000.00",
    destination: str = "moon",
    mission: str = "Artemis Tour",
) -> Launch:
    launch = Launch(
        agency_id=rocket.agency_id,
        rocket_id=rocket.id,
        mission_name=mission,
        destination=destination,
        launch_at=launch_at or now() + days(30),
        price_per_seat=Decimal(price),
        minimum_passengers=minimum,
        capacity=rocket.capacity,
        seats_sold=seats_sold,
        status=str(status),
    )
    first = LaunchStatusChange(launch_id=launch.id, to_status="scheduled", changed_by="seed")
    await insert(services, launch, first)
    return launch


async def make_traveler(services: Any, user_id: str, name: str = "Ada Traveler") -> Traveler:
    traveler = Traveler(user_id=user_id, name=name, contact_email=f"{user_id}@example.test")
    await insert(services, traveler)
    return traveler


async def make_booking(
    services: Any,
    launch: Launch,
    traveler: Traveler,
    *,
    seats: int = 1,
    status: str = BookingStatus.CONFIRMED,
    refunded: str | None = None,
    seats_released: bool = False,
) -> Booking:
    """A paid booking (its seats must already be counted in launch.seats_sold by the caller)."""
    amount = launch.price_per_seat * seats
    booking = Booking(
        launch_id=launch.id,
        traveler_id=traveler.id,
        seats=seats,
        price_per_seat=launch.price_per_seat,
        amount=amount,
        status=str(status),
        seats_released=seats_released,
        canceled_at=now() if status == BookingStatus.CANCELED else None,
    )
    payment = Payment(booking_id=booking.id, amount=amount, gateway_reference="ch_sim_test")
    rows: list[Any] = [booking, payment]
    if refunded is not None:
        ratio = Decimal(refunded) / amount
        rows.append(
            Refund(
                booking_id=booking.id,
                payment_id=payment.id,
                amount=Decimal(refunded),
                ratio=ratio,
                gateway_reference="re_sim",
            )
        )
    await insert(services, *rows)
    return booking


@dataclass
class Cast:
    """One user of each role the authorization matrix needs, with tokens; the agency owns a rocket and a
    launch on which `traveler` holds a booking."""

    tokens: dict[str, str | None] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)
    agency: Agency = None  # type: ignore[assignment]
    other_agency: Agency = None  # type: ignore[assignment]
    rocket: Rocket = None  # type: ignore[assignment]
    launch: Launch = None  # type: ignore[assignment]
    traveler: Traveler = None  # type: ignore[assignment]
    booking: Booking = None  # type: ignore[assignment]

    def principal(self, who: str) -> Any:
        from auth.principal import Principal, Role

        user = self.users[who]
        return Principal(id=user.id, role=Role(user.role), email_confirmed=True)


ROLES_OF = {
    "traveler": "traveler",
    "other_traveler": "traveler",
    "agency": "agency",
    "other_agency": "agency",
    "financial": "financial",
    "it": "it",
}
WHO = ("visitor", *ROLES_OF)


@pytest.fixture
async def cast(services: Any) -> Cast:
    result = Cast(tokens={"visitor": None})
    for who, role in ROLES_OF.items():
        user, token = await make_user(services, role)
        result.users[who], result.tokens[who] = user, token
    result.agency = await make_agency(services, result.users["agency"].id)
    result.other_agency = await make_agency(services, result.users["other_agency"].id, "Rival Rockets")
    result.rocket = await make_rocket(services, result.agency, capacity=10, name="Falcon Heavy")
    result.launch = await make_launch(services, result.rocket, seats_sold=2, minimum=2)
    result.traveler = await make_traveler(services, result.users["traveler"].id)
    await make_traveler(services, result.users["other_traveler"].id, "Bo Other")
    result.booking = await make_booking(services, result.launch, result.traveler, seats=2)
    return result


async def fetch(services: Any, statement: Any) -> list[Any]:
    """Rows of a SELECT, detached with their loaded values (leaving a unit of work rolls back)."""
    async with services.db.unit_of_work() as uow:
        rows = list((await uow.session.execute(statement)).scalars().all())
        uow.session.expunge_all()
        return rows
