"""Launches, their status machine and status history."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.base import created_field, has_control, id_field, money_field, time_field
from models.errors import ValidationFailed
from models.launches.errors import (
    DelayMustMoveLater,
    InvalidStatusTransition,
    LaunchDateNotReached,
    LaunchMoveRefused,
    MinimumPassengersNotReached,
)
from models.launches.status import LaunchStatus

S = LaunchStatus
ALLOWED_MOVES: dict[LaunchStatus, frozenset[LaunchStatus]] = {
    S.SCHEDULED: frozenset({S.CONFIRMED, S.DELAYED, S.ABORTED}),
    S.CONFIRMED: frozenset({S.DELAYED, S.ABORTED, S.LAUNCHED, S.FAILED}),
    S.DELAYED: frozenset({S.CONFIRMED, S.DELAYED, S.ABORTED, S.LAUNCHED, S.FAILED}),
    S.LAUNCHED: frozenset(),
    S.FAILED: frozenset(),
    S.ABORTED: frozenset(),
}
BOOKABLE = frozenset({S.SCHEDULED, S.CONFIRMED, S.DELAYED})
FINAL = frozenset({S.LAUNCHED, S.FAILED, S.ABORTED})
MIN_SCHEDULE_LEAD = timedelta(hours=24)
# Money columns are numeric(12, 2) (up to 9,999,999,999.99): a seat's price is bounded so that the largest sum
# stored, a launch's net revenue on its invoice (every seat of the largest rocket, 500, sold at this price),
# still fits; every value the API accepts is storable on every path.
MAX_PRICE = Decimal("10000000.00")


class Launch(SQLModel, table=True):
    __tablename__ = "launches"
    __table_args__ = (
        CheckConstraint("seats_sold >= 0 AND seats_sold <= capacity", name="launch_never_oversold"),
        CheckConstraint("price_per_seat > 0", name="launch_price_positive"),
        CheckConstraint("minimum_passengers BETWEEN 1 AND capacity", name="launch_minimum_passengers"),
        CheckConstraint("destination IN ('low_earth', 'moon', 'mars')", name="launch_destination_known"),
        Index("launches_catalogue", "launch_at", "id"),
        Index("launches_agency_date", "agency_id", "launch_at", "id"),
    )

    id: str = id_field()
    agency_id: str = Field(foreign_key="agencies.id", max_length=36)
    rocket_id: str = Field(foreign_key="rockets.id", index=True, max_length=36)
    mission_name: str = Field(max_length=200)
    destination: str = Field(max_length=20)
    launch_at: datetime = time_field()
    price_per_seat: Decimal = money_field()
    minimum_passengers: int
    capacity: int
    seats_sold: int = 0
    status: str = Field(default=LaunchStatus.SCHEDULED, max_length=20, index=True)
    # VIP early access: until this moment only VIP travelers see and book the launch (None: public at once).
    public_at: datetime | None = time_field(default=None, nullable=True)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()

    @property
    def seats_available(self) -> int:
        return self.capacity - self.seats_sold

    @property
    def is_viable(self) -> bool:
        return self.seats_sold >= self.minimum_passengers

    def can_move_to(self, target: LaunchStatus) -> bool:
        return target in ALLOWED_MOVES[LaunchStatus(self.status)]

    def is_bookable(self, now: datetime) -> bool:
        return self.status in BOOKABLE and self.launch_at > now

    def is_public(self, now: datetime) -> bool:
        """Out of its VIP early-access window (or never had one): everyone sees and books it."""
        return self.public_at is None or self.public_at <= now

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def check_move(self, target: LaunchStatus, *, now: datetime, new_date: datetime | None = None) -> None:
        """Raise the LaunchMoveRefused naming why this launch cannot move to `target` now."""
        if not self.can_move_to(target):
            raise self._refused(InvalidStatusTransition, f"A {self.status} launch cannot become {target}", target)
        if target == S.CONFIRMED and not self.is_viable:
            message = f"{self.seats_sold} seats sold; confirming needs {self.minimum_passengers}"
            raise self._refused(MinimumPassengersNotReached, message, target)
        if target in (S.LAUNCHED, S.FAILED) and now < self.launch_at:
            message = f"The launch date {self.launch_at.isoformat()} has not come yet"
            raise self._refused(LaunchDateNotReached, message, target)
        if target == S.DELAYED and (new_date is None or new_date <= max(self.launch_at, now)):
            message = "A delay needs a new date later than the current one and in the future"
            raise self._refused(DelayMustMoveLater, message, target)

    def _refused(self, kind: type[LaunchMoveRefused], message: str, target: LaunchStatus) -> LaunchMoveRefused:
        return kind(
            message,
            current=LaunchStatus(self.status),
            requested=target,
            seats_sold=self.seats_sold,
            minimum_passengers=self.minimum_passengers,
            launch_at=self.launch_at,
        )

    def move_to(
        self,
        target: LaunchStatus,
        *,
        now: datetime,
        by: str,
        reason: str | None = None,
        new_date: datetime | None = None,
    ) -> LaunchStatusChange:
        """Apply an allowed move (checked first) and return the history entry to store with it."""
        self.check_move(target, now=now, new_date=new_date)
        change = LaunchStatusChange(
            launch_id=self.id,
            from_status=self.status,
            to_status=target.value,
            changed_at=now,
            changed_by=by,
            reason=reason,
        )
        self.status, self.updated_at = target.value, now
        if new_date is not None:
            self.launch_at = new_date
        return change


class LaunchStatusChange(SQLModel, table=True):
    __tablename__ = "launch_status_history"

    id: str = id_field()
    launch_id: str = Field(foreign_key="launches.id", index=True, max_length=36)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    changed_at: datetime = created_field()
    changed_by: str = Field(max_length=36)
    reason: str | None = None


def check_mission_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200 or has_control(name):
        message = "missionName must be 1 to 200 characters, without control characters"
        raise ValidationFailed(message, field="missionName")
    return name


def check_price(price: Decimal) -> Decimal:
    """Price per seat: > 0, at most 2 decimal places (cents), within the column's range."""
    if not price.is_finite() or price <= 0 or price > MAX_PRICE:
        raise ValidationFailed(f"pricePerSeat must be greater than 0 and at most {MAX_PRICE}", field="pricePerSeat")
    if price != price.quantize(Decimal("0.01")):
        raise ValidationFailed("pricePerSeat has at most 2 decimal places", field="pricePerSeat")
    return price.quantize(Decimal("0.01"))


def check_minimum_passengers(minimum: int, capacity: int) -> None:
    if not 1 <= minimum <= capacity:
        raise ValidationFailed(f"minimumPassengers must be 1 to {capacity} (capacity)", field="minimumPassengers")


def check_launch_date(launch_at: datetime, now: datetime) -> None:
    if launch_at.tzinfo is None:
        raise ValidationFailed("launchAt needs a time zone (UTC recommended)", field="launchAt")
    if launch_at < now + MIN_SCHEDULE_LEAD:
        raise ValidationFailed("launchAt must be at least 24 hours in the future", field="launchAt")
