"""Travelers, bookings with their passengers, payments and refunds; the booking rules as pure functions
(refund ratio, VIP status, passenger ages, seat limits) and the refusals named after their condition."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import orjson
from sqlalchemy import CheckConstraint, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, money, money_field, time_field
from models.errors import DomainError


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELED = "canceled"


class Traveler(SQLModel, table=True):
    __tablename__ = "travelers"

    id: str = id_field()
    user_id: str = Field(max_length=36, unique=True, index=True)
    name: str = Field(max_length=200)
    contact_email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(default=None, max_length=20)
    tax_id: str | None = Field(default=None, max_length=40)
    travel_preferences: str | None = None
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Booking(SQLModel, table=True):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="booking_seats_positive"),
        CheckConstraint("status IN ('confirmed', 'canceled')", name="booking_status_known"),
        UniqueConstraint("traveler_id", "idempotency_key", name="booking_idempotency_per_traveler"),
        Index("bookings_launch_status", "launch_id", "status"),
        Index("bookings_traveler_launch", "traveler_id", "launch_id"),
    )

    id: str = id_field()
    launch_id: str = Field(foreign_key="launches.id", max_length=36)
    traveler_id: str = Field(foreign_key="travelers.id", max_length=36)
    seats: int
    price_per_seat: Decimal = money_field()
    amount: Decimal = money_field()
    status: str = Field(default=BookingStatus.CONFIRMED, max_length=20)
    seats_released: bool = False
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()
    canceled_at: datetime | None = time_field(default=None, nullable=True)


class Passenger(SQLModel, table=True):
    __tablename__ = "passengers"

    id: str = id_field()
    booking_id: str = Field(foreign_key="bookings.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    birth_date: date


class Payment(SQLModel, table=True):
    __tablename__ = "payments"

    id: str = id_field()
    booking_id: str = Field(foreign_key="bookings.id", index=True, max_length=36)
    amount: Decimal = money_field()
    gateway_reference: str = Field(max_length=100)
    created_at: datetime = created_field()


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"

    id: str = id_field()
    booking_id: str = Field(foreign_key="bookings.id", index=True, max_length=36)
    payment_id: str = Field(foreign_key="payments.id", max_length=36)
    amount: Decimal = money_field()
    ratio: Decimal = Field(sa_type=Numeric(4, 2))  # type: ignore[call-overload]
    gateway_reference: str = Field(max_length=100)
    created_at: datetime = created_field()


# --- Rules -----------------------------------------------------------------------------------------------

MIN_AGE, MAX_AGE = 18, 70
SEAT_LIMIT, VIP_SEAT_LIMIT = 4, 6
VIP_MIN_LAUNCHES = 2
FULL_REFUND, NO_REFUND = Decimal("1.00"), Decimal("0.00")
# Time left until the launch -> share of the amount paid that is refunded (first match wins).
REFUND_TIERS = ((timedelta(days=365), Decimal("0.90")), (timedelta(days=90), Decimal("0.70")))


@dataclass(frozen=True)
class PassengerData:
    name: str
    birth_date: date


def refund_ratio(launch_at: datetime, now: datetime) -> Decimal:
    """90 % with 365 days or more left, 70 % with 90 days or more, nothing below."""
    left = launch_at - now
    return next((ratio for threshold, ratio in REFUND_TIERS if left >= threshold), NO_REFUND)


def refund_amount(amount: Decimal, ratio: Decimal) -> Decimal:
    return money(amount * ratio)


def booking_amount(price_per_seat: Decimal, seats: int) -> Decimal:
    return money(price_per_seat * seats)


def is_vip(distinct_confirmed_launches: int) -> bool:
    """VIP: confirmed (not canceled) bookings on at least two distinct launches, finished ones included."""
    return distinct_confirmed_launches >= VIP_MIN_LAUNCHES


def seat_limit(vip: bool) -> int:
    return VIP_SEAT_LIMIT if vip else SEAT_LIMIT


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (someone born on 29 February gets a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_allowed(age: int) -> bool:
    return MIN_AGE <= age <= MAX_AGE


def request_fingerprint(launch_id: str, passengers: list[PassengerData]) -> str:
    """What an idempotency key promises not to change: the launch and the passengers, in order.
    The payment token is left out on purpose: processors issue single-use tokens, so a retry of the
    same booking may carry a fresh token for the same card."""
    canonical = [launch_id, [[p.name, p.birth_date.isoformat()] for p in passengers]]
    return hashlib.sha256(orjson.dumps(canonical)).hexdigest()


# --- Refusals (turned into result-union members by the GraphQL edge) ---------------------------------------


class BookingRefused(DomainError):
    code = "BOOKING_REFUSED"


class EmailNotConfirmed(BookingRefused):
    def __init__(self) -> None:
        super().__init__("Confirm your email address before booking")


class TravelerProfileRequired(BookingRefused):
    def __init__(self) -> None:
        super().__init__("Create your traveler profile before booking")


class LaunchNotBookable(BookingRefused):
    def __init__(self, status: str, launch_at: datetime) -> None:
        super().__init__(f"The launch is not bookable (status {status}, date {launch_at.isoformat()})")
        self.status, self.launch_at = status, launch_at


class NotEnoughSeats(BookingRefused):
    def __init__(self, requested: int, available: int) -> None:
        super().__init__(f"Only {available} seats left; {requested} requested")
        self.requested, self.available = requested, available


class SeatLimitExceeded(BookingRefused):
    def __init__(self, limit: int, already_booked: int, requested: int, vip: bool) -> None:
        super().__init__(f"At most {limit} seats per traveler on a launch; you hold {already_booked}")
        self.limit, self.already_booked, self.requested, self.vip = limit, already_booked, requested, vip


class PassengerAgeOutOfRange(BookingRefused):
    def __init__(self, index: int, passenger: PassengerData, age: int) -> None:
        super().__init__(f"{passenger.name} would be {age} on the launch date; passengers must be 18 to 70")
        self.index, self.passenger, self.age = index, passenger, age


class IdempotencyKeyReused(BookingRefused):
    def __init__(self) -> None:
        super().__init__("This idempotency key was already used for a different booking request")


class BookingAlreadyCanceled(BookingRefused):
    def __init__(self) -> None:
        super().__init__("The booking is already canceled")


class CancellationClosed(BookingRefused):
    def __init__(self, status: str, launch_at: datetime) -> None:
        super().__init__(f"Bookings can only be canceled before the launch (status {status})")
        self.status, self.launch_at = status, launch_at
