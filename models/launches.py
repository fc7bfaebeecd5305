"""Launches, their status machine and status history."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, money_field, time_field


class LaunchStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    DELAYED = "delayed"
    LAUNCHED = "launched"
    FAILED = "failed"
    ABORTED = "aborted"


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


class LaunchStatusChange(SQLModel, table=True):
    __tablename__ = "launch_status_history"

    id: str = id_field()
    launch_id: str = Field(foreign_key="launches.id", index=True, max_length=36)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    changed_at: datetime = created_field()
    changed_by: str = Field(max_length=36)
    reason: str | None = None
