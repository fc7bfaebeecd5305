"""Agency queries: the agency's own profile and rockets."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.agencies.types import Agency, Rocket
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from models.agencies import tables as rows
from resolvers.agencies import profiles, rockets


@strawberry.type
class Query:
    @strawberry.field(
        description="The calling agency's own profile (null until created). Agency users only.",
        extensions=[allow(Role.AGENCY)],
    )
    async def my_agency(self, info: Info) -> Agency | None:
        return await answer(profiles.my_agency(info.context.bundle(info)), agency_or_none)

    @strawberry.field(
        description="The calling agency's rockets, by name. Agency users only.", extensions=[allow(Role.AGENCY)]
    )
    async def my_rockets(self, info: Info, include_retired: bool = False) -> list[Rocket]:
        found = rockets.my_rockets(info.context.bundle(info), include_retired=include_retired)
        return await answer(found, lambda rows: [Rocket.from_row(row) for row in rows])


def agency_or_none(row: rows.Agency | None) -> Agency | None:
    return Agency.from_row(row) if row else None
