"""cancelBooking and the aborted-launch mass cancellation, through the use cases on the real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from models.base import utcnow
from models.bookings import errors as refusals
from models.bookings.gateway import PaymentFailed, SimulatedGateway
from models.bookings.tables import Booking, Refund
from models.errors import NotFound
from models.launches.tables import Launch
from models.sync.outbox import OutboxEvent
from resolvers.bookings.cancel_booking import cancel_booking, cancel_launch_bookings
from tests.support.bookings import book
from tests.support.builders import ORIGIN, adults, make_launch, make_traveler


async def cancel(services: Any, who: Any, booking_id: str, **kwargs: Any) -> Any:
    call = replace(services.bundle(who.principal, ORIGIN), payments=kwargs.pop("gateway", services.payments))
    return await cancel_booking(call, booking_id=booking_id, **kwargs)


async def seats_sold(services: Any, launch: Launch) -> int:
    async with services.db.unit_of_work() as uow:
        return (await uow.session.execute(select(Launch.seats_sold).where(Launch.id == launch.id))).scalar_one()


async def event_types(services: Any) -> list[str]:
    async with services.db.unit_of_work() as uow:
        statement = select(OutboxEvent.event_type).order_by(OutboxEvent.id)
        return list((await uow.session.execute(statement)).scalars().all())


@pytest.mark.parametrize(
    ("before", "ratio", "refunded", "sold_after"),
    [
        (timedelta(days=365), "0.90", "2700.00", 0),
        (timedelta(days=365) - timedelta(microseconds=1), "0.70", "2100.00", 0),
        (timedelta(days=90), "0.70", "2100.00", 0),
        (timedelta(days=90) - timedelta(microseconds=1), None, None, 2),
    ],
    ids=["365-days", "just-under-365", "90-days", "just-under-90"],
)
async def test_refund_boundaries_at_exactly_365_and_90_days(services, before, ratio, refunded, sold_after):
    launch = await make_launch(services, price="1500.00", launch_at=utcnow() + timedelta(days=500))
    ada = await make_traveler(services)
    booked = await book(services, ada, launch, adults(2))
    gateway = SimulatedGateway()
    canceled = await cancel(services, ada, booked.booking.id, gateway=gateway, now=launch.launch_at - before)
    assert canceled.booking.status == "canceled"
    assert canceled.booking.seats_released is (ratio is not None)
    assert await seats_sold(services, launch) == sold_after
    if ratio is None:  # less than 90 days: no refund, the seats stay sold
        assert canceled.refund is None and not gateway.refunds
        assert await event_types(services) == ["booking_confirmed", "booking_canceled"]
        return
    assert (canceled.refund.ratio, canceled.refund.amount) == (Decimal(ratio), Decimal(refunded))
    assert [(r.amount, r.reference) for r in gateway.refunds] == [(Decimal(refunded), f"refund-{booked.booking.id}")]
    assert await event_types(services) == ["booking_confirmed", "refund_issued", "booking_canceled"]


async def test_only_the_owner_cancels_and_only_once(services):
    launch = await make_launch(services)
    ada, bob = await make_traveler(services), await make_traveler(services)
    booked = await book(services, ada, launch, adults(1))
    with pytest.raises(NotFound):
        await cancel(services, bob, booked.booking.id)
    with pytest.raises(NotFound):
        await cancel(services, ada, "no-such-booking")
    await cancel(services, ada, booked.booking.id)
    with pytest.raises(refusals.BookingAlreadyCanceled):
        await cancel(services, ada, booked.booking.id)


async def test_no_cancellation_from_the_launch_date_on(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    booked = await book(services, ada, launch, adults(1))
    with pytest.raises(refusals.CancellationClosed):
        await cancel(services, ada, booked.booking.id, now=launch.launch_at)
    async with services.db.unit_of_work() as uow:
        (await uow.session.get(Launch, launch.id)).status = "launched"  # type: ignore[union-attr]
        await uow.commit()
    with pytest.raises(refusals.CancellationClosed):
        await cancel(services, ada, booked.booking.id, now=launch.launch_at - timedelta(days=1))


async def test_refund_refused_by_the_gateway_changes_nothing(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    booked = await book(services, ada, launch, adults(2), payment_token="tok_refund_fails")
    with pytest.raises(PaymentFailed):
        await cancel(services, ada, booked.booking.id)
    async with services.db.unit_of_work() as uow:
        status = (await uow.session.execute(select(Booking.status))).scalar_one()
        refunds = (await uow.session.execute(select(Refund.id))).all()
    assert (status, refunds, await seats_sold(services, launch)) == ("confirmed", [], 2)


async def test_aborted_launch_cancels_every_confirmed_booking_with_a_full_refund(services):
    launch = await make_launch(services, price="800.00", launch_at=utcnow() + timedelta(days=30))
    travelers = [await make_traveler(services) for _ in range(3)]
    bookings = [await book(services, who, launch, adults(2)) for who in travelers]
    await cancel(services, travelers[0], bookings[0].booking.id)  # < 90 days: no refund, seats stay sold
    gateway = SimulatedGateway()
    async with services.db.unit_of_work() as uow:
        row = await uow.session.get(Launch, launch.id)
        assert row is not None
        count = await cancel_launch_bookings(uow, launch=row, gateway=gateway, origin=ORIGIN)
        assert row.seats_sold == 2  # the caller's object shows the released seats
        await uow.commit()
    assert count == 2
    assert sorted(r.reference for r in gateway.refunds) == sorted(f"refund-{b.booking.id}" for b in bookings[1:])
    assert all(r.amount == Decimal("1600.00") for r in gateway.refunds)
    async with services.db.unit_of_work() as uow:
        rows = (await uow.session.execute(select(Booking.status, Booking.seats_released))).all()
        ratios = (await uow.session.execute(select(Refund.ratio))).scalars().all()
    assert sorted(tuple(r) for r in rows) == [("canceled", False), ("canceled", True), ("canceled", True)]
    assert ratios == [Decimal("1.00"), Decimal("1.00")]
    assert await seats_sold(services, launch) == 2


async def test_a_retried_refund_is_not_paid_twice():
    gateway = SimulatedGateway()
    charge = await gateway.charge(token="tok_success", amount=Decimal("10.00"), reference="b1")
    first = await gateway.refund(charge_id=charge, amount=Decimal("9.00"), reference="refund-b1")
    assert await gateway.refund(charge_id=charge, amount=Decimal("9.00"), reference="refund-b1") == first
    assert len(gateway.refunds) == 1
