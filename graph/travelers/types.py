"""GraphQL types of traveler profiles: the Traveler entity and the profile inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policies
from models.errors import Forbidden
from models.travelers import tables as rows


@strawberry.type(description="Who to call if something happens to the traveler.")
class EmergencyContact:
    name: str | None = strawberry.field(description="Contact's name.")
    phone: str | None = strawberry.field(description="Contact's phone, E.164 (+ and 8 to 15 digits).")


@strawberry.federation.type(
    keys=["id"], description="A traveler's profile. Readable by the traveler and AstroBookings staff only."
)
class Traveler:
    id: strawberry.ID = strawberry.field(description="Traveler id.")
    name: str = strawberry.field(description="Full name.")
    contact_email: str = strawberry.field(description="Contact email (lower-cased).")
    phone: str = strawberry.field(description="Phone, E.164 (+ and 8 to 15 digits, e.g. +34600123456).")
    emergency_contact: EmergencyContact | None = strawberry.field(description="Emergency contact, if given.")
    tax_id: str | None = strawberry.field(
        description="Tax id: ISO country code + 2 to 18 letters/digits (ES12345678Z)."
    )
    travel_preferences: str | None = strawberry.field(description="Free-text travel preferences.")
    created_at: datetime = strawberry.field(description="When the profile was created (UTC).")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_row(cls, row: rows.Traveler) -> Traveler:
        contact = None
        if row.emergency_contact_name or row.emergency_contact_phone:
            contact = EmergencyContact(name=row.emergency_contact_name, phone=row.emergency_contact_phone)
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            contact_email=row.contact_email,
            phone=row.phone or "",
            emergency_contact=contact,
            tax_id=row.tax_id,
            travel_preferences=row.travel_preferences,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="VIP: confirmed bookings on two or more distinct launches (derived).")
    async def vip(self, info: Info) -> bool:
        return await info.context.loaders.vip.load(str(self.id))

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Traveler | None:
        principal = info.context.require_principal()
        row = await info.context.loaders.travelers.load(str(id))
        if row is None:
            return None
        if not policies.may_read_traveler(principal, row.user_id):
            raise Forbidden("Only the traveler and AstroBookings staff can read a traveler profile")
        return cls.from_row(row)


@strawberry.input(description="Emergency contact: a name and an international phone number.")
class EmergencyContactInput:
    name: str = strawberry.field(description="Contact's name (up to 200 characters).")
    phone: str = strawberry.field(description="E.164 phone; spaces, dots, dashes, parentheses are ignored.")


@strawberry.input(description="A new traveler profile. Name, contact email and phone are required.")
class TravelerProfileInput:
    name: str = strawberry.field(description="Full name (up to 200 characters).")
    contact_email: str = strawberry.field(description="Contact email.")
    phone: str = strawberry.field(description="International phone, E.164: + and 8 to 15 digits.")
    emergency_contact: EmergencyContactInput | None = strawberry.field(default=None, description="Optional.")
    tax_id: str | None = strawberry.field(
        default=None, description="Optional. ISO country code + 2 to 18 letters/digits (ES12345678Z)."
    )
    travel_preferences: str | None = strawberry.field(default=None, description="Optional, up to 2000 characters.")


@strawberry.input(description="Profile fields to change; omitted fields stay, null clears an optional one.")
class TravelerProfileUpdate:
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Full name.")
    contact_email: str | None = strawberry.field(default=strawberry.UNSET, description="Contact email.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="E.164 phone.")
    emergency_contact: EmergencyContactInput | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the emergency contact; null removes it."
    )
    tax_id: str | None = strawberry.field(default=strawberry.UNSET, description="Tax id; null removes it.")
    travel_preferences: str | None = strawberry.field(default=strawberry.UNSET, description="Preferences.")


def profile_values(input: TravelerProfileInput | TravelerProfileUpdate) -> dict[str, Any]:
    """Input fields as table columns; fields left out of an update are left out here too."""
    values = {name: value for name, value in vars(input).items() if value is not strawberry.UNSET}
    if "emergency_contact" in values:
        contact = values.pop("emergency_contact")
        values["emergency_contact_name"] = contact.name if contact else None
        values["emergency_contact_phone"] = contact.phone if contact else None
    return values
