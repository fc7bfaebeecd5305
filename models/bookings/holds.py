"""Seat holds: the statements of a booking's life outside any long transaction.

A booking starts as a hold (seats counted in the launch's seats_sold, the passengers kept on the hold),
the payment gateway is called with no transaction open, the charge id is recorded on the hold, and one
statement turns the hold into the booking (booking, passengers, payment, outbox event). A hold that is
declined is released; one whose request died is released (and refunded, if charged) by the expiry sweeper.
Every statement here is atomic on its own and runs outside an explicit transaction: one round trip each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlmodel import col

from models.bookings import rules
from models.bookings.rules import PassengerData
from models.bookings.tables import Booking, BookingStatus, HoldState, SeatHold
from models.ids import new_id
from models.launches.catalogue import BOOKABLE_STATUSES
from models.store.db import Database
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin

# Long enough for any gateway call to end (it times out well before); a request that died meanwhile
# keeps its seats that long at most.
HOLD_TTL = timedelta(minutes=5)

# The hot path's statements go to the driver directly (Database.fetch_row): numbered parameters.
_PLACE = (
    "SELECT * FROM astro_hold_seats($1::text, $2::text, $3::text, $4::int, $5::text, $6::text, $7::jsonb, "
    "$8::timestamptz, $9::timestamptz, $10::text[], $11::int, $12::int, $13::int)"
)

_RECORD_CHARGE = "UPDATE seat_holds SET state = 'charged', charge_id = $2 WHERE id = $1 AND state = 'held' RETURNING id"

# One statement, so the booking exists exactly when the hold is gone: never a charged hold and a booking.
# It only confirms while the launch still sells seats, and share-locks the launch row for that: a launch
# being aborted (row locked by the move) is waited for and then refuses the hold (which is refunded), and
# a move that comes after sees the booking and cancels it like every other.
_CONFIRM = """
WITH launch AS (
    SELECT launches.id FROM launches JOIN seat_holds ON seat_holds.launch_id = launches.id
    WHERE seat_holds.id = $1 AND launches.status = ANY ($3::text[])
    FOR SHARE OF launches
), hold AS (
    DELETE FROM seat_holds WHERE id = $1 AND state = 'charged' AND charge_id = $2
      AND launch_id IN (SELECT id FROM launch)
    RETURNING *
), booking AS (
    INSERT INTO bookings (id, launch_id, traveler_id, seats, price_per_seat, amount, status, seats_released,
                          idempotency_key, request_fingerprint, created_at)
    SELECT id, launch_id, traveler_id, seats, price_per_seat, amount, 'confirmed', false,
           idempotency_key, request_fingerprint, $4::timestamptz FROM hold
    RETURNING id
), passengers AS (
    INSERT INTO passengers (id, booking_id, name, birth_date)
    SELECT p.id, booking.id, p.name, p.birth_date
      FROM booking, hold, jsonb_to_recordset(hold.passengers) AS p(id varchar, name varchar, birth_date date)
), payment AS (
    INSERT INTO payments (id, booking_id, amount, gateway_reference, created_at)
    SELECT $5, booking.id, hold.amount, hold.charge_id, $4::timestamptz FROM booking, hold
), event AS (
    INSERT INTO outbox_events (id, event_type, aggregate_type, aggregate_id, payload, origin_operation,
                               origin_user, origin_request_id, created_at)
    SELECT $6, $7, $8, booking.id, $9::jsonb, $10, $11,
           $12, now() FROM booking  -- when it was recorded (the commit), not when the request began
)
SELECT id FROM booking
"""

# Releasing deletes the hold and gives its seats back in one statement; `state` says which holds may go.
_RELEASE = text("""
WITH hold AS (DELETE FROM seat_holds WHERE id = :hold_id AND state = :state RETURNING launch_id, seats)
UPDATE launches SET seats_sold = launches.seats_sold - hold.seats FROM hold WHERE launches.id = hold.launch_id
RETURNING launches.id
""")

_CLAIM_FOR_REFUND = text(
    "UPDATE seat_holds SET state = 'refunding' WHERE id = :hold_id AND state IN ('charged', 'refunding') "
    "RETURNING charge_id, amount"
)


@dataclass(frozen=True)
class PlacedHold:
    """What placing a hold found: `outcome` is held, booked, pending, limit, unavailable or no_traveler."""

    outcome: str
    traveler_id: str | None
    found_id: str | None  # the hold placed, or the booking/hold the idempotency key already names
    found_fingerprint: str | None
    held: int  # the traveler's seats on the launch before this request (bookings and holds)
    vip: bool
    price_per_seat: Decimal | None
    launch_at: datetime | None
    agency_id: str | None


async def place_hold(
    db: Database,
    *,
    user_id: str,
    launch_id: str,
    passengers: list[PassengerData],
    idempotency_key: str | None,
    fingerprint: str,
    now: datetime,
) -> PlacedHold:
    stored = [{"id": new_id(), "name": p.name.strip(), "birth_date": p.birth_date.isoformat()} for p in passengers]
    row = await db.fetch_row(
        _PLACE,
        user_id,
        launch_id,
        new_id(),
        len(passengers),
        idempotency_key,
        fingerprint,
        orjson.dumps(stored).decode(),
        now,
        now + HOLD_TTL,
        list(BOOKABLE_STATUSES),
        rules.SEAT_LIMIT,
        rules.VIP_SEAT_LIMIT,
        rules.VIP_MIN_LAUNCHES,
    )
    return PlacedHold(
        outcome=row["o_outcome"],
        traveler_id=row["o_traveler_id"],
        found_id=row["o_found_id"],
        found_fingerprint=row["o_found_fingerprint"],
        held=int(row["o_held"] or 0),
        vip=bool(row["o_vip"]),
        price_per_seat=row["o_price"],
        launch_at=row["o_launch_at"],
        agency_id=row["o_agency_id"],
    )


async def record_charge(db: Database, hold_id: str, charge_id: str) -> bool:
    """False when the hold is no longer held (it expired and was released): the charge has no seats."""
    return await db.fetch_row(_RECORD_CHARGE, hold_id, charge_id) is not None


async def confirm_hold(
    db: Database, *, hold_id: str, charge_id: str, origin: Origin, payload: dict[str, Any], now: datetime
) -> bool:
    """Turn the charged hold into the booking; False when it was claimed for a refund meanwhile or its
    launch no longer sells seats (then the caller refunds it)."""
    row = await db.fetch_row(
        _CONFIRM,
        hold_id,
        charge_id,
        list(BOOKABLE_STATUSES),
        now,
        new_id(),
        new_id(),
        Event.BOOKING_CONFIRMED.value,
        Aggregate.BOOKING.value,
        orjson.dumps(payload).decode(),
        origin.operation,
        origin.actor,
        origin.request_id,
    )
    return row is not None


async def release_hold(db: Database, hold_id: str, *, state: HoldState = HoldState.HELD) -> bool:
    """Delete the hold and give its seats back; False when it was not in `state` (already gone or charged)."""
    async with db.statement() as session:
        return (await session.execute(_RELEASE, {"hold_id": hold_id, "state": state.value})).first() is not None


async def claim_for_refund(db: Database, hold_id: str) -> tuple[str, Decimal] | None:
    """Mark a charged hold as being refunded, so it can no longer be confirmed: (charge id, amount)."""
    async with db.statement() as session:
        row = (await session.execute(_CLAIM_FOR_REFUND, {"hold_id": hold_id})).first()
    return None if row is None else (row.charge_id, row.amount)


async def expired_holds(db: Database, now: datetime, limit: int = 100) -> list[SeatHold]:
    statement = select(SeatHold).where(col(SeatHold.expires_at) <= now).order_by(col(SeatHold.expires_at)).limit(limit)
    async with db.read() as session:
        return list((await session.execute(statement)).scalars())


async def load_booking(db: Database, booking_id: str) -> Booking | None:
    async with db.read() as session:
        return await session.get(Booking, booking_id)


def booking_of(hold_id: str, placed: PlacedHold, launch_id: str, seats: int, key: str | None, now: datetime) -> Booking:
    """The booking a confirmed hold became, built from what the request already knows (no read back)."""
    assert placed.price_per_seat is not None and placed.traveler_id is not None
    return Booking(
        id=hold_id,
        launch_id=launch_id,
        traveler_id=placed.traveler_id,
        seats=seats,
        price_per_seat=placed.price_per_seat,
        amount=rules.booking_amount(placed.price_per_seat, seats),
        status=BookingStatus.CONFIRMED,
        idempotency_key=key,
        request_fingerprint=placed.found_fingerprint,
        created_at=now,
    )
