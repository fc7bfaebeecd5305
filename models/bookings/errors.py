"""Booking refusals, named after their condition (the GraphQL edge turns them into result-union members)."""

from __future__ import annotations

from datetime import datetime

from models.bookings.rules import PassengerData
from models.errors import DomainError


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
