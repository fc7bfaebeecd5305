"""GraphQL for `it` users: partner clients (create, list, rotate secret, revoke) and their usage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, TypeAlias

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from models.errors import ValidationFailed
from models.partners import clients as rows
from resolvers.partners import clients as uc
from resolvers.partners import persisted


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


@strawberry.type(description="A client with its new secret. The secret is shown only this once.")
class PartnerClientCredentials:
    client: PartnerClient = strawberry.field(description="The client.")
    client_secret: str = strawberry.field(description="The OAuth `client_secret`; store it now, it is not kept.")


@strawberry.type(description="Another partner client already has this name.")
class PartnerClientNameTaken:
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="The input is not valid (a name, or scopes that do not exist).")
class PartnerClientInvalid:
    message: str = strawberry.field(description="What is wrong.")


@strawberry.type(description="No partner client has this id.")
class PartnerClientNotFound:
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="The partner client is revoked; it cannot be changed any more.")
class PartnerClientRevoked:
    message: str = strawberry.field(description="Human-readable explanation.")


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


CreatePartnerClientResult: TypeAlias = Annotated[
    PartnerClientCredentials | PartnerClientNameTaken | PartnerClientInvalid,
    strawberry.union("CreatePartnerClientResult", description="The new client and its secret, or why not."),
]
RotatePartnerClientSecretResult: TypeAlias = Annotated[
    PartnerClientCredentials | PartnerClientNotFound | PartnerClientRevoked,
    strawberry.union("RotatePartnerClientSecretResult", description="The client's new secret, or why not."),
]
RevokePartnerClientResult: TypeAlias = Annotated[
    PartnerClient | PartnerClientNotFound | PartnerClientRevoked,
    strawberry.union("RevokePartnerClientResult", description="The revoked client, or why not."),
]


def _credentials(issued: uc.IssuedCredentials) -> PartnerClientCredentials:
    return PartnerClientCredentials(client=PartnerClient.from_row(issued.client), client_secret=issued.secret)


@strawberry.type
class Query:
    @strawberry.field(description="Partner clients (`it` only).", extensions=[allow(Role.IT)])
    async def partner_clients(
        self, info: Info, include_revoked: Annotated[bool, strawberry.argument(description="List revoked too.")] = False
    ) -> list[PartnerClient]:
        async with info.context.services.db.unit_of_work() as uow:
            found = await uc.list_clients(uow, include_revoked=include_revoked)
            return [PartnerClient.from_row(row) for row in found]  # rows expire when the unit of work ends

    @strawberry.field(description="A client's persisted-operation usage (`it` only).", extensions=[allow(Role.IT)])
    async def partner_client_usage(
        self,
        info: Info,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        days: Annotated[int, strawberry.argument(description="Period: the last N days (UTC), today included.")] = 30,
    ) -> list[PartnerOperationUsage]:
        async with info.context.services.db.unit_of_work() as uow:
            found = await persisted.usage_report(uow, client_id=str(client_id), days=days)
        return [
            PartnerOperationUsage(document_id=f"sha256:{u.document_id}", operation_name=u.operation_name, count=u.count)
            for u in found
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a partner client (`it` only).", extensions=[allow(Role.IT)])
    async def create_partner_client(self, info: Info, input: CreatePartnerClientInput) -> CreatePartnerClientResult:
        ctx = info.context
        try:
            async with ctx.services.db.unit_of_work() as uow:
                issued = await uc.create_client(
                    uow,
                    name=input.name,
                    scopes=input.scopes,
                    manifest=input.manifest,
                    origin=ctx.origin("createPartnerClient"),
                )
                return _credentials(issued)
        except uc.PartnerClientNameTaken as exc:
            return PartnerClientNameTaken(message=exc.message)
        except ValidationFailed as exc:
            return PartnerClientInvalid(message=exc.message)

    @strawberry.mutation(
        description="Issue a new secret; the old one stops working (`it` only).", extensions=[allow(Role.IT)]
    )
    async def rotate_partner_client_secret(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The client.")]
    ) -> RotatePartnerClientSecretResult:
        ctx = info.context
        try:
            async with ctx.services.db.unit_of_work() as uow:
                issued = await uc.rotate_secret(uow, client_id=str(id), origin=ctx.origin("rotatePartnerClientSecret"))
                return _credentials(issued)
        except uc.PartnerClientNotFound as exc:
            return PartnerClientNotFound(message=exc.message)
        except uc.PartnerClientRevoked as exc:
            return PartnerClientRevoked(message=exc.message)

    @strawberry.mutation(
        description="Revoke a client: its tokens and secret stop working at once (`it` only).",
        extensions=[allow(Role.IT)],
    )
    async def revoke_partner_client(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The client.")]
    ) -> RevokePartnerClientResult:
        ctx = info.context
        try:
            async with ctx.services.db.unit_of_work() as uow:
                row = await uc.revoke_client(uow, client_id=str(id), origin=ctx.origin("revokePartnerClient"))
                return PartnerClient.from_row(row)
        except uc.PartnerClientNotFound as exc:
            return PartnerClientNotFound(message=exc.message)
        except uc.PartnerClientRevoked as exc:
            return PartnerClientRevoked(message=exc.message)
