"""The builders of every test: users with tokens, and agencies, rockets, launches, travelers and bookings
written straight to the stores (so a test does not depend on the use cases it is not about)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert as insert_rows

from auth.passwords import hash_password
from auth.principal import Principal, Role
from models.accounts.users import User, insert_user
from models.agencies.tables import Agency, Rocket
from models.bookings.rules import PassengerData
from models.bookings.tables import Booking, BookingStatus, Payment, Refund
from models.ids import new_id
from models.launches import catalogue_cache
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.store.mongo import run_sync
from models.sync.outbox import Origin
from models.travelers.tables import Traveler

ORIGIN = Origin(operation="test", actor="test", request_id="test")


def days(n: float) -> timedelta:
    return timedelta(days=n)


def now() -> datetime:
    return datetime.now(UTC)


# A password every user made by `make_user` has (it passes the password policy).
TEST_PASSWORD = "Orbital-Test-Passphrase-7"


async def make_user(
    services: Any, role: str, *, confirmed: bool = True, email: str | None = None, name: str | None = None
) -> tuple[User, str]:
    """Create a user of `role` (traveler, agency, financial, it) and return it with a valid access token.

    The user's password is TEST_PASSWORD; the token carries `email_verified` = `confirmed`."""
    from resolvers.accounts.sessions import access_token_for

    password_hash = await _test_password_hash()
    user = await run_sync(
        insert_user,
        name=name or f"Test {role.title()}",
        email=email or f"{role}-{new_id()}@example.test",
        role=role,
        password_hash=password_hash,
        confirmed=confirmed,
    )
    return user, access_token_for(services.tokens, user)


_HASHES: dict[str, str] = {}


async def _test_password_hash() -> str:
    """Argon2 is deliberately slow: hash the shared test password once per test session."""
    if TEST_PASSWORD not in _HASHES:
        _HASHES[TEST_PASSWORD] = await hash_password(TEST_PASSWORD)
    return _HASHES[TEST_PASSWORD]


async def insert(services: Any, *rows: Any) -> None:
    async with services.db.unit_of_work() as uow:
        for row in rows:
            uow.session.add(row)
            await uow.session.flush()
        await uow.commit()


async def fetch(services: Any, statement: Any) -> list[Any]:
    """Rows of a SELECT, detached with their loaded values (leaving a unit of work rolls back)."""
    async with services.db.unit_of_work() as uow:
        rows = list((await uow.session.execute(statement)).scalars().all())
        uow.session.expunge_all()
        return rows


async def make_agency(services: Any, user_id: str | None = None, name: str = "Orbital Ventures") -> Agency:
    agency = Agency(
        user_id=user_id or new_id(),
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
    rocket = Rocket(agency_id=agency.id, name=name or f"Falcon {new_id()[-6:]}", capacity=capacity, range=range_)
    await insert(services, rocket)
    return rocket


@dataclass
class Seller:
    agency: Agency
    rocket: Rocket


async def make_seller(services: Any, *, user_id: str | None = None, name: str = "Orbital Lines") -> Seller:
    """An agency with one rocket of 20 seats."""
    agency = await make_agency(services, user_id, name)
    return Seller(agency, await make_rocket(services, agency, capacity=20))


async def make_launch(
    services: Any,
    rocket: Rocket | None = None,
    *,
    capacity: int | None = None,
    status: str = LaunchStatus.SCHEDULED,
    launch_at: datetime | None = None,
    seats_sold: int = 0,
    minimum: int = 1,
    price: str = "1000.00",
    destination: str = "moon",
    mission: str = "Artemis Tour",
) -> Launch:
    """A launch of `rocket` (of a new seller when omitted), with the capacity of its rocket unless given, more
    than a year ahead unless `launch_at` is given (the highest refund tier)."""
    rocket = rocket or (await make_seller(services)).rocket
    launch = Launch(
        agency_id=rocket.agency_id,
        rocket_id=rocket.id,
        mission_name=mission,
        destination=destination,
        launch_at=launch_at or now() + days(400),
        price_per_seat=Decimal(price),
        minimum_passengers=minimum,
        capacity=rocket.capacity if capacity is None else capacity,
        seats_sold=seats_sold,
        status=str(status),
    )
    first = LaunchStatusChange(launch_id=launch.id, to_status="scheduled", changed_by="seed")
    await insert(services, launch, first)
    await catalogue_cache.invalidate(services.tags)  # as the launch use cases do: the catalogue shows it at once
    return launch


async def make_traveler_profile(
    services: Any,
    user_id: str,
    name: str = "Ada Traveler",
    *,
    contact_email: str | None = None,
    phone: str | None = None,
) -> Traveler:
    traveler = Traveler(
        user_id=user_id, name=name, contact_email=contact_email or f"{user_id}@example.test", phone=phone
    )
    await insert(services, traveler)
    return traveler


@dataclass
class TravelerUser:
    principal: Principal
    token: str
    traveler: Traveler | None


async def make_traveler(services: Any, *, confirmed: bool = True, profile: bool = True) -> TravelerUser:
    """A traveler to act as (a principal and a token, no account in MongoDB), with a profile unless told not."""
    user_id = new_id()
    principal = Principal(id=user_id, role=Role.TRAVELER, email_confirmed=confirmed)
    token = services.tokens.issue(user_id, "traveler", extra={"email_verified": confirmed})
    traveler = None
    if profile:
        traveler = await make_traveler_profile(
            services, user_id, "Ada Voyager", contact_email="ada@example.test", phone="+34600123456"
        )
    return TravelerUser(principal, token, traveler)


async def make_profiles(services: Any, count: int) -> list[Principal]:
    """Many travelers at once (one statement), for the concurrency tests."""
    user_ids = [new_id() for _ in range(count)]
    rows = [{"id": new_id(), "user_id": u, "name": f"T {u[-6:]}", "contact_email": "t@example.test"} for u in user_ids]
    stamp = now()
    async with services.db.unit_of_work() as uow:
        await uow.session.execute(
            insert_rows(Traveler), [{**row, "created_at": stamp, "updated_at": stamp} for row in rows]
        )
        await uow.commit()
    return [Principal(id=u, role=Role.TRAVELER, email_confirmed=True) for u in user_ids]


def adults(count: int, *, born: date = date(1990, 5, 17)) -> list[PassengerData]:
    return [PassengerData(name=f"Passenger {i + 1}", birth_date=born) for i in range(count)]


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

    def principal(self, who: str) -> Principal:
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


async def make_cast(services: Any) -> Cast:
    """The cast: its launch ("Artemis Tour", 2 of 10 seats sold, minimum 2) is in 30 days."""
    result = Cast(tokens={"visitor": None})
    for who, role in ROLES_OF.items():
        user, token = await make_user(services, role)
        result.users[who], result.tokens[who] = user, token
    result.agency = await make_agency(services, result.users["agency"].id)
    result.other_agency = await make_agency(services, result.users["other_agency"].id, "Rival Rockets")
    result.rocket = await make_rocket(services, result.agency, capacity=10, name="Falcon Heavy")
    result.launch = await make_launch(services, result.rocket, seats_sold=2, minimum=2, launch_at=now() + days(30))
    result.traveler = await make_traveler_profile(services, result.users["traveler"].id)
    await make_traveler_profile(services, result.users["other_traveler"].id, "Bo Other")
    result.booking = await make_booking(services, result.launch, result.traveler, seats=2)
    return result
