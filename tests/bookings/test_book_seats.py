"""bookSeats through the use case, on the real PostgreSQL: every rule, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from models.base import utcnow
from models.bookings import errors as refusals
from models.bookings.gateway import PaymentDeclined, PaymentFailed, SimulatedGateway
from models.bookings.rules import PassengerData
from models.bookings.tables import Booking, Passenger, Payment
from models.errors import NotFound, ValidationFailed
from models.launches.tables import Launch
from models.sync.outbox import OutboxEvent
from resolvers.bookings.cancel_booking import cancel_booking
from tests.support.bookings import book
from tests.support.builders import ORIGIN, adults, make_launch, make_seller, make_traveler


async def state(services: Any, launch: Launch) -> tuple[int, int, int, int]:
    """(seats sold, bookings, passengers, payments) on the launch."""
    async with services.db.unit_of_work() as uow:
        s = uow.session
        sold = (await s.execute(select(Launch.seats_sold).where(Launch.id == launch.id))).scalar_one()
        booking_ids = select(Booking.id).where(Booking.launch_id == launch.id)
        count = await s.execute(select(func.count()).select_from(Booking).where(Booking.launch_id == launch.id))
        people = await s.execute(select(func.count()).where(Passenger.booking_id.in_(booking_ids)))
        paid = await s.execute(select(func.count()).where(Payment.booking_id.in_(booking_ids)))
        return sold, count.scalar_one(), people.scalar_one(), paid.scalar_one()


async def test_booking_reserves_charges_and_records_the_event(services):
    launch = await make_launch(services, price="1250.50", seats_sold=3)
    ada = await make_traveler(services)
    gateway = SimulatedGateway()
    booked = await book(services, ada, launch, adults(2), gateway=gateway)
    assert not booked.replayed
    assert (booked.booking.seats, booked.booking.amount, booked.booking.status) == (2, Decimal("2501.00"), "confirmed")
    assert await state(services, launch) == (5, 1, 2, 1)
    assert [(c.amount, c.reference) for c in gateway.charges] == [(Decimal("2501.00"), booked.booking.id)]
    async with services.db.unit_of_work() as uow:
        events = (await uow.session.execute(select(OutboxEvent.event_type, OutboxEvent.aggregate_id))).all()
    assert [tuple(event) for event in events] == [("booking_confirmed", booked.booking.id)]


async def test_price_is_fixed_at_booking_time(services):
    launch = await make_launch(services, price="1000.00")
    ada = await make_traveler(services)
    booked = await book(services, ada, launch, adults(1))
    async with services.db.unit_of_work() as uow:
        (await uow.session.get(Launch, launch.id)).price_per_seat = Decimal("5000.00")  # type: ignore[union-attr]
        await uow.commit()
    async with services.db.unit_of_work() as uow:
        stored = await uow.session.get(Booking, booked.booking.id)
        assert (stored.price_per_seat, stored.amount) == (Decimal("1000.00"), Decimal("1000.00"))  # type: ignore[union-attr]


@pytest.mark.parametrize(("token", "error"), [("tok_declined", PaymentDeclined), ("tok_timeout", PaymentFailed)])
async def test_declined_or_failed_payment_reserves_nothing(services, token, error):
    launch = await make_launch(services, seats_sold=4)
    ada = await make_traveler(services)
    with pytest.raises(error):
        await book(services, ada, launch, adults(2), payment_token=token, idempotency_key="k1")
    assert await state(services, launch) == (4, 0, 0, 0)
    # the key was not used up: the same request with a good card goes through
    assert (await book(services, ada, launch, adults(2), idempotency_key="k1")).booking.seats == 2


async def test_unknown_token_is_declined(services):
    launch = await make_launch(services)
    with pytest.raises(PaymentDeclined) as raised:
        await book(services, await make_traveler(services), launch, adults(1), payment_token="tok_nope")
    assert raised.value.reason == "invalid_token"


@pytest.mark.parametrize("status", ["launched", "failed", "aborted"])
async def test_final_launches_are_not_bookable(services, status):
    launch = await make_launch(services, status=status)
    with pytest.raises(refusals.LaunchNotBookable):
        await book(services, await make_traveler(services), launch, adults(1))


async def test_past_launch_date_is_not_bookable_even_if_scheduled(services):
    launch = await make_launch(services, launch_at=utcnow() + timedelta(days=2))
    ada = await make_traveler(services)
    with pytest.raises(refusals.LaunchNotBookable):
        await book(services, ada, launch, adults(1), now=launch.launch_at)
    assert (await book(services, ada, launch, adults(1), now=launch.launch_at - timedelta(seconds=1))).booking


async def test_not_enough_seats_names_what_is_left(services):
    launch = await make_launch(services, capacity=10, seats_sold=8)
    with pytest.raises(refusals.NotEnoughSeats) as raised:
        await book(services, await make_traveler(services), launch, adults(3))
    assert (raised.value.requested, raised.value.available) == (3, 2)
    assert await state(services, launch) == (8, 0, 0, 0)


async def test_seat_limit_counts_active_seats_on_the_launch(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    first = await book(services, ada, launch, adults(3))
    with pytest.raises(refusals.SeatLimitExceeded) as raised:
        await book(services, ada, launch, adults(2))
    assert (raised.value.limit, raised.value.already_booked, raised.value.requested) == (4, 3, 2)
    await book(services, ada, launch, adults(1))
    await cancel_booking(services.bundle(ada.principal, ORIGIN), booking_id=first.booking.id)
    assert (await book(services, ada, launch, adults(3))).booking.seats == 3  # canceled seats free the limit


async def test_vip_threshold_two_distinct_launches_and_canceled_bookings_do_not_count(services):
    seller = await make_seller(services)
    target, other, third = [await make_launch(services, seller.rocket) for _ in range(3)]
    ada = await make_traveler(services)
    await book(services, ada, target, adults(4))
    with pytest.raises(refusals.SeatLimitExceeded) as raised:  # one launch: not a VIP
        await book(services, ada, target, adults(1))
    assert (raised.value.vip, raised.value.limit) == (False, 4)
    canceled = await book(services, ada, other, adults(1))
    await cancel_booking(services.bundle(ada.principal, ORIGIN), booking_id=canceled.booking.id)
    with pytest.raises(refusals.SeatLimitExceeded):  # the canceled booking does not make a VIP
        await book(services, ada, target, adults(1))
    await book(services, ada, third, adults(1))
    assert (await book(services, ada, target, adults(2))).booking.seats == 2  # VIP: 6 on the launch
    with pytest.raises(refusals.SeatLimitExceeded) as raised:
        await book(services, ada, target, adults(1))
    assert (raised.value.vip, raised.value.limit, raised.value.already_booked) == (True, 6, 6)


@pytest.mark.parametrize(
    ("years", "days", "allowed"),
    [(18, 0, True), (18, 1, False), (71, 1, True), (71, 0, False)],
    ids=["turns-18-that-day", "turns-18-next-day", "turns-71-next-day", "turns-71-that-day"],
)
async def test_passenger_age_bounds_on_the_launch_date(services, years, days, allowed):
    launch = await make_launch(services, launch_at=datetime(2030, 6, 15, 9, 30, tzinfo=UTC))
    born = date(2030 - years, 6, 15) + timedelta(days=days)
    passengers = [*adults(1), PassengerData("Edge Case", born)]
    if allowed:
        assert (await book(services, await make_traveler(services), launch, passengers)).booking.seats == 2
        return
    with pytest.raises(refusals.PassengerAgeOutOfRange) as raised:
        await book(services, await make_traveler(services), launch, passengers)
    assert (raised.value.index, raised.value.passenger.name) == (1, "Edge Case")
    assert await state(services, launch) == (0, 0, 0, 0)


async def test_idempotency_key_replays_the_first_result_and_refuses_other_input(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    gateway = SimulatedGateway()
    first = await book(services, ada, launch, adults(2), idempotency_key="order-42", gateway=gateway)
    again = await book(services, ada, launch, adults(2), idempotency_key="order-42", gateway=gateway)
    assert (again.booking.id, again.replayed) == (first.booking.id, True)
    with pytest.raises(refusals.IdempotencyKeyReused):
        await book(services, ada, launch, adults(3), idempotency_key="order-42", gateway=gateway)
    assert len(gateway.charges) == 1
    assert await state(services, launch) == (2, 1, 2, 1)
    # keys belong to their traveler: another traveler's identical key is a new booking
    bob = await make_traveler(services)
    assert (await book(services, bob, launch, adults(2), idempotency_key="order-42")).booking.id != first.booking.id


async def test_who_may_book(services):
    launch = await make_launch(services)
    with pytest.raises(refusals.EmailNotConfirmed):
        await book(services, await make_traveler(services, confirmed=False), launch, adults(1))
    with pytest.raises(refusals.TravelerProfileRequired):
        await book(services, await make_traveler(services, profile=False), launch, adults(1))
    with pytest.raises(NotFound):
        await book(services, await make_traveler(services), Launch(id="missing"), adults(1))  # type: ignore[call-arg]


@pytest.mark.parametrize("passengers", [[], adults(7), [PassengerData("  ", date(1990, 1, 1))]])
async def test_malformed_requests_are_bad_input(services, passengers):
    launch = await make_launch(services)
    with pytest.raises(ValidationFailed):
        await book(services, await make_traveler(services), launch, passengers)
