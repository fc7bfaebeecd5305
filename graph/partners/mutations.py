"""Partner-client mutations for `it` users: create, rotate the secret, revoke."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.partners.results import (
    CreatePartnerClientResult,
    PartnerClientCredentials,
    RevokePartnerClientResult,
    RotatePartnerClientSecretResult,
)
from graph.partners.types import CreatePartnerClientInput, PartnerClient
from resolvers.partners import clients as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a partner client (`it` only).", extensions=[allow(Role.IT)])
    async def create_partner_client(self, info: Info, input: CreatePartnerClientInput) -> CreatePartnerClientResult:
        created = uc.create_client(
            info.context.bundle(info), name=input.name, scopes=input.scopes, manifest=input.manifest
        )
        return await answer(created, credentials)

    @strawberry.mutation(
        description="Issue a new secret; the old one stops working (`it` only).", extensions=[allow(Role.IT)]
    )
    async def rotate_partner_client_secret(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The client.")]
    ) -> RotatePartnerClientSecretResult:
        return await answer(uc.rotate_secret(info.context.bundle(info), client_id=str(id)), credentials)

    @strawberry.mutation(
        description="Revoke a client: its tokens and secret stop working at once (`it` only).",
        extensions=[allow(Role.IT)],
    )
    async def revoke_partner_client(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The client.")]
    ) -> RevokePartnerClientResult:
        return await answer(uc.revoke_client(info.context.bundle(info), client_id=str(id)), PartnerClient.from_row)


def credentials(issued: uc.IssuedCredentials) -> PartnerClientCredentials:
    return PartnerClientCredentials(client=PartnerClient.from_row(issued.client), client_secret=issued.secret)
