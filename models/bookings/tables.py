"""Bookings with their passengers, payments and refunds, and the seat holds a booking starts as."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Numeric, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, money_field, time_field


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELED = "canceled"


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


class HoldState(StrEnum):
    HELD = "held"  # seats reserved, the gateway not yet known to have charged
    CHARGED = "charged"  # the charge id is recorded: confirmed into a booking, or refunded by the sweeper
    REFUNDING = "refunding"  # claimed for a refund: it can no longer be confirmed


class SeatHold(SQLModel, table=True):
    """Seats reserved (counted in the launch's seats_sold) while the payment gateway is called, outside any
    transaction. Confirming turns it into a booking and deletes it; releasing gives the seats back."""

    __tablename__ = "seat_holds"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seat_hold_seats_positive"),
        CheckConstraint("state IN ('held', 'charged', 'refunding')", name="seat_hold_state_known"),
        CheckConstraint("(state = 'held') = (charge_id IS NULL)", name="seat_hold_charge_recorded"),
        UniqueConstraint("traveler_id", "idempotency_key", name="seat_hold_idempotency_per_traveler"),
        Index("seat_holds_traveler_launch", "traveler_id", "launch_id"),
        Index("seat_holds_expiry", "expires_at"),
    )

    id: str = id_field()  # also the id of the booking it becomes, and the gateway reference of its charge
    launch_id: str = Field(foreign_key="launches.id", max_length=36)
    traveler_id: str = Field(foreign_key="travelers.id", max_length=36)
    seats: int
    price_per_seat: Decimal = money_field()
    amount: Decimal = money_field()
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    passengers: list[dict[str, str]] = Field(sa_column=Column(JSONB, nullable=False))
    state: str = Field(default=HoldState.HELD, max_length=20)
    charge_id: str | None = Field(default=None, max_length=100)
    expires_at: datetime = time_field()
    created_at: datetime = created_field()
