"""Traveler profiles: one per traveler user."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import created_field, id_field


class Traveler(SQLModel, table=True):
    __tablename__ = "travelers"

    id: str = id_field()
    user_id: str = Field(max_length=36, unique=True, index=True)
    name: str = Field(max_length=200)
    contact_email: str = Field(max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(default=None, max_length=20)
    tax_id: str | None = Field(default=None, max_length=40)
    travel_preferences: str | None = None
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
