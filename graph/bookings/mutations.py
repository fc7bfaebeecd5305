"""Booking mutations: bookSeats and cancelBooking (result unions)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.bookings.results import BookingCancellation, BookSeatsResult, BookSeatsSuccess, CancelBookingResult
from graph.bookings.types import Booking, PassengerInput, Refund
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from models.bookings.rules import PassengerData
from resolvers.bookings import book_seats as uc
from resolvers.bookings.cancel_booking import BookingCanceled, cancel_booking


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Book 1 to 4 seats (6 for VIPs, counting seats already held on the launch) and pay "
        "with a payment token (test tokens: tok_success, tok_declined, tok_insufficient_funds, "
        "tok_timeout). Send an idempotency key to retry safely: the same key with the same launch and "
        "passengers returns the first booking; with different ones, IdempotencyKeyReused. Travelers with "
        "a confirmed email and a traveler profile only.",
        extensions=[allow(Role.TRAVELER)],
    )
    async def book_seats(
        self,
        info: Info,
        launch_id: strawberry.ID,
        passengers: list[PassengerInput],
        payment_token: str,
        idempotency_key: str | None = None,
    ) -> BookSeatsResult:
        booked = uc.book_seats(
            info.context.bundle(info),
            launch_id=str(launch_id),
            passengers=[PassengerData(name=p.name, birth_date=p.birth_date) for p in passengers],
            payment_token=payment_token,
            idempotency_key=idempotency_key,
        )
        return await answer(
            booked, lambda b: BookSeatsSuccess(booking=Booking.from_row(b.booking), replayed=b.replayed)
        )

    @strawberry.mutation(
        description="Cancel one of your bookings before the launch. Refund: 90 % with 365 days or more "
        "left, 70 % with 90 days or more (the seats go back on sale); less than 90 days: no refund and "
        "the seats stay sold. Travelers only; someone else's booking is NOT_FOUND.",
        extensions=[allow(Role.TRAVELER)],
    )
    async def cancel_booking(self, info: Info, booking_id: strawberry.ID) -> CancelBookingResult:
        canceled = cancel_booking(info.context.bundle(info), booking_id=str(booking_id))
        return await answer(canceled, cancellation)


def cancellation(canceled: BookingCanceled) -> BookingCancellation:
    refund = canceled.refund
    return BookingCancellation(
        booking=Booking.from_row(canceled.booking),
        refund=Refund(amount=refund.amount, ratio=refund.ratio, refunded_at=refund.created_at) if refund else None,
    )
