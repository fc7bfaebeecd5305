"""Canceling bookings: by their traveler (refund by time left), or all of them when a launch is aborted.

The refund goes through the gateway inside the transaction; if the gateway refuses, nothing changes.
Refunds carry the reference `refund-<booking id>`, which a processor uses as its idempotency key, so a
retried cancellation never pays back twice. Lock order: launch, then its bookings (as in book_seats,
whose traveler lock comes before both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from auth.principal import Principal
from models.base import utcnow
from models.bookings import errors as refusals
from models.bookings import rules
from models.bookings.gateway import PaymentGateway
from models.bookings.tables import Booking, BookingStatus, Payment, Refund
from models.errors import NotFound
from models.launches.tables import Launch
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event
from models.travelers.tables import Traveler
from resolvers.request import RequestBundle


@dataclass(frozen=True)
class BookingCanceled:
    booking: Booking
    refund: Refund | None  # None: less than 90 days were left, the seats stay sold


async def cancel_booking(call: RequestBundle, *, booking_id: str, now: datetime | None = None) -> BookingCanceled:
    """The traveler cancels their booking before the launch. Raises NotFound (not theirs either),
    BookingAlreadyCanceled, CancellationClosed or PaymentFailed (the gateway refused the refund)."""
    async with call.unit_of_work() as uow:
        return await _cancel(uow, call, booking_id, now or utcnow())


async def _cancel(uow: SqlUnitOfWork, call: RequestBundle, booking_id: str, now: datetime) -> BookingCanceled:
    gateway, origin = call.payments, call.origin
    launch_id = await _own_booking_launch(uow, call.caller, booking_id)
    launch = await _locked(uow, Launch, col(Launch.id) == launch_id)
    booking = await _locked(uow, Booking, col(Booking.id) == booking_id)
    if booking.status == BookingStatus.CANCELED:
        raise refusals.BookingAlreadyCanceled()
    if launch.is_final or launch.launch_at <= now:
        raise refusals.CancellationClosed(launch.status, launch.launch_at)
    ratio = rules.refund_ratio(launch.launch_at, now)
    refund = None
    if ratio > 0:
        payment = await _locked(uow, Payment, col(Payment.booking_id) == booking.id)
        refund = await _refund(uow, booking, payment, ratio, gateway, origin, now)
        await _release(uow, launch, booking.seats)
    _mark_canceled(uow, booking, launch, refund, origin, now, reason="traveler_canceled")
    uow.invalidate_catalogue()
    await uow.commit()
    return BookingCanceled(booking, refund)


async def cancel_launch_bookings(
    uow: SqlUnitOfWork, *, launch: Launch, gateway: PaymentGateway, origin: Origin, now: datetime | None = None
) -> int:
    """An aborted launch: cancel every confirmed booking with a 100 % refund and release the seats, in
    the caller's transaction (never commits). Returns how many bookings were canceled. Bookings the
    travelers canceled earlier stay as they were."""
    now = now or utcnow()
    statement = (
        select(Booking, Payment)
        .join(Payment, col(Payment.booking_id) == col(Booking.id))
        .where(col(Booking.launch_id) == launch.id, col(Booking.status) == BookingStatus.CONFIRMED)
        .order_by(col(Booking.id))
        .with_for_update(of=Booking)  # type: ignore[arg-type]
    )
    pairs = (await uow.session.execute(statement)).all()
    for booking, payment in pairs:
        refund = await _refund(uow, booking, payment, rules.FULL_REFUND, gateway, origin, now)
        _mark_canceled(uow, booking, launch, refund, origin, now, reason="launch_aborted")
    if pairs:
        await _release(uow, launch, sum(booking.seats for booking, _ in pairs))
    return len(pairs)


async def _own_booking_launch(uow: SqlUnitOfWork, principal: Principal, booking_id: str) -> str:
    """Someone else's booking is reported exactly like a missing one: ids are not confirmed to strangers."""
    statement = (
        select(col(Booking.launch_id))
        .join(Traveler, col(Traveler.id) == col(Booking.traveler_id))
        .where(col(Booking.id) == booking_id, col(Traveler.user_id) == principal.id)
    )
    launch_id = (await uow.session.execute(statement)).scalar_one_or_none()
    if launch_id is None:
        raise NotFound("No such booking", field="bookingId")
    return launch_id


async def _locked(uow: SqlUnitOfWork, table: Any, condition: Any) -> Any:
    statement = select(table).where(condition).with_for_update().execution_options(populate_existing=True)
    return (await uow.session.execute(statement)).scalar_one()


async def _refund(
    uow: SqlUnitOfWork,
    booking: Booking,
    payment: Payment,
    ratio: Decimal,
    gateway: PaymentGateway,
    origin: Origin,
    now: datetime,
) -> Refund:
    amount = rules.refund_amount(payment.amount, ratio)
    reference = await gateway.refund(
        charge_id=payment.gateway_reference, amount=amount, reference=f"refund-{booking.id}"
    )
    refund = Refund(
        booking_id=booking.id, payment_id=payment.id, amount=amount, ratio=ratio, gateway_reference=reference
    )
    refund.created_at = now
    uow.session.add(refund)
    payload = {"refund_id": refund.id, "booking_id": booking.id, "amount": str(amount), "ratio": str(ratio)}
    record_event(uow.session, origin, Event.REFUND_ISSUED, (Aggregate.BOOKING, booking.id), payload)
    return refund


async def _release(uow: SqlUnitOfWork, launch: Launch, seats: int) -> None:
    """Refunded seats go back on sale (one statement, so concurrent bookings are never overwritten)."""
    statement = (
        update(Launch)
        .where(col(Launch.id) == launch.id)
        .values(seats_sold=col(Launch.seats_sold) - seats)
        .returning(col(Launch.seats_sold))
        .execution_options(synchronize_session=False)
    )
    seats_sold = (await uow.session.execute(statement)).scalar_one()
    set_committed_value(launch, "seats_sold", seats_sold)  # the caller's object shows the new count


def _mark_canceled(
    uow: SqlUnitOfWork,
    booking: Booking,
    launch: Launch,
    refund: Refund | None,
    origin: Origin,
    now: datetime,
    *,
    reason: str,
) -> None:
    booking.status, booking.canceled_at, booking.seats_released = BookingStatus.CANCELED, now, refund is not None
    payload = {
        "booking_id": booking.id,
        "launch_id": launch.id,
        "agency_id": launch.agency_id,
        "traveler_id": booking.traveler_id,
        "seats": booking.seats,
        "seats_released": booking.seats_released,
        "refund_amount": str(refund.amount if refund else rules.NO_REFUND),
        "reason": reason,
    }
    record_event(uow.session, origin, Event.BOOKING_CANCELED, (Aggregate.BOOKING, booking.id), payload)
