"""Refused launch status moves, named after their condition."""

from __future__ import annotations

from datetime import datetime

from models.errors import Conflict
from models.launches.status import LaunchStatus


class LaunchMoveRefused(Conflict):
    """A status move the launch cannot make now; always names the current and the requested status, and
    carries the launch figures the refusal is about."""

    def __init__(
        self,
        message: str,
        *,
        current: LaunchStatus,
        requested: LaunchStatus,
        seats_sold: int,
        minimum_passengers: int,
        launch_at: datetime,
    ) -> None:
        super().__init__(message, currentStatus=current.value, requestedStatus=requested.value)
        self.current, self.requested = current, requested
        self.seats_sold, self.minimum_passengers, self.launch_at = seats_sold, minimum_passengers, launch_at


class InvalidStatusTransition(LaunchMoveRefused):
    """The status machine has no such move from the current status."""


class MinimumPassengersNotReached(LaunchMoveRefused):
    """Confirming needs seats sold >= minimum passengers."""


class LaunchDateNotReached(LaunchMoveRefused):
    """`launched` and `failed` only at or after the launch date."""


class DelayMustMoveLater(LaunchMoveRefused):
    """A delay needs a new date later than the current one (and in the future)."""
