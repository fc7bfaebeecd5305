"""Booking seats: never oversold, never charged twice, nothing accepted lost, no charge kept without a booking.

No lock is held while the payment gateway is called, so bookings of one popular launch do not queue behind
each other's card payments:

1. Hold (one call, models/bookings/holds.py): lock the traveler's row (serializes one traveler's bookings,
   so the seat limit and the idempotency key cannot be raced), answer a key already used, check the seat
   limit (bookings and holds count), reserve the seats with one conditional UPDATE (backed by the
   `launch_never_oversold` CHECK) and insert the hold with its expiry. Committed at once.
2. Charge, with no transaction open. Declined or failed: release the hold; nothing stays reserved.
3. Record the charge id on the hold, then confirm: one statement deletes the hold and writes the booking,
   passengers, payment and outbox event. If the confirmation is lost, the request refunds (and releases)
   the hold itself, or the expiry sweeper does (resolvers/bookings/release_expired_holds.py).

The same idempotency key sent while its first request is still paying waits for that request's outcome
instead of charging again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models.base import has_control, utcnow
from models.bookings import errors as refusals
from models.bookings import holds, rules
from models.bookings.gateway import PaymentDeclined, PaymentFailed, PaymentGateway
from models.bookings.holds import PlacedHold
from models.bookings.rules import PassengerData
from models.bookings.tables import Booking, HoldState
from models.errors import NotFound, ValidationFailed
from models.launches import catalogue_cache
from models.launches.tables import Launch
from models.store.db import Database
from resolvers.accounts.users import confirmed_email
from resolvers.request import RequestBundle

log = logging.getLogger("astro.bookings")
MAX_KEY, MAX_NAME = 200, 200
PENDING_WAIT_SECONDS, PENDING_POLL_SECONDS = 10.0, 0.01


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
    now = now or utcnow()
    fingerprint = rules.request_fingerprint(launch_id, passengers)
    placed = await _hold(call, launch_id, passengers, idempotency_key, fingerprint, now)
    if placed.outcome == "booked":
        return await _replay(call.db, placed)
    hold_id = placed.found_id
    assert hold_id is not None and placed.launch_at is not None
    await catalogue_cache.invalidate(call.db.tags)  # the seats are taken now, whatever the card says
    booking = holds.booking_of(hold_id, placed, launch_id, len(passengers), idempotency_key, now)
    try:
        _check_ages(passengers, placed.launch_at)
        charge_id = await call.payments.charge(token=payment_token, amount=booking.amount, reference=hold_id)
    except (refusals.PassengerAgeOutOfRange, PaymentDeclined, PaymentFailed):
        await _release(call.db, hold_id)  # refused, or the gateway says nothing was charged
        raise
    # Anything else (the request cancelled mid-call): whether money moved is unknown, so the hold stays
    # until it expires; then the sweeper looks the charge up by its reference (the hold id).
    await _confirm(call, booking, placed, charge_id, now)
    return BookingConfirmed(booking)


def _check_request(passengers: list[PassengerData], idempotency_key: str | None) -> None:
    if not 1 <= len(passengers) <= rules.VIP_SEAT_LIMIT:
        raise ValidationFailed(f"Book 1 to {rules.VIP_SEAT_LIMIT} passengers (one per seat)", field="passengers")
    if any(not 1 <= len(p.name.strip()) <= MAX_NAME or has_control(p.name) for p in passengers):
        message = f"Every passenger needs a name of 1 to {MAX_NAME} characters, without control characters"
        raise ValidationFailed(message, field="passengers")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY:
        raise ValidationFailed(f"idempotencyKey must be 1 to {MAX_KEY} characters", field="idempotencyKey")


async def _hold(
    call: RequestBundle,
    launch_id: str,
    passengers: list[PassengerData],
    key: str | None,
    fingerprint: str,
    now: datetime,
) -> PlacedHold:
    """Place the hold, or find the key's booking; while the key's first request is paying, wait for it."""
    deadline = time.monotonic() + PENDING_WAIT_SECONDS
    while True:
        placed = await holds.place_hold(
            call.db,
            user_id=call.caller.id,
            launch_id=launch_id,
            passengers=passengers,
            idempotency_key=key,
            fingerprint=fingerprint,
            now=now,
        )
        if placed.outcome in ("booked", "pending") and placed.found_fingerprint != fingerprint:
            raise refusals.IdempotencyKeyReused()
        if placed.outcome != "pending":
            break
        if time.monotonic() > deadline:
            raise PaymentFailed("a request with this idempotency key is still being paid; retry it later")
        await asyncio.sleep(PENDING_POLL_SECONDS)  # the first request's charge is in flight: nothing to lock on
    if placed.outcome in ("held", "booked"):
        return placed
    raise await _refusal(call.db, placed, launch_id, len(passengers), now)


async def _refusal(
    db: Database, placed: PlacedHold, launch_id: str, seats: int, now: datetime
) -> refusals.BookingRefused | NotFound:
    if placed.outcome == "no_traveler":
        return refusals.TravelerProfileRequired()
    async with db.read() as session:
        launch = await session.get(Launch, launch_id)
    if launch is None:
        return NotFound("No such launch", field="launchId")
    if not launch.is_bookable(now) or (
        placed.outcome == "unavailable" and not placed.vip and not launch.is_public(now)
    ):
        return refusals.LaunchNotBookable(launch.status, launch.launch_at)  # VIP early access: VIPs only
    if placed.outcome == "limit":
        return refusals.SeatLimitExceeded(rules.seat_limit(placed.vip), placed.held, seats, placed.vip)
    return refusals.NotEnoughSeats(seats, launch.seats_available)


async def _replay(db: Database, placed: PlacedHold) -> BookingConfirmed:
    assert placed.found_id is not None
    booking = await holds.load_booking(db, placed.found_id)
    assert booking is not None  # bookings are never deleted
    return BookingConfirmed(booking, replayed=True)


def _check_ages(passengers: list[PassengerData], launch_at: datetime) -> None:
    for index, passenger in enumerate(passengers):
        age = rules.age_on(passenger.birth_date, launch_at.date())
        if not rules.age_allowed(age):
            raise refusals.PassengerAgeOutOfRange(index, passenger, age)


async def _release(db: Database, hold_id: str) -> None:
    """Give the seats back after a refusal or a declined card. Shielded: a cancelled request still releases;
    if this fails, the expiry sweeper releases the hold later."""
    try:
        if await asyncio.shield(holds.release_hold(db, hold_id)):
            await catalogue_cache.invalidate(db.tags)
    except Exception:
        log.exception("could not release hold %s; the expiry sweeper will", hold_id)


async def _confirm(call: RequestBundle, booking: Booking, placed: PlacedHold, charge_id: str, now: datetime) -> None:
    """The money moved: the hold becomes the booking, or the money goes back. Never both, never neither."""
    db, gateway = call.db, call.payments
    try:
        recorded = await asyncio.shield(holds.record_charge(db, booking.id, charge_id))
    except BaseException:
        if await _refund_unrecorded(gateway, booking, charge_id):
            await _release(db, booking.id)
        raise
    if not recorded:  # the hold expired and the sweeper gave its seats away: this charge has nothing to buy
        await _refund_unrecorded(gateway, booking, charge_id)
        raise PaymentFailed("the seats' hold expired before the payment completed; nothing was charged")
    try:
        confirmed = await asyncio.shield(
            holds.confirm_hold(
                db,
                hold_id=booking.id,
                charge_id=charge_id,
                origin=call.origin,
                payload=_event(booking, placed),
                now=now,
            )
        )
    except BaseException:
        log.exception("booking %s: confirmation after charge %s lost; refunding", booking.id, charge_id)
        await _settle_lost_confirmation(db, gateway, booking.id)
        raise
    if not confirmed:  # the launch stopped selling seats meanwhile, or the sweeper claimed the hold first
        await _settle_lost_confirmation(db, gateway, booking.id)
        raise PaymentFailed("the seats could not be confirmed after the payment; the charge is refunded")
    await db.notify_outbox()  # wake the relay for the booking's event (after its commit, never inside it)


async def _refund_unrecorded(gateway: PaymentGateway, booking: Booking, charge_id: str) -> bool:
    """The charge id never reached the hold: refund it from here. If that fails too, the hold stays held
    and the sweeper finds the charge by its reference (the hold id) when the hold expires."""
    refund = gateway.refund(charge_id=charge_id, amount=booking.amount, reference=void_reference(booking.id))
    try:
        await asyncio.shield(refund)
    except Exception:
        log.exception(
            "booking %s: refund of unrecorded charge %s failed; the sweeper looks it up", booking.id, charge_id
        )
        return False
    return True


async def _settle_lost_confirmation(db: Database, gateway: PaymentGateway, hold_id: str) -> None:
    """The confirmation may or may not have committed: if the hold is still there, refund and release it;
    if it is gone, the booking exists and nothing is to be done. Failures are left to the sweeper."""
    try:
        await asyncio.shield(refund_charged_hold(db, gateway, hold_id))
    except Exception:
        log.exception("booking %s: settling the lost confirmation failed; the sweeper will", hold_id)


async def refund_charged_hold(db: Database, gateway: PaymentGateway, hold_id: str) -> bool:
    """Claim a charged hold (it can no longer be confirmed), refund its charge, release its seats.
    Idempotent: the refund's reference is fixed per hold, so a retry never pays twice. False: no such hold."""
    claimed = await holds.claim_for_refund(db, hold_id)
    if claimed is None:
        return False
    charge_id, amount = claimed
    assert charge_id is not None
    await gateway.refund(charge_id=charge_id, amount=amount, reference=void_reference(hold_id))
    if await holds.release_hold(db, hold_id, state=HoldState.REFUNDING):
        await catalogue_cache.invalidate(db.tags)
    return True


def void_reference(hold_id: str) -> str:
    return f"void-{hold_id}"


def _event(booking: Booking, placed: PlacedHold) -> dict[str, Any]:
    return {
        "booking_id": booking.id,
        "launch_id": booking.launch_id,
        "agency_id": placed.agency_id,
        "traveler_id": booking.traveler_id,
        "seats": booking.seats,
        "amount": str(booking.amount),
    }
