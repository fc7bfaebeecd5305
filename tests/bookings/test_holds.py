"""Seat holds: the seats are held while the gateway is called, and every way a booking can stop half-way
ends with the money refunded or the booking made, never both and never neither."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from models.base import utcnow
from models.bookings import holds
from models.bookings.gateway import PaymentDeclined, PaymentFailed, SimulatedGateway
from models.bookings.rules import request_fingerprint
from models.bookings.tables import Booking, SeatHold
from models.launches.tables import Launch
from resolvers.bookings import book_seats as use_case
from resolvers.bookings.release_expired_holds import release_expired_holds
from tests.support.bookings import book
from tests.support.builders import adults, make_launch, make_traveler
from tests.support.sql import sql_statements

LATER = holds.HOLD_TTL + timedelta(minutes=1)


class Sweep:
    """What the worker passes the sweeper: the database and the gateway the bookings were charged on."""

    def __init__(self, services: Any, gateway: SimulatedGateway) -> None:
        self.db, self.payments = services.db, gateway


async def ledger(services: Any, launch: Launch) -> tuple[int, int, int]:
    """(seats sold, seats of the launch's bookings, seats of the launch's holds)."""
    async with services.db.read() as s:
        sold = (await s.execute(select(Launch.seats_sold).where(Launch.id == launch.id))).scalar_one()
        booked = select(func.coalesce(func.sum(Booking.seats), 0)).where(Booking.launch_id == launch.id)
        held = select(func.coalesce(func.sum(SeatHold.seats), 0)).where(SeatHold.launch_id == launch.id)
        return sold, (await s.execute(booked)).scalar_one(), (await s.execute(held)).scalar_one()


async def place(services: Any, who: Any, launch: Launch, seats: int, key: str | None = None) -> holds.PlacedHold:
    """A hold whose request then died: placed and never charged nor released."""
    passengers = adults(seats)
    return await holds.place_hold(
        services.db,
        user_id=who.principal.id,
        launch_id=launch.id,
        passengers=passengers,
        idempotency_key=key,
        fingerprint=request_fingerprint(launch.id, passengers),
        now=utcnow(),
    )


async def test_a_hold_counts_as_sold_until_it_expires_then_the_sweeper_releases_it(services):
    launch = await make_launch(services, capacity=10, seats_sold=6)
    ada = await make_traveler(services)
    placed = await place(services, ada, launch, 3)
    assert placed.outcome == "held"
    assert await ledger(services, launch) == (9, 0, 3)
    sweep = Sweep(services, SimulatedGateway())
    assert await release_expired_holds(sweep, now=utcnow()) == 0  # not expired yet: kept
    assert await ledger(services, launch) == (9, 0, 3)
    assert await release_expired_holds(sweep, now=utcnow() + LATER) >= 1
    assert await ledger(services, launch) == (6, 0, 0)
    assert not sweep.payments.refunds  # nothing was charged, nothing to refund


async def test_held_seats_count_toward_the_seat_limit(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    await place(services, ada, launch, 3)
    with pytest.raises(use_case.refusals.SeatLimitExceeded):
        await book(services, ada, launch, adults(2))


@pytest.mark.parametrize(("token", "error"), [("tok_declined", PaymentDeclined), ("tok_timeout", PaymentFailed)])
async def test_a_declined_or_failed_payment_leaves_no_hold_behind(services, token, error):
    launch = await make_launch(services, seats_sold=4)
    with pytest.raises(error):
        await book(services, await make_traveler(services), launch, adults(2), payment_token=token, idempotency_key="k")
    assert await ledger(services, launch) == (4, 0, 0)


async def test_the_same_key_while_its_hold_is_pending_never_charges_twice(services, monkeypatch):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    await place(services, ada, launch, 2, key="in-flight")
    monkeypatch.setattr(use_case, "PENDING_WAIT_SECONDS", 0.05)
    gateway = SimulatedGateway()
    with pytest.raises(PaymentFailed, match="still being paid"):
        await book(services, ada, launch, adults(2), idempotency_key="in-flight", gateway=gateway)
    assert not gateway.charges
    with pytest.raises(use_case.refusals.IdempotencyKeyReused):  # a different request under a pending key
        await book(services, ada, launch, adults(1), idempotency_key="in-flight", gateway=gateway)


def _fails(real: Any, *, after: bool, error: type[BaseException] = ConnectionError) -> Any:
    """A statement that is lost: before it reaches PostgreSQL, or after it committed (the answer is lost)."""

    async def lost(*args: Any, **kwargs: Any) -> Any:
        if after:
            await real(*args, **kwargs)
        raise error("connection lost")

    return lost


async def _no_recovery(*args: Any, **kwargs: Any) -> bool:
    return False  # the process died before it could settle anything itself: only the sweeper is left


FAULTS = {
    "recording the charge, lost before": {"record_charge": False},
    "recording the charge, lost after commit": {"record_charge": True},
    "confirming, lost before": {"confirm_hold": False},
    "confirming, lost after commit": {"confirm_hold": True},
    "process dies before recording the charge": {"record_charge": False, "die": True},
    "process dies before confirming": {"confirm_hold": False, "die": True},
}


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_a_lost_confirmation_ends_in_a_refund_or_a_booking_never_both_never_neither(services, monkeypatch, fault):
    launch = await make_launch(services, capacity=10, seats_sold=2)
    ada = await make_traveler(services)
    gateway = SimulatedGateway()
    spec = dict(FAULTS[fault])
    dies = spec.pop("die", False)
    for step, after in spec.items():
        error = asyncio.CancelledError if dies else ConnectionError
        monkeypatch.setattr(holds, step, _fails(getattr(holds, step), after=after, error=error))
    if dies:
        monkeypatch.setattr(use_case, "_refund_unrecorded", _no_recovery)
        monkeypatch.setattr(use_case, "_settle_lost_confirmation", _no_recovery)
    with pytest.raises((ConnectionError, asyncio.CancelledError)):
        await book(services, ada, launch, adults(2), gateway=gateway)
    monkeypatch.undo()
    await release_expired_holds(Sweep(services, gateway), now=utcnow() + LATER)

    (charge,) = gateway.charges
    refunded = [r for r in gateway.refunds if r.charge_id == charge.id]
    sold, booked, held = await ledger(services, launch)
    assert held == 0
    assert (booked, len(refunded)) in {(2, 0), (0, 1)}, (booked, refunded)
    assert sold == 2 + booked
    if "after commit" in fault and "confirming" in fault:
        assert booked == 2  # the booking committed: the answer was lost, not the booking


async def test_a_booking_is_three_statements_with_no_transaction_open_across_the_charge(services):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    await book(services, ada, launch, adults(1), idempotency_key="warm-up")  # statements prepared once
    with sql_statements(services) as seen:
        await book(services, ada, launch, adults(2), idempotency_key="counted")
    writes = [statement for statement in seen if not statement.startswith("NOTIFY")]  # then the relay's wake-up
    assert len(writes) == 3, seen  # hold, record the charge id, confirm; each its own atomic round trip
    assert not any("BEGIN" in statement.upper()[:10] for statement in seen)


class DiesAfterCharging(SimulatedGateway):
    """The charge goes through at the gateway, but the request is cancelled before hearing back."""

    async def charge(self, *, token: str, amount: Any, reference: str) -> str:
        await super().charge(token=token, amount=amount, reference=reference)
        raise asyncio.CancelledError


async def test_a_request_cancelled_during_the_charge_keeps_its_hold_until_the_sweeper_refunds(services):
    launch = await make_launch(services, capacity=10, seats_sold=2)
    gateway = DiesAfterCharging()
    with pytest.raises(asyncio.CancelledError):
        await book(services, await make_traveler(services), launch, adults(2), gateway=gateway)
    assert await ledger(services, launch) == (4, 0, 2)  # unknown outcome: the seats stay held
    await release_expired_holds(Sweep(services, gateway), now=utcnow() + LATER)
    (charge,) = gateway.charges
    assert [r.charge_id for r in gateway.refunds] == [charge.id]
    assert await ledger(services, launch) == (2, 0, 0)


class LaunchAbortedWhilePaying(SimulatedGateway):
    """The agency aborts the launch while the traveler's card is being charged."""

    def __init__(self, services: Any, launch_id: str) -> None:
        super().__init__()
        self.services, self.launch_id = services, launch_id

    async def charge(self, *, token: str, amount: Any, reference: str) -> str:
        charge_id = await super().charge(token=token, amount=amount, reference=reference)
        async with self.services.db.statement() as session:
            await session.execute(update(Launch).where(Launch.id == self.launch_id).values(status="aborted"))
        return charge_id


async def test_a_launch_aborted_during_the_charge_refunds_it_and_books_nothing(services):
    launch = await make_launch(services, capacity=10, seats_sold=2)
    gateway = LaunchAbortedWhilePaying(services, launch.id)
    with pytest.raises(PaymentFailed, match="refunded"):
        await book(services, await make_traveler(services), launch, adults(2), gateway=gateway)
    (charge,) = gateway.charges
    assert [r.charge_id for r in gateway.refunds] == [charge.id]
    assert await ledger(services, launch) == (2, 0, 0)
