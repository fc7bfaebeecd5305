"""Partner-client mutations for `it` users: create, rotate the secret, revoke."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.partners.types import (
    CreatePartnerClientInput,
    CreatePartnerClientResult,
    PartnerClient,
    PartnerClientCredentials,
    PartnerClientInvalid,
    PartnerClientNameTaken,
    PartnerClientNotFound,
    PartnerClientRevoked,
    RevokePartnerClientResult,
    RotatePartnerClientSecretResult,
)
from models.errors import ValidationFailed
from resolvers.partners import clients as uc


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


def _credentials(issued: uc.IssuedCredentials) -> PartnerClientCredentials:
    return PartnerClientCredentials(client=PartnerClient.from_row(issued.client), client_secret=issued.secret)
