"""GraphQL types of agency management: Agency and Rocket (federation entities)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from auth import policies
from graph.compiled import meta as sql
from models.agencies import tables as rows
from models.agencies.tables import Destination as DestinationEnum
from models.errors import Forbidden

# Registers the model's enum as the GraphQL enum (strawberry.enum returns the same class).
Destination = DestinationEnum
strawberry.enum(
    DestinationEnum,
    name="Destination",
    description="Where a launch goes, nearest first. A rocket reaches its range and every nearer one.",
)


PRIVATE_FIELDS = ("contact_info", "contact_email", "tax_id", "legal_address")


@strawberry.federation.type(keys=["id"], description="A space agency that owns rockets and sells seats on launches.")
class Agency:
    id: strawberry.ID = strawberry.field(description="Agency id.", metadata=sql.ident("{t}.id"))
    legal_name: str = strawberry.field(
        description="Registered legal name, shown in the public catalogue.", metadata=sql.text("{t}.legal_name")
    )
    description: str | None = strawberry.field(
        description="Public description of the agency.", metadata=sql.text("{t}.description")
    )
    created_at: datetime = strawberry.field(
        description="When the profile was created (UTC).", metadata=sql.timestamp("{t}.created_at")
    )
    user_id: strawberry.Private[str]
    private: strawberry.Private[dict[str, str]]  # contact and tax data, copied: rows do not outlive their session

    @classmethod
    def from_row(cls, row: rows.Agency) -> Agency:
        return cls(
            id=strawberry.ID(row.id),
            legal_name=row.legal_name,
            description=row.description,
            created_at=row.created_at,
            user_id=row.user_id,
            private={name: getattr(row, name) for name in PRIVATE_FIELDS},
        )

    def _private(self, info: Info, name: str) -> str:
        if not policies.may_read_agency_private(info.context.principal, self.user_id):
            raise Forbidden("Only the agency itself and AstroBookings staff see this field")
        return self.private[name]

    @strawberry.field(description="Contact information (phone, hours...). Agency itself and staff only.")
    def contact_info(self, info: Info) -> str | None:
        return self._private(info, "contact_info")

    @strawberry.field(description="Contact email. Agency itself and staff only.")
    def contact_email(self, info: Info) -> str | None:
        return self._private(info, "contact_email")

    @strawberry.field(description="Tax id. Agency itself and staff only.")
    def tax_id(self, info: Info) -> str | None:
        return self._private(info, "tax_id")

    @strawberry.field(description="Legal address. Agency itself and staff only.")
    def legal_address(self, info: Info) -> str | None:
        return self._private(info, "legal_address")

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Agency | None:
        row = await info.context.loaders.agencies.load(str(id))
        return cls.from_row(row) if row else None


@strawberry.federation.type(keys=["id"], description="A rocket of an agency: how many seats, how far it flies.")
class Rocket:
    id: strawberry.ID = strawberry.field(description="Rocket id.", metadata=sql.ident("{t}.id"))
    name: str = strawberry.field(description="Rocket name, unique within its agency.", metadata=sql.text("{t}.name"))
    capacity: int = strawberry.field(description="Passenger seats (1 to 500).", metadata=sql.integer("{t}.capacity"))
    range: Destination = strawberry.field(
        description="Farthest destination it reaches.", metadata=sql.enum("{t}.range", DestinationEnum)
    )
    retired: bool = strawberry.field(
        description="True when deleted by its agency (kept for past launches).",
        metadata=sql.boolean("{t}.deleted_at IS NOT NULL"),
    )
    agency_id: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: rows.Rocket) -> Rocket:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            capacity=row.capacity,
            range=DestinationEnum(row.range),
            retired=row.deleted_at is not None,
            agency_id=row.agency_id,
        )

    @strawberry.field(
        description="The agency owning the rocket.", metadata=sql.to_one("agencies", "{c}.id = {t}.agency_id")
    )
    async def agency(self, info: Info) -> Agency:
        row = await info.context.loaders.agencies.load(self.agency_id)
        assert row is not None  # foreign key
        return Agency.from_row(row)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Rocket | None:
        row = await info.context.loaders.rockets.load(str(id))
        return cls.from_row(row) if row else None


@strawberry.input(description="An agency's profile. Every field is required but the description.")
class AgencyProfileInput:
    legal_name: str = strawberry.field(description="Registered legal name (up to 200 characters).")
    description: str | None = strawberry.field(default=None, description="Public description.")
    contact_info: str = strawberry.field(description="Contact information (phone, hours...).")
    contact_email: str = strawberry.field(description="Contact email address.")
    tax_id: str = strawberry.field(description="Tax id: 5-40 letters/digits, separators . / - allowed.")
    legal_address: str = strawberry.field(description="Legal address.")


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class AgencyProfileUpdate:
    legal_name: str | None = strawberry.field(default=strawberry.UNSET, description="Registered legal name.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="Public description; null clears.")
    contact_info: str | None = strawberry.field(default=strawberry.UNSET, description="Contact information.")
    contact_email: str | None = strawberry.field(default=strawberry.UNSET, description="Contact email address.")
    tax_id: str | None = strawberry.field(default=strawberry.UNSET, description="Tax id.")
    legal_address: str | None = strawberry.field(default=strawberry.UNSET, description="Legal address.")


@strawberry.input(description="A new rocket.")
class RocketInput:
    name: str = strawberry.field(description="Name, unique among the agency's rockets.")
    capacity: int = strawberry.field(description="Passenger seats, 1 to 500.")
    range: Destination = strawberry.field(description="Farthest destination the rocket reaches.")


@strawberry.input(description="Rocket fields to change; omitted fields stay as they are.")
class RocketUpdate:
    name: str | None = strawberry.field(default=None, description="New name.")
    capacity: int | None = strawberry.field(
        default=None, description="New capacity (1 to 500); never below seats sold of its unfinished launches."
    )
    range: Destination | None = strawberry.field(
        default=None, description="New range; its unfinished launches must stay within it."
    )


@strawberry.type(description="Outcome of deleting a rocket.")
class RocketDeleted:
    rocket_id: strawberry.ID = strawberry.field(description="The deleted rocket.")
    retired: bool = strawberry.field(
        description="True when it was kept as retired because finished launches refer to it; false when removed."
    )


def given(values: object) -> dict[str, Any]:
    return {name: value for name, value in vars(values).items() if value is not strawberry.UNSET}
