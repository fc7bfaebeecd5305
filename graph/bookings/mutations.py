"""Booking mutations: bookSeats and cancelBooking (result unions)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.bookings.results import BookingCancellation, BookSeatsResult, BookSeatsSuccess, CancelBookingResult, refusal
from graph.bookings.types import Booking, PassengerInput, Refund
from models.bookings.errors import BookingRefused
from models.bookings.gateway import PaymentDeclined, PaymentFailed
from models.bookings.rules import PassengerData
from resolvers.bookings import book_seats as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Book 1 to 4 seats (6 for VIPs, counting seats already held on the launch) and pay "
        "with a payment token (test tokens: tok_success, tok_declined, tok_insufficient_funds, "
        "tok_timeout). Send an idempotency key to retry safely: the same key with the same launch and "
        "passengers returns the first booking; with different ones, IdempotencyKeyReused. Travelers with "
        "a confirmed email and a traveler profile only."
    )
    async def book_seats(
        self,
        info: Info,
        launch_id: strawberry.ID,
        passengers: list[PassengerInput],
        payment_token: str,
        idempotency_key: str | None = None,
    ) -> BookSeatsResult:
        ctx = info.context
        principal = ctx.require_role(Role.TRAVELER)
        try:
            async with ctx.services.db.unit_of_work() as uow:
                booked = await uc.book_seats(
                    uow,
                    principal=principal,
                    launch_id=str(launch_id),
                    passengers=[PassengerData(name=p.name, birth_date=p.birth_date) for p in passengers],
                    payment_token=payment_token,
                    idempotency_key=idempotency_key,
                    gateway=ctx.services.payments,
                    origin=ctx.origin("bookSeats"),
                    tags=ctx.services.tags,
                )
        except (BookingRefused, PaymentDeclined, PaymentFailed) as error:
            return refusal(error)
        return BookSeatsSuccess(booking=Booking.from_row(booked.booking), replayed=booked.replayed)

    @strawberry.mutation(
        description="Cancel one of your bookings before the launch. Refund: 90 % with 365 days or more "
        "left, 70 % with 90 days or more (the seats go back on sale); less than 90 days: no refund and "
        "the seats stay sold. Travelers only; someone else's booking is NOT_FOUND."
    )
    async def cancel_booking(self, info: Info, booking_id: strawberry.ID) -> CancelBookingResult:
        ctx = info.context
        principal = ctx.require_role(Role.TRAVELER)
        try:
            async with ctx.services.db.unit_of_work() as uow:
                canceled = await uc.cancel_booking(
                    uow,
                    principal=principal,
                    booking_id=str(booking_id),
                    gateway=ctx.services.payments,
                    origin=ctx.origin("cancelBooking"),
                    tags=ctx.services.tags,
                )
        except (BookingRefused, PaymentFailed) as error:
            return refusal(error)
        refund = canceled.refund
        return BookingCancellation(
            booking=Booking.from_row(canceled.booking),
            refund=Refund(amount=refund.amount, ratio=refund.ratio, refunded_at=refund.created_at) if refund else None,
        )
