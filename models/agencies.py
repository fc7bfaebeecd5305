"""Agencies and their rockets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, time_field


class Destination(StrEnum):
    """Ordered from nearest to farthest: a rocket reaches its range and everything nearer."""

    LOW_EARTH = "low_earth"
    MOON = "moon"
    MARS = "mars"

    @property
    def distance(self) -> int:
        return list(Destination).index(self)


class Agency(SQLModel, table=True):
    __tablename__ = "agencies"

    id: str = id_field()
    user_id: str = Field(max_length=36, unique=True, index=True)
    legal_name: str = Field(max_length=200)
    description: str | None = None
    contact_info: str = Field(max_length=500)
    contact_email: str = Field(max_length=320)
    tax_id: str = Field(max_length=40)
    legal_address: str = Field(max_length=500)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Rocket(SQLModel, table=True):
    __tablename__ = "rockets"
    __table_args__ = (
        CheckConstraint("capacity BETWEEN 1 AND 500", name="rocket_capacity_range"),
        CheckConstraint("range IN ('low_earth', 'moon', 'mars')", name="rocket_range_known"),
        UniqueConstraint("agency_id", "name", name="rocket_name_per_agency"),
    )

    id: str = id_field()
    agency_id: str = Field(foreign_key="agencies.id", index=True, max_length=36)
    name: str = Field(max_length=200)
    capacity: int
    range: str = Field(max_length=20)
    created_at: datetime = created_field()
    deleted_at: datetime | None = time_field(default=None, nullable=True)

    def can_reach(self, destination: Destination) -> bool:
        return destination.distance <= Destination(self.range).distance
