"""Result union of the launch status moves: the moved launch, or the refusal naming its current status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.launches.types import Launch, LaunchStatus, LaunchStatusChange
from models.launches import errors as refusals
from resolvers.launches.move_launch import Moved


@strawberry.type(description="The launch moved to its new status.")
class LaunchMoved:
    launch: Launch = strawberry.field(description="The launch after the move.")
    change: LaunchStatusChange = strawberry.field(description="The status history entry written.")
    canceled_bookings: int = strawberry.field(description="Bookings canceled and fully refunded (aborts only).")

    @classmethod
    def from_moved(cls, moved: Moved) -> LaunchMoved:
        return cls(
            launch=Launch.from_row(moved.launch),
            change=LaunchStatusChange.from_row(moved.change),
            canceled_bookings=moved.canceled_bookings,
        )


@strawberry.interface(description="A status move the launch cannot make now.")
class LaunchMoveRefusal:
    current_status: LaunchStatus = strawberry.field(description="The launch's status, unchanged.")
    requested_status: LaunchStatus = strawberry.field(description="The status that was asked for.")
    message: str = strawberry.field(description="Why, in words.")


@refusal_of(
    refusals.InvalidStatusTransition,
    lambda e: InvalidStatusTransition(current_status=e.current, requested_status=e.requested, message=e.message),
)
@strawberry.type(description="The status machine has no move from the current status to the requested one.")
class InvalidStatusTransition(LaunchMoveRefusal):
    pass


@refusal_of(
    refusals.MinimumPassengersNotReached,
    lambda e: MinimumPassengersNotReached(
        current_status=e.current,
        requested_status=e.requested,
        message=e.message,
        seats_sold=e.seats_sold,
        minimum_passengers=e.minimum_passengers,
    ),
)
@strawberry.type(description="Confirming needs at least the minimum passengers' seats sold.")
class MinimumPassengersNotReached(LaunchMoveRefusal):
    seats_sold: int = strawberry.field(description="Seats sold now.")
    minimum_passengers: int = strawberry.field(description="Seats needed.")


@refusal_of(
    refusals.LaunchDateNotReached,
    lambda e: LaunchDateNotReached(
        current_status=e.current, requested_status=e.requested, message=e.message, launch_at=e.launch_at
    ),
)
@strawberry.type(description="A launch is marked launched or failed only at or after its date.")
class LaunchDateNotReached(LaunchMoveRefusal):
    launch_at: datetime = strawberry.field(description="The launch date.")


@refusal_of(
    refusals.DelayMustMoveLater,
    lambda e: DelayMustMoveLater(
        current_status=e.current, requested_status=e.requested, message=e.message, launch_at=e.launch_at
    ),
)
@strawberry.type(description="A delay must move the date later than the current one (and into the future).")
class DelayMustMoveLater(LaunchMoveRefusal):
    launch_at: datetime = strawberry.field(description="The current launch date.")


LaunchMoveResult: TypeAlias = Annotated[
    LaunchMoved | InvalidStatusTransition | MinimumPassengersNotReached | LaunchDateNotReached | DelayMustMoveLater,
    strawberry.union("LaunchMoveResult", description="The moved launch, or why it could not move."),
]
