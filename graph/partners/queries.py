"""Partner-client queries for `it` users: clients and their usage."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.partners.types import PartnerClient, PartnerOperationUsage
from resolvers.partners import clients as uc
from resolvers.partners import persisted


@strawberry.type
class Query:
    @strawberry.field(description="Partner clients (`it` only).", extensions=[allow(Role.IT)])
    async def partner_clients(
        self, info: Info, include_revoked: Annotated[bool, strawberry.argument(description="List revoked too.")] = False
    ) -> list[PartnerClient]:
        found = await uc.list_clients(info.context.bundle(info), include_revoked=include_revoked)
        return [PartnerClient.from_row(row) for row in found]

    @strawberry.field(description="A client's persisted-operation usage (`it` only).", extensions=[allow(Role.IT)])
    async def partner_client_usage(
        self,
        info: Info,
        client_id: Annotated[strawberry.ID, strawberry.argument(description="The client.")],
        days: Annotated[int, strawberry.argument(description="Period: the last N days (UTC), today included.")] = 30,
    ) -> list[PartnerOperationUsage]:
        found = await persisted.usage_report(info.context.bundle(info), client_id=str(client_id), days=days)
        return [
            PartnerOperationUsage(document_id=f"sha256:{u.document_id}", operation_name=u.operation_name, count=u.count)
            for u in found
        ]
