"""GraphQL types of bookings: Booking (federation entity), its passengers and refund."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from auth import policies
from auth.principal import Principal
from graph.launches.types import Launch
from models.bookings import tables as rows
from models.errors import Forbidden

BookingStatus = rows.BookingStatus
strawberry.enum(rows.BookingStatus, name="BookingStatus", description="confirmed (paid) or canceled.")


@strawberry.type(description="One passenger: one seat.")
class Passenger:
    name: str = strawberry.field(description="Passenger's full name.")
    birth_date: date = strawberry.field(description="Birth date (the passenger is 18 to 70 on the launch date).")


@strawberry.type(description="Money paid back for a canceled booking.")
class Refund:
    amount: Decimal = strawberry.field(description="USD refunded.")
    ratio: Decimal = strawberry.field(description="Share of the amount paid: 1.00, 0.90 or 0.70.")
    refunded_at: datetime = strawberry.field(description="When (UTC).")


@strawberry.federation.type(
    keys=["id"],
    description="Seats booked by a traveler on a launch. Readable by its traveler, the launch's agency "
    "and financial employees.",
)
class Booking:
    id: strawberry.ID = strawberry.field(description="Booking id.")
    seats: int = strawberry.field(description="Seats booked (one per passenger).")
    price_per_seat: Decimal = strawberry.field(description="USD per seat, fixed when booked.")
    amount: Decimal = strawberry.field(description="USD paid: seats × price per seat.")
    status: BookingStatus = strawberry.field(description="confirmed or canceled.")
    seats_released: bool = strawberry.field(
        description="Canceled with a refund: the seats went back on sale. False while confirmed, and for "
        "cancellations less than 90 days before the launch (no refund, the seats stay sold)."
    )
    created_at: datetime = strawberry.field(description="When it was booked (UTC).")
    canceled_at: datetime | None = strawberry.field(description="When it was canceled (UTC).")
    launch_id: strawberry.Private[str]
    traveler_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: rows.Booking) -> Booking:
        return cls(
            id=strawberry.ID(row.id),
            seats=row.seats,
            price_per_seat=row.price_per_seat,
            amount=row.amount,
            status=BookingStatus(row.status),
            seats_released=row.seats_released,
            created_at=row.created_at,
            canceled_at=row.canceled_at,
            launch_id=row.launch_id,
            traveler_id=row.traveler_id,
        )

    @strawberry.field(description="The launch, with its current status (and status history).")
    async def launch(self, info: Info) -> Launch:
        row = await info.context.loaders.launches.load(self.launch_id)
        assert row is not None  # foreign key
        return Launch.from_row(row)

    @strawberry.field(description="The passengers, in the order they were booked.")
    async def passengers(self, info: Info) -> list[Passenger]:
        found = await info.context.loaders.passengers.load(str(self.id))
        return [Passenger(name=p.name, birth_date=p.birth_date) for p in found]

    @strawberry.field(description="The refund, when the cancellation paid one.")
    async def refund(self, info: Info) -> Refund | None:
        row = await info.context.loaders.refunds.load(str(self.id))
        return Refund(amount=row.amount, ratio=row.ratio, refunded_at=row.created_at) if row else None

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Booking | None:
        principal = info.context.require_principal()
        row = await info.context.loaders.bookings.load(str(id))
        if row is None:
            return None
        if not await readable_by(info, principal, row):
            raise Forbidden("Only the booking's traveler, the launch's agency and financial staff can read it")
        return cls.from_row(row)


async def readable_by(info: Info, principal: Principal, booking: rows.Booking) -> bool:
    """The facts `policies.may_read_booking` asks for, loaded only when it asks."""

    async def traveler_user_id() -> str | None:
        traveler = await info.context.loaders.travelers.load(booking.traveler_id)
        return traveler.user_id if traveler else None

    async def agency_user_id() -> str | None:
        launch = await info.context.loaders.launches.load(booking.launch_id)
        agency = await info.context.loaders.agencies.load(launch.agency_id) if launch else None
        return agency.user_id if agency else None

    return await policies.may_read_booking(principal, traveler_user_id=traveler_user_id, agency_user_id=agency_user_id)


@strawberry.input(description="A passenger to book a seat for.")
class PassengerInput:
    name: str = strawberry.field(description="Full name (1 to 200 characters).")
    birth_date: date = strawberry.field(description="Birth date: 18 to 70 years old on the launch date.")
