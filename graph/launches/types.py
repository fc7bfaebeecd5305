"""GraphQL types of launches: Launch (federation entity) and its status history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policies
from graph.agencies.types import Agency, Destination, Rocket
from graph.compiled import meta as sql
from graph.edge.limits import LIST_SIZE
from models.agencies.tables import Destination as DestinationEnum
from models.errors import Forbidden
from models.launches import tables as rows
from models.launches.tables import LaunchStatus as LaunchStatusEnum

LaunchStatus = LaunchStatusEnum
strawberry.enum(
    LaunchStatusEnum,
    name="LaunchStatus",
    description="scheduled → confirmed | delayed | aborted; confirmed → delayed | aborted | launched | failed; "
    "delayed → confirmed | delayed | aborted | launched | failed. launched, failed, aborted are final.",
)


# What the cost limit counts for a launch's status history: a handful of moves in practice (scheduled,
# confirmed, a few delays, the final one); the query cost stays honest without refusing real screens.
STATUS_HISTORY_SIZE = 8


@strawberry.type(description="One move of a launch's status.")
class LaunchStatusChange:
    from_status: LaunchStatus | None = strawberry.field(description="Status before the move (null when created).")
    to_status: LaunchStatus = strawberry.field(description="Status after the move.")
    changed_at: datetime = strawberry.field(description="When the move happened (UTC).")
    changed_by: str = strawberry.field(description="Id of the user who made the move.")
    reason: str | None = strawberry.field(description="Why (delays and aborts carry one).")

    @classmethod
    def from_row(cls, row: rows.LaunchStatusChange) -> LaunchStatusChange:
        return cls(
            from_status=LaunchStatusEnum(row.from_status) if row.from_status else None,
            to_status=LaunchStatusEnum(row.to_status),
            changed_at=row.changed_at,
            changed_by=row.changed_by,
            reason=row.reason,
        )


@strawberry.federation.type(keys=["id"], description="A rocket launch selling seats to travelers.")
class Launch:
    id: strawberry.ID = strawberry.field(description="Launch id.", metadata=sql.ident("{t}.id"))
    mission_name: str = strawberry.field(description="Mission name.", metadata=sql.text("{t}.mission_name"))
    destination: Destination = strawberry.field(
        description="Where the launch goes.", metadata=sql.enum("{t}.destination", DestinationEnum)
    )
    launch_at: datetime = strawberry.field(
        description="Launch date and time (UTC).", metadata=sql.timestamp("{t}.launch_at")
    )
    price_per_seat: Decimal = strawberry.field(
        description="Current price of one seat in USD (2 decimals).", metadata=sql.money("{t}.price_per_seat")
    )
    capacity: int = strawberry.field(description="Seats on board.", metadata=sql.integer("{t}.capacity"))
    seats_available: int = strawberry.field(
        description="Seats still for sale: capacity minus seats sold.",
        metadata=sql.integer("({t}.capacity - {t}.seats_sold)"),
    )
    minimum_passengers: int = strawberry.field(
        description="Seats that must be sold for the launch to be viable.",
        metadata=sql.integer("{t}.minimum_passengers"),
    )
    status: LaunchStatus = strawberry.field(
        description="Current status.", metadata=sql.enum("{t}.status", LaunchStatusEnum)
    )
    public_at: datetime | None = strawberry.field(
        description="VIP early access: until this moment (UTC) only VIP travelers see and book the launch; "
        "null when it was public from the start.",
        metadata=sql.timestamp("{t}.public_at"),
    )
    agency_id: strawberry.Private[str]
    rocket_id: strawberry.Private[str]
    seats_sold: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: rows.Launch) -> Launch:
        return cls(
            id=strawberry.ID(row.id),
            mission_name=row.mission_name,
            destination=DestinationEnum(row.destination),
            launch_at=row.launch_at,
            price_per_seat=row.price_per_seat,
            capacity=row.capacity,
            seats_available=row.seats_available,
            minimum_passengers=row.minimum_passengers,
            status=LaunchStatusEnum(row.status),
            public_at=row.public_at,
            agency_id=row.agency_id,
            rocket_id=row.rocket_id,
            seats_sold=row.seats_sold,
        )

    # Set by a resolver that read them with the launch (the catalogue): then the nested fields below
    # answer without awaiting, so a page of N launches costs no 2N DataLoader awaits and tasks.
    known_agency: strawberry.Private[Agency | None] = None
    known_rocket: strawberry.Private[Rocket | None] = None

    @strawberry.field(
        description="The agency selling the launch.", metadata=sql.to_one("agencies", "{c}.id = {t}.agency_id")
    )
    def agency(self, info: Info) -> Agency:
        # Returns the agency, or an awaitable of it (GraphQL execution awaits what it gets back).
        return self.known_agency or _agency(info, self.agency_id)  # type: ignore[return-value]

    @strawberry.field(
        description="The rocket flying the launch.", metadata=sql.to_one("rockets", "{c}.id = {t}.rocket_id")
    )
    def rocket(self, info: Info) -> Rocket:
        return self.known_rocket or _rocket(info, self.rocket_id)  # type: ignore[return-value]

    @strawberry.field(
        description="Every status move, oldest first. Readable by the launch's agency and by travelers "
        "holding bookings on it; anyone else gets FORBIDDEN.",
        metadata={LIST_SIZE: STATUS_HISTORY_SIZE},
    )
    async def status_history(self, info: Info) -> list[LaunchStatusChange] | None:
        await require_history_reader(info, self)
        changes = await info.context.loaders.status_history.load(str(self.id))
        return [LaunchStatusChange.from_row(change) for change in changes]

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Launch | None:
        row = await info.context.loaders.launches.load(str(id))
        return cls.from_row(row) if row else None


async def require_history_reader(info: Info, launch: Launch) -> None:
    await require_history_reader_in(info.context, launch)


async def require_history_reader_in(context: Any, launch: Launch) -> None:
    """FORBIDDEN unless the caller of `context` may read the launch's status moves (its subscription too)."""
    principal = context.require_principal()

    async def agency_user_id() -> str | None:
        agency = await context.loaders.agencies.load(launch.agency_id)
        return agency.user_id if agency else None

    async def holds_booking() -> bool:
        return bool(await context.loaders.held_launches.load(str(launch.id)))

    if not await policies.may_read_status_history(
        principal, agency_user_id=agency_user_id, holds_booking=holds_booking
    ):
        raise Forbidden("Only the launch's agency and its travelers can read its status history")


async def _agency(info: Info, agency_id: str) -> Agency:
    row = await info.context.loaders.agencies.load(agency_id)
    assert row is not None  # foreign key
    return Agency.from_row(row)


async def _rocket(info: Info, rocket_id: str) -> Rocket:
    row = await info.context.loaders.rockets.load(rocket_id)
    assert row is not None  # foreign key
    return Rocket.from_row(row)
