"""Booking seats: never oversold, never charged twice, nothing accepted lost, nothing half-written kept.

Inside one transaction: lock the traveler's row (serializes one traveler's bookings, so the seat limit
and the idempotency key cannot be raced), check the rules, reserve the seats with one conditional UPDATE
(backed by the `launch_never_oversold` CHECK), insert the booking (its unique idempotency key is the
backstop), charge, record the payment and the outbox event, commit. A declined or failed charge rolls the
whole transaction back: nothing is reserved. Lock order everywhere: traveler, then launch, then bookings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update
from sqlmodel import col

from models.base import utcnow
from models.bookings import errors as refusals
from models.bookings import rules
from models.bookings.gateway import PaymentGateway
from models.bookings.rules import PassengerData
from models.bookings.tables import Booking, BookingStatus, Passenger, Payment
from models.errors import NotFound, ValidationFailed
from models.launches.catalogue import BOOKABLE_STATUSES
from models.launches.tables import Launch
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from models.travelers.tables import Traveler
from resolvers.accounts.users import confirmed_email
from resolvers.request import RequestBundle

log = logging.getLogger("astro.bookings")
MAX_KEY, MAX_NAME = 200, 200


@dataclass(frozen=True)
class BookingConfirmed:
    booking: Booking
    replayed: bool = False  # True: the idempotency key's first result, returned again


async def book_seats(
    call: RequestBundle,
    *,
    launch_id: str,
    passengers: list[PassengerData],
    payment_token: str,
    idempotency_key: str | None,
    now: datetime | None = None,
) -> BookingConfirmed:
    """Raises a models.bookings.errors.BookingRefused, PaymentDeclined/PaymentFailed, NotFound or ValidationFailed."""
    _check_request(passengers, idempotency_key)
    if not (await confirmed_email(call.caller)).email_confirmed:
        raise refusals.EmailNotConfirmed()
    async with call.unit_of_work() as uow:
        return await _book(uow, call, launch_id, passengers, payment_token, idempotency_key, now or utcnow())


async def _book(
    uow: SqlUnitOfWork,
    call: RequestBundle,
    launch_id: str,
    passengers: list[PassengerData],
    payment_token: str,
    idempotency_key: str | None,
    now: datetime,
) -> BookingConfirmed:
    gateway = call.payments
    traveler = await lock_traveler(uow, call.caller.id)
    fingerprint = rules.request_fingerprint(launch_id, passengers)
    if idempotency_key and (first := await _first_result(uow, traveler, idempotency_key, fingerprint)):
        return first
    launch = await _bookable_launch(uow, launch_id, now)
    vip = await _check_seat_limit(uow, traveler, launch, len(passengers))
    if not vip and not launch.is_public(now):  # VIP early access: only VIPs book inside the window
        raise refusals.LaunchNotBookable(launch.status, launch.launch_at)
    _check_ages(passengers, launch.launch_at)
    price, launch_at = await _reserve(uow, launch, len(passengers), now)
    if launch_at != launch.launch_at:  # the date moved while we were checking: ages are on the new date
        _check_ages(passengers, launch_at)
    booking = _add_booking(uow, traveler, launch, passengers, price, idempotency_key, fingerprint, now)
    await uow.session.flush()  # the idempotency key's unique index speaks before any money moves
    charge_id = await gateway.charge(token=payment_token, amount=booking.amount, reference=booking.id)
    uow.session.add(Payment(booking_id=booking.id, amount=booking.amount, gateway_reference=charge_id, created_at=now))
    record_event(
        uow.session, call.origin, Event.BOOKING_CONFIRMED, (Aggregate.BOOKING, booking.id), _event(booking, launch)
    )
    uow.invalidate_catalogue()
    await _commit_or_refund(uow, gateway, charge_id, booking)
    return BookingConfirmed(booking)


def _check_request(passengers: list[PassengerData], idempotency_key: str | None) -> None:
    if not 1 <= len(passengers) <= rules.VIP_SEAT_LIMIT:
        raise ValidationFailed(f"Book 1 to {rules.VIP_SEAT_LIMIT} passengers (one per seat)", field="passengers")
    if any(not 1 <= len(p.name.strip()) <= MAX_NAME for p in passengers):
        raise ValidationFailed(f"Every passenger needs a name of 1 to {MAX_NAME} characters", field="passengers")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY:
        raise ValidationFailed(f"idempotencyKey must be 1 to {MAX_KEY} characters", field="idempotencyKey")


async def lock_traveler(uow: SqlUnitOfWork, user_id: str) -> Traveler:
    statement = select(Traveler).where(col(Traveler.user_id) == user_id).with_for_update()
    traveler = (await uow.session.execute(statement)).scalar_one_or_none()
    if traveler is None:
        raise refusals.TravelerProfileRequired()
    return traveler


async def _first_result(uow: SqlUnitOfWork, traveler: Traveler, key: str, fingerprint: str) -> BookingConfirmed | None:
    statement = select(Booking).where(col(Booking.traveler_id) == traveler.id, col(Booking.idempotency_key) == key)
    booking = (await uow.session.execute(statement)).scalar_one_or_none()
    if booking is None:
        return None
    if booking.request_fingerprint != fingerprint:
        raise refusals.IdempotencyKeyReused()
    await uow.commit()  # nothing written; ends the transaction (releasing the lock) and keeps the booking loaded
    return BookingConfirmed(booking, replayed=True)


async def _bookable_launch(uow: SqlUnitOfWork, launch_id: str, now: datetime) -> Launch:
    launch = await uow.session.get(Launch, launch_id)
    if launch is None:
        raise NotFound("No such launch", field="launchId")
    if not launch.is_bookable(now):
        raise refusals.LaunchNotBookable(launch.status, launch.launch_at)
    return launch


async def _check_seat_limit(uow: SqlUnitOfWork, traveler: Traveler, launch: Launch, requested: int) -> bool:
    """The limit counts the traveler's active (confirmed) seats on this launch; VIPs get a higher one.
    Returns whether the traveler is a VIP."""
    confirmed = col(Booking.status) == BookingStatus.CONFIRMED
    on_launch = case((confirmed & (col(Booking.launch_id) == launch.id), col(Booking.seats)), else_=0)
    statement = select(
        func.count(func.distinct(col(Booking.launch_id))).filter(confirmed), func.coalesce(func.sum(on_launch), 0)
    ).where(col(Booking.traveler_id) == traveler.id)
    launches, held = (await uow.session.execute(statement)).one()
    vip = rules.is_vip(launches)
    limit = rules.seat_limit(vip)
    if held + requested > limit:
        raise refusals.SeatLimitExceeded(limit, held, requested, vip)
    return bool(vip)


def _check_ages(passengers: list[PassengerData], launch_at: datetime) -> None:
    for index, passenger in enumerate(passengers):
        age = rules.age_on(passenger.birth_date, launch_at.date())
        if not rules.age_allowed(age):
            raise refusals.PassengerAgeOutOfRange(index, passenger, age)


async def _reserve(uow: SqlUnitOfWork, launch: Launch, seats: int, now: datetime) -> tuple[Decimal, datetime]:
    """The one statement that sells seats: it only matches while they are there and the launch bookable."""
    statement = (
        update(Launch)
        .where(
            col(Launch.id) == launch.id,
            col(Launch.seats_sold) + seats <= col(Launch.capacity),
            col(Launch.status).in_(BOOKABLE_STATUSES),
            col(Launch.launch_at) > now,
        )
        .values(seats_sold=col(Launch.seats_sold) + seats)
        .returning(col(Launch.price_per_seat), col(Launch.launch_at))
        .execution_options(synchronize_session=False)
    )
    reserved = (await uow.session.execute(statement)).one_or_none()
    if reserved is None:
        raise await _why_not_reserved(uow, launch.id, seats, now)
    price, launch_at = reserved
    return price, launch_at


async def _why_not_reserved(uow: SqlUnitOfWork, launch_id: str, seats: int, now: datetime) -> refusals.BookingRefused:
    statement = select(Launch).where(col(Launch.id) == launch_id).execution_options(populate_existing=True)
    launch = (await uow.session.execute(statement)).scalar_one()
    if not launch.is_bookable(now):
        return refusals.LaunchNotBookable(launch.status, launch.launch_at)
    return refusals.NotEnoughSeats(seats, launch.seats_available)


def _add_booking(
    uow: SqlUnitOfWork,
    traveler: Traveler,
    launch: Launch,
    passengers: list[PassengerData],
    price: Decimal,
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> Booking:
    booking = Booking(
        launch_id=launch.id,
        traveler_id=traveler.id,
        seats=len(passengers),
        price_per_seat=price,
        amount=rules.booking_amount(price, len(passengers)),
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
        created_at=now,
    )
    uow.session.add(booking)
    uow.session.add_all(
        Passenger(booking_id=booking.id, name=p.name.strip(), birth_date=p.birth_date) for p in passengers
    )
    return booking


async def _commit_or_refund(uow: SqlUnitOfWork, gateway: PaymentGateway, charge_id: str, booking: Booking) -> None:
    """The money moved but the booking may still fail to commit: then give the money back."""
    try:
        await uow.commit()
    except Exception:
        log.exception("booking %s failed to commit after charge %s; refunding", booking.id, charge_id)
        await gateway.refund(charge_id=charge_id, amount=booking.amount, reference=f"void-{booking.id}")
        raise


def _event(booking: Booking, launch: Launch) -> dict[str, Any]:
    return {
        "booking_id": booking.id,
        "launch_id": launch.id,
        "agency_id": launch.agency_id,
        "traveler_id": booking.traveler_id,
        "seats": booking.seats,
        "amount": str(booking.amount),
    }
