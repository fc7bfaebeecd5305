"""Launch mutations: schedule, edit, and the status moves. A refused move is a result-union member that
names the launch's current status; input errors are BAD_USER_INPUT, other agencies' launches FORBIDDEN."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.agencies.types import Destination
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.launches.results import LaunchMoved, LaunchMoveResult
from graph.launches.types import Launch
from models.launches.tables import LaunchStatus as Status
from resolvers.launches.move_launch import move_launch
from resolvers.launches.schedule_launch import LaunchTerms, schedule_launch
from resolvers.launches.update_launch import LaunchEdit, update_launch


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


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Schedule a launch (agency with a confirmed email).", extensions=[allow(Role.AGENCY)]
    )
    async def schedule_launch(self, info: Info, input: ScheduleLaunchInput) -> Launch:
        terms = LaunchTerms(
            rocket_id=str(input.rocket_id),
            mission_name=input.mission_name,
            destination=input.destination.value,
            launch_at=input.launch_at,
            price_per_seat=input.price_per_seat,
            minimum_passengers=input.minimum_passengers,
        )
        return await answer(schedule_launch(info.context.bundle(info), terms=terms), Launch.from_row)

    @strawberry.mutation(
        description="Edit one of the agency's launches while it is not final.", extensions=[allow(Role.AGENCY)]
    )
    async def update_launch(self, info: Info, id: strawberry.ID, input: UpdateLaunchInput) -> Launch:
        edit = LaunchEdit(
            mission_name=input.mission_name,
            destination=input.destination.value if input.destination else None,
            price_per_seat=input.price_per_seat,
            minimum_passengers=input.minimum_passengers,
        )
        updated = update_launch(info.context.bundle(info), launch_id=str(id), edit=edit)
        return await answer(updated, Launch.from_row)

    @strawberry.mutation(
        description="Confirm a launch: only once seats sold reach the minimum passengers.",
        extensions=[allow(Role.AGENCY)],
    )
    async def confirm_launch(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        moved = move_launch(info.context.bundle(info), launch_id=str(id), target=Status.CONFIRMED)
        return await answer(moved, LaunchMoved.from_moved)

    @strawberry.mutation(description="Delay a launch to a later date, with a reason.", extensions=[allow(Role.AGENCY)])
    async def delay_launch(self, info: Info, id: strawberry.ID, new_date: datetime, reason: str) -> LaunchMoveResult:
        moved = move_launch(
            info.context.bundle(info), launch_id=str(id), target=Status.DELAYED, reason=reason, new_date=new_date
        )
        return await answer(moved, LaunchMoved.from_moved)

    @strawberry.mutation(
        description="Abort a launch, with a reason: every booking is canceled with a full refund, atomically.",
        extensions=[allow(Role.AGENCY)],
    )
    async def abort_launch(self, info: Info, id: strawberry.ID, reason: str) -> LaunchMoveResult:
        moved = move_launch(info.context.bundle(info), launch_id=str(id), target=Status.ABORTED, reason=reason)
        return await answer(moved, LaunchMoved.from_moved)

    @strawberry.mutation(
        description="Record a successful launch (at or after its date).", extensions=[allow(Role.AGENCY)]
    )
    async def mark_launched(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        moved = move_launch(info.context.bundle(info), launch_id=str(id), target=Status.LAUNCHED)
        return await answer(moved, LaunchMoved.from_moved)

    @strawberry.mutation(description="Record a failed launch (at or after its date).", extensions=[allow(Role.AGENCY)])
    async def mark_failed(self, info: Info, id: strawberry.ID) -> LaunchMoveResult:
        moved = move_launch(info.context.bundle(info), launch_id=str(id), target=Status.FAILED)
        return await answer(moved, LaunchMoved.from_moved)
