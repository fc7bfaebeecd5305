"""Result unions of bookSeats and cancelBooking: the outcome, or the refusal named after its condition."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry

from graph.bookings.types import Booking, Refund
from graph.edge.refusals import refusal_of
from graph.launches.types import LaunchStatus
from models.bookings import errors as refusals
from models.bookings import gateway as payments
from models.bookings import rules


@strawberry.interface(description="Why a booking or cancellation was refused. Nothing was charged or changed.")
class BookingRefusal:
    message: str = strawberry.field(description="Why, in words.")


@strawberry.type(description="The seats are booked and paid.")
class BookSeatsSuccess:
    booking: Booking = strawberry.field(description="The confirmed booking.")
    replayed: bool = strawberry.field(
        description="True when this is the first result of the idempotency key, returned again (nothing new "
        "was booked or charged)."
    )


@strawberry.type(description="The booking is canceled.")
class BookingCancellation:
    booking: Booking = strawberry.field(description="The canceled booking.")
    refund: Refund | None = strawberry.field(description="The refund paid; null when none was due.")


@refusal_of(refusals.EmailNotConfirmed)
@strawberry.type(description="Confirm your email address before booking.")
class EmailNotConfirmed(BookingRefusal):
    pass


@refusal_of(refusals.TravelerProfileRequired)
@strawberry.type(description="Create your traveler profile (createTravelerProfile) before booking.")
class TravelerProfileRequired(BookingRefusal):
    pass


@refusal_of(
    refusals.LaunchNotBookable,
    lambda e: LaunchNotBookable(message=e.message, launch_status=LaunchStatus(e.status), launch_at=e.launch_at),
)
@strawberry.type(description="The launch does not sell seats: not scheduled/confirmed/delayed, or its date passed.")
class LaunchNotBookable(BookingRefusal):
    launch_status: LaunchStatus = strawberry.field(description="The launch's current status.")
    launch_at: datetime = strawberry.field(description="The launch date (UTC).")


@refusal_of(
    refusals.NotEnoughSeats,
    lambda e: NotEnoughSeats(message=e.message, requested=e.requested, seats_available=e.available),
)
@strawberry.type(description="Fewer seats are left than requested.")
class NotEnoughSeats(BookingRefusal):
    requested: int = strawberry.field(description="Seats requested.")
    seats_available: int = strawberry.field(description="Seats left on the launch.")


@refusal_of(
    refusals.SeatLimitExceeded,
    lambda e: SeatLimitExceeded(
        message=e.message, limit=e.limit, already_booked=e.already_booked, requested=e.requested, vip=e.vip
    ),
)
@strawberry.type(description="A traveler holds at most 4 seats on a launch (6 for a VIP).")
class SeatLimitExceeded(BookingRefusal):
    limit: int = strawberry.field(description="The traveler's limit on this launch.")
    already_booked: int = strawberry.field(description="Seats the traveler already holds on it.")
    requested: int = strawberry.field(description="Seats requested.")
    vip: bool = strawberry.field(description="Whether the traveler is a VIP.")


@refusal_of(
    refusals.PassengerAgeOutOfRange,
    lambda e: PassengerAgeOutOfRange(
        message=e.message,
        passenger_index=e.index,
        passenger_name=e.passenger.name,
        age_on_launch_date=e.age,
        minimum_age=rules.MIN_AGE,
        maximum_age=rules.MAX_AGE,
    ),
)
@strawberry.type(description="Every passenger must be 18 to 70 years old on the launch date.")
class PassengerAgeOutOfRange(BookingRefusal):
    passenger_index: int = strawberry.field(description="Position of the passenger in the input (from 0).")
    passenger_name: str = strawberry.field(description="The passenger's name.")
    age_on_launch_date: int = strawberry.field(description="Their age on the launch date.")
    minimum_age: int = strawberry.field(description="18.")
    maximum_age: int = strawberry.field(description="70.")


@refusal_of(
    payments.PaymentDeclined,
    lambda e: PaymentDeclined(message=e.message, reason=e.reason),
)
@strawberry.type(description="The payment was declined by the card issuer: nothing was reserved or charged.")
class PaymentDeclined(BookingRefusal):
    reason: str = strawberry.field(description="Decline code (card_declined, insufficient_funds, invalid_token).")


@refusal_of(
    payments.PaymentFailed,
    lambda e: PaymentFailed(message=e.message, reason=e.reason),
)
@strawberry.type(description="The payment gateway failed (e.g. timed out): nothing was reserved, charged or refunded.")
class PaymentFailed(BookingRefusal):
    reason: str = strawberry.field(description="What went wrong.")


@refusal_of(refusals.IdempotencyKeyReused)
@strawberry.type(description="This idempotency key was used with a different launch or passengers.")
class IdempotencyKeyReused(BookingRefusal):
    pass


@refusal_of(refusals.BookingAlreadyCanceled)
@strawberry.type(description="The booking is already canceled.")
class BookingAlreadyCanceled(BookingRefusal):
    pass


@refusal_of(
    refusals.CancellationClosed,
    lambda e: CancellationClosed(message=e.message, launch_status=LaunchStatus(e.status), launch_at=e.launch_at),
)
@strawberry.type(description="Bookings can be canceled only before the launch date, while the launch is not final.")
class CancellationClosed(BookingRefusal):
    launch_status: LaunchStatus = strawberry.field(description="The launch's current status.")
    launch_at: datetime = strawberry.field(description="The launch date (UTC).")


BookSeatsResult: TypeAlias = Annotated[
    BookSeatsSuccess
    | NotEnoughSeats
    | LaunchNotBookable
    | SeatLimitExceeded
    | PassengerAgeOutOfRange
    | PaymentDeclined
    | PaymentFailed
    | IdempotencyKeyReused
    | EmailNotConfirmed
    | TravelerProfileRequired,
    strawberry.union("BookSeatsResult", description="The booking, or why it was refused."),
]

CancelBookingResult: TypeAlias = Annotated[
    BookingCancellation | BookingAlreadyCanceled | CancellationClosed | PaymentFailed,
    strawberry.union("CancelBookingResult", description="The cancellation, or why it was refused."),
]
