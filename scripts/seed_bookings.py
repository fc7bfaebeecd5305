"""Demo bookings: traveler profiles for the demo travelers, and bookings on launches in every status.

Bookable launches are booked (and some canceled) through the use cases, so seats, payments, refunds and
outbox events are exactly what the API would write: a 90 % refund far ahead, a late cancellation that
keeps its seats sold. Launches that already flew (launched, failed) or were aborted cannot be booked
any more, so their bookings are written as they would have been before, and the aborted launch's are
then canceled with full refunds by the same helper abortLaunch uses. The `vip` traveler ends up with
bookings on several launches (a VIP). Seeding again creates nothing new.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from sqlalchemy import func, select, update
from sqlmodel import col

from auth.principal import Principal, Role
from graph.services import Services
from models.bookings.rules import PassengerData, booking_amount
from models.bookings.tables import Booking, Passenger, Payment
from models.errors import Conflict
from models.launches.tables import Launch
from models.sync.outbox import Origin
from models.travelers.tables import Traveler
from resolvers.bookings.book_seats import book_seats
from resolvers.bookings.cancel_booking import cancel_booking, cancel_launch_bookings
from resolvers.travelers.profiles import create_traveler_profile

ORIGIN = Origin(operation="seed", actor="seed")
PROFILES = {
    "traveler": {"phone": "+1 415 555 0101", "tax_id": "US123456789", "travel_preferences": "Window seat"},
    "traveler2": {"phone": "+44 20 7946 0958", "tax_id": "GB123456789", "travel_preferences": "Vegetarian meals"},
    "vip": {"phone": "+34 600 123 456", "tax_id": "ES12345678Z", "travel_preferences": "Mars, always Mars"},
}
PEOPLE = {
    "traveler": [("Tess Traveler", date(1988, 4, 12)), ("Tom Traveler", date(1986, 9, 3))],
    "traveler2": [("Theo Traveler", date(1979, 1, 30)), ("Tara Traveler", date(1981, 7, 22))],
    "vip": [
        ("Vera Voyager", date(1975, 11, 5)),
        ("Victor Voyager", date(1973, 2, 14)),
        ("Val Voyager", date(2001, 6, 1)),
    ],
}
# (traveler, mission, seats, cancel afterwards)
BOOKINGS = [
    ("traveler", "Orbit Sunrise", 2, True),  # 45 days ahead: canceled without refund, seats stay sold
    ("traveler2", "Orbit Sunrise", 2, False),
    ("traveler", "Lunar Gateway Tour", 2, False),
    ("vip", "Lunar Gateway Tour", 3, False),
    ("traveler", "Mars Pioneer I", 1, True),  # 420 days ahead: canceled with a 90 % refund
    ("vip", "Red Dawn", 2, False),
    ("traveler2", "Tranquility Base Express", 2, False),
    ("traveler", "Far Side Explorer", 2, False),
    ("vip", "Mars Pioneer I", 3, False),
]
# Bookings made before these launches flew or were aborted: (traveler, mission, seats)
HISTORIC = [("vip", "Aurora Orbit", 2), ("traveler2", "Aurora Orbit", 1), ("traveler", "Phobos Flyby", 2)]
HISTORIC += [("traveler2", "Polar Night Hop", 1)]
HISTORIC += [("traveler2", "Olympus Mons Trek", 2), ("vip", "Olympus Mons Trek", 1)]


async def seed_bookings(services: Services, users: dict[str, Any], *args: Any) -> dict[str, Any]:
    travelers = {key: await _profile(services, key, users[key]) for key in PROFILES}
    if await _has_bookings(services, [t.id for t in travelers.values()]):
        typer.echo("bookings: already present")
        return {}
    launches = await _launches_by_mission(services)
    for key, mission, seats in HISTORIC:
        await _historic_booking(services, travelers[key], launches[mission], _passengers(key, seats))
    aborted = await _cancel_aborted(services, launches["Olympus Mons Trek"].id)
    made = [await _book(services, key, users[key], launches[m], seats, cancel) for key, m, seats, cancel in BOOKINGS]
    typer.echo(f"bookings: {len(made) + len(HISTORIC)} on launches in every status ({aborted} refunded by an abort)")
    return {"bookings": made}


async def _profile(services: Services, key: str, user: Any) -> Traveler:
    principal = Principal(id=user.id, role=Role.TRAVELER, email_confirmed=True)
    values = {"name": user.name, "contact_email": user.email, **PROFILES[key]}
    try:
        return await create_traveler_profile(services.bundle(principal, ORIGIN), values=values)
    except Conflict:
        async with services.db.unit_of_work() as uow:
            found = (await uow.session.execute(select(Traveler).where(col(Traveler.user_id) == user.id))).scalar_one()
            uow.session.expunge(found)
            return found


async def _has_bookings(services: Services, traveler_ids: list[str]) -> bool:
    statement = select(func.count()).select_from(Booking).where(col(Booking.traveler_id).in_(traveler_ids))
    async with services.db.unit_of_work() as uow:
        return bool((await uow.session.execute(statement)).scalar_one())


async def _launches_by_mission(services: Services) -> dict[str, Launch]:
    async with services.db.unit_of_work() as uow:
        found = {launch.mission_name: launch for launch in (await uow.session.execute(select(Launch))).scalars()}
        uow.session.expunge_all()
        return found


def _passengers(key: str, seats: int) -> list[PassengerData]:
    return [PassengerData(name, born) for name, born in PEOPLE[key][:seats]]


async def _book(services: Services, key: str, user: Any, launch: Launch, seats: int, cancel: bool) -> str:
    principal = Principal(id=user.id, role=Role.TRAVELER, email_confirmed=True)
    call = services.bundle(principal, ORIGIN)
    booked = await book_seats(
        call,
        launch_id=launch.id,
        passengers=_passengers(key, seats),
        payment_token="tok_success",  # noqa: S106 - the simulated gateway's test token
        idempotency_key=f"seed-{launch.id}-{key}",
    )
    if cancel:
        await cancel_booking(call, booking_id=booked.booking.id)
    return booked.booking.id


async def _historic_booking(
    services: Services, traveler: Traveler, launch: Launch, people: list[PassengerData]
) -> None:
    amount = booking_amount(launch.price_per_seat, len(people))
    booking = Booking(
        launch_id=launch.id,
        traveler_id=traveler.id,
        seats=len(people),
        price_per_seat=launch.price_per_seat,
        amount=amount,
        created_at=launch.created_at,
    )
    charge = await services.payments.charge(token="tok_success", amount=amount, reference=booking.id)  # noqa: S106
    async with services.db.unit_of_work() as uow:
        uow.session.add(booking)
        await uow.session.flush()
        uow.session.add_all(Passenger(booking_id=booking.id, name=p.name, birth_date=p.birth_date) for p in people)
        uow.session.add(Payment(booking_id=booking.id, amount=amount, gateway_reference=charge))
        sold = col(Launch.seats_sold) + len(people)
        await uow.session.execute(update(Launch).where(col(Launch.id) == launch.id).values(seats_sold=sold))
        await uow.commit()


async def _cancel_aborted(services: Services, launch_id: str) -> int:
    async with services.db.unit_of_work() as uow:
        launch = await uow.session.get(Launch, launch_id)
        assert launch is not None
        count = await cancel_launch_bookings(uow, launch=launch, gateway=services.payments, origin=ORIGIN)
        await uow.commit()
    return count
