"""Bookings with their passengers, payments and refunds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Numeric, UniqueConstraint
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
