"""Launch mutations: schedule, edit, and the status moves. A refused move is a result-union member that
names the launch's current status; input errors are BAD_USER_INPUT, other agencies' launches FORBIDDEN."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.agencies.types import Destination
from graph.launches.types import Launch, LaunchStatus, LaunchStatusChange
from models.launches import tables as rules
from models.launches.tables import LaunchStatus as Status
from resolvers.launches import lifecycle as uc


@strawberry.input(description="A launch to schedule on one of the agency's rockets.")
class ScheduleLaunchInput:
    rocket_id: strawberry.ID = strawberry.field(description="One of the agency's rockets.")
    mission_name: str = strawberry.field(description="Mission name (1 to 200 characters).")
    destination: Destination = strawberry.field(description="Within the rocket's range.")
    launch_at: datetime = strawberry.field(description="At least 24 hours from now, with a time zone.")
    price_per_seat: Decimal = strawberry.field(description="USD, greater than 0, at most 2 decimals.")
    minimum_passengers: int = strawberry.field(description="Seats to sell for the launch to be viable (1 to capacity).")


@strawberry.input(
    description="Launch fields to change while it is not final; omitted fields stay. The date only moves "
    "through delayLaunch; a new price applies to new bookings only."
)
class UpdateLaunchInput:
    mission_name: str | None = strawberry.field(default=None, description="New mission name.")
    destination: Destination | None = strawberry.field(default=None, description="Within the rocket's range.")
    price_per_seat: Decimal | None = strawberry.field(default=None, description="New price per seat (USD).")
    minimum_passengers: int | None = strawberry.field(default=None, description="1 to capacity.")


@strawberry.type(description="The launch moved to its new status.")
class LaunchMoved:
    launch: Launch = strawberry.field(description="The launch after the move.")
    change: LaunchStatusChange = strawberry.field(description="The status history entry written.")
    canceled_bookings: int = strawberry.field(description="Bookings canceled and fully refunded (aborts only).")


@strawberry.interface(description="A status move the launch cannot make now.")
class LaunchMoveRefusal:
    current_status: LaunchStatus = strawberry.field(description="The launch's status, unchanged.")
    requested_status: LaunchStatus = strawberry.field(description="The status that was asked for.")
    message: str = strawberry.field(description="Why, in words.")


@strawberry.type(description="The status machine has no move from the current status to the requested one.")
class InvalidStatusTransition(LaunchMoveRefusal):
    pass


@strawberry.type(description="Confirming needs at least the minimum passengers' seats sold.")
class MinimumPassengersNotReached(LaunchMoveRefusal):
    seats_sold: int = strawberry.field(description="Seats sold now.")
    minimum_passengers: int = strawberry.field(description="Seats needed.")


@strawberry.type(description="A launch is marked launched or failed only at or after its date.")
class LaunchDateNotReached(LaunchMoveRefusal):
    launch_at: datetime = strawberry.field(description="The launch date.")


@strawberry.type(description="A delay must move the date later than the current one (and into the future).")
class DelayMustMoveLater(LaunchMoveRefusal):
    launch_at: datetime = strawberry.field(description="The current launch date.")


LaunchMoveResult: TypeAlias = Annotated[
    LaunchMoved | InvalidStatusTransition | MinimumPassengersNotReached | LaunchDateNotReached | DelayMustMoveLater,
    strawberry.union("LaunchMoveResult", description="The moved launch, or why it could not move."),
]


def refusal(error: rules.LaunchMoveRefused) -> LaunchMoveResult:
    current, requested, message = error.current, error.requested, error.message
    if isinstance(error, rules.MinimumPassengersNotReached):
        return MinimumPassengersNotReached(
            current_status=current,
            requested_status=requested,
            message=message,
            seats_sold=error.seats_sold,
            minimum_passengers=error.minimum_passengers,
        )
    if isinstance(error, rules.LaunchDateNotReached):
        return LaunchDateNotReached(
            current_status=current, requested_status=requested, message=message, launch_at=error.launch_at
        )
    if isinstance(error, rules.DelayMustMoveLater):
        return DelayMustMoveLater(
            current_status=current, requested_status=requested, message=message, launch_at=error.launch_at
        )
    return InvalidStatusTransition(current_status=current, requested_status=requested, message=message)


async def move(
    info: Info,
    operation: str,
    launch_id: strawberry.ID,
    target: Status,
    *,
    reason: str | None = None,
    new_date: datetime | None = None,
) -> LaunchMoveResult:
    ctx = info.context
    principal = ctx.require_role(Role.AGENCY)
    try:
        async with ctx.services.db.unit_of_work() as uow:
            moved = await uc.move_launch(
                uow,
                principal=principal,
                launch_id=str(launch_id),
                target=target,
                reason=reason,
                new_date=new_date,
                tags=ctx.services.tags,
                gateway=ctx.services.payments,
                origin=ctx.origin(operation),
            )
    except rules.LaunchMoveRefused as error:
        return refusal(error)
    return LaunchMoved(
        launch=Launch.from_row(moved.launch),
        change=LaunchStatusChange.from_row(moved.change),
        canceled_bookings=moved.canceled_bookings,
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Schedule a launch (agency with a confirmed email).")
    async def schedule_launch(self, info: Info, input: ScheduleLaunchInput) -> Launch:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        terms = uc.LaunchTerms(
            rocket_id=str(input.rocket_id),
            mission_name=input.mission_name,
            destination=input.destination.value,
            launch_at=input.launch_at,
            price_per_seat=input.price_per_seat,
            minimum_passengers=input.minimum_passengers,
        )
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.schedule_launch(
                uow, principal=principal, terms=terms, tags=ctx.services.tags, origin=ctx.origin("scheduleLaunch")
            )
        return Launch.from_row(row)

    @strawberry.mutation(description="Edit one of the agency's launches while it is not final.")
    async def update_launch(self, info: Info, id: strawberry.ID, input: UpdateLaunchInput) -> Launch:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        edit = uc.LaunchEdit(
            mission_name=input.mission_name,
            destination=input.destination.value if input.destination else None,
            price_per_seat=input.price_per_seat,
            minimum_passengers=input.minimum_passengers,
        )
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.update_launch(
                uow,
                principal=principal,
                launch_id=str(id),
                edit=edit,
                tags=ctx.services.tags,
                origin=ctx.origin("updateLaunch"),
            )
        return Launch.from_row(row)

    @strawberry.mutation(description="Confirm a launch: only once seats sold reach the minimum passengers.")
    async def confirm_launch(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        return await move(info, "confirmLaunch", id, Status.CONFIRMED)

    @strawberry.mutation(description="Delay a launch to a later date, with a reason.")
    async def delay_launch(self, info: Info, id: strawberry.ID, new_date: datetime, reason: str) -> LaunchMoveResult:
        return await move(info, "delayLaunch", id, Status.DELAYED, reason=uc.require_reason(reason), new_date=new_date)

    @strawberry.mutation(
        description="Abort a launch, with a reason: every booking is canceled with a full refund, atomically."
    )
    async def abort_launch(self, info: Info, id: strawberry.ID, reason: str) -> LaunchMoveResult:
        return await move(info, "abortLaunch", id, Status.ABORTED, reason=uc.require_reason(reason))

    @strawberry.mutation(description="Record a successful launch (at or after its date).")
    async def mark_launched(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        return await move(info, "markLaunched", id, Status.LAUNCHED)

    @strawberry.mutation(description="Record a failed launch (at or after its date).")
    async def mark_failed(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        return await move(info, "markFailed", id, Status.FAILED)
