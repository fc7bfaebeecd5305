"""Agencies and their rockets."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from models.base import created_field, has_control, id_field, time_field
from models.errors import ValidationFailed

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Tax ids differ by country (EIN 12-3456789, VAT ES-B12345678, ...): letters and digits with separators.
TAX_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 ./-]{3,38}[A-Za-z0-9]$")
PROFILE_LIMITS = {
    "legal_name": 200,
    "description": 2000,
    "contact_info": 500,
    "contact_email": 320,
    "legal_address": 500,
}
REQUIRED_PROFILE_FIELDS = ("legal_name", "contact_info", "contact_email", "tax_id", "legal_address")
MAX_CAPACITY = 500


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
        # A retired (soft-deleted) rocket frees its name for a new one.
        Index("rocket_name_per_agency", "agency_id", "name", unique=True, postgresql_where=text("deleted_at IS NULL")),
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


def clean_profile(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Trim and validate agency profile fields; raise ValidationFailed naming the first bad field.

    `partial` (an update) checks only the fields given; a create needs every required one."""
    cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    for name in REQUIRED_PROFILE_FIELDS:
        if (name in cleaned or not partial) and not cleaned.get(name):
            raise ValidationFailed(f"{name} is required", field=name)
    for name, limit in PROFILE_LIMITS.items():
        if len(cleaned.get(name) or "") > limit:
            raise ValidationFailed(f"{name} is longer than {limit} characters", field=name)
    if has_control(cleaned.get("legal_name") or ""):
        raise ValidationFailed("legal_name must not contain control characters", field="legal_name")
    if cleaned.get("contact_email") and not EMAIL.match(cleaned["contact_email"] or ""):
        raise ValidationFailed("contact_email is not a valid email address", field="contact_email")
    if cleaned.get("tax_id") and not TAX_ID.match(cleaned["tax_id"] or ""):
        raise ValidationFailed("tax_id must be 5-40 letters/digits (separators . / - allowed)", field="tax_id")
    if "description" in cleaned and not cleaned["description"]:
        cleaned["description"] = None
    return cleaned


def check_rocket_terms(*, name: str | None, capacity: int | None, range_: str | None) -> None:
    """Rocket input rules (None = not being changed)."""
    if name is not None and (not 1 <= len(name.strip()) <= 200 or has_control(name)):
        raise ValidationFailed("name must be 1 to 200 characters, without control characters", field="name")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed(f"capacity must be 1 to {MAX_CAPACITY} seats", field="capacity")
    if range_ is not None and range_ not in set(Destination):
        raise ValidationFailed("range must be low_earth, moon or mars", field="range")
