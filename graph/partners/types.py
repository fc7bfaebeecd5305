"""GraphQL types for `it` users: partner clients and their usage."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.partners import clients as rows


@strawberry.type(description="A partner's machine client (OAuth 2.0 client credentials).")
class PartnerClient:
    id: strawberry.ID = strawberry.field(description="Client id: the OAuth `client_id`.")
    name: str = strawberry.field(description="Unique name.")
    scopes: list[str] = strawberry.field(description="Scopes the client may request, e.g. `catalogue:read`.")
    manifest: str = strawberry.field(description="Name of the persisted-operation manifest the client may run.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    secret_rotated_at: datetime = strawberry.field(description="When its current secret was issued (UTC).")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked (UTC); null while active.")

    @classmethod
    def from_row(cls, row: rows.PartnerClient) -> PartnerClient:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            scopes=list(row.scopes),
            manifest=row.manifest,
            created_at=row.created_at,
            secret_rotated_at=row.secret_rotated_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="How often a client ran one persisted operation.")
class PartnerOperationUsage:
    document_id: str = strawberry.field(description="The operation's document id (`sha256:<hex>`).")
    operation_name: str | None = strawberry.field(description="The operation's name in the manifest.")
    count: int = strawberry.field(description="Executions in the period.")


@strawberry.input(description="A new partner client.")
class CreatePartnerClientInput:
    name: str = strawberry.field(description="Unique name: letters, digits, '.', '_' or '-' (1-100).")
    scopes: list[str] = strawberry.field(description="Scopes granted, e.g. `catalogue:read`.")
    manifest: str | None = strawberry.field(
        default=None, description="Manifest it may run (registered with `astro persisted register`); default: name."
    )
