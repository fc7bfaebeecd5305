"""Agency queries: the agency's own profile and rockets."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.agencies.types import (
    Agency,
    Rocket,
)
from resolvers.agencies import profiles as uc


@strawberry.type
class Query:
    @strawberry.field(description="The calling agency's own profile (null until created). Agency users only.")
    async def my_agency(self, info: Info) -> Agency | None:
        principal = info.context.require_role(Role.AGENCY)
        async with info.context.services.db.unit_of_work() as uow:
            row = await uc.find_agency(uow, principal.id)
            return Agency.from_row(row) if row else None

    @strawberry.field(description="The calling agency's rockets, by name. Agency users only.")
    async def my_rockets(self, info: Info, include_retired: bool = False) -> list[Rocket]:
        principal = info.context.require_role(Role.AGENCY)
        async with info.context.services.db.unit_of_work() as uow:
            found = await uc.my_rockets(uow, principal=principal, include_retired=include_retired)
            return [Rocket.from_row(row) for row in found]
