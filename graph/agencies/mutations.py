"""Agency mutations: the agency's profile and its rockets."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.agencies.types import (
    Agency,
    AgencyProfileInput,
    AgencyProfileUpdate,
    Rocket,
    RocketDeleted,
    RocketInput,
    RocketUpdate,
    given,
)
from resolvers.agencies import profiles as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create the calling agency user's profile (once).")
    async def create_agency_profile(self, info: Info, input: AgencyProfileInput) -> Agency:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.create_agency_profile(
                uow, principal=principal, values=vars(input), origin=ctx.origin("createAgencyProfile")
            )
        return Agency.from_row(row)

    @strawberry.mutation(description="Update the calling agency's own profile.")
    async def update_agency_profile(self, info: Info, input: AgencyProfileUpdate) -> Agency:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.update_agency_profile(
                uow,
                principal=principal,
                values=given(input),
                tags=ctx.services.tags,
                origin=ctx.origin("updateAgencyProfile"),
            )
        return Agency.from_row(row)

    @strawberry.mutation(description="Add a rocket to the calling agency's fleet.")
    async def add_rocket(self, info: Info, input: RocketInput) -> Rocket:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.add_rocket(
                uow,
                principal=principal,
                name=input.name,
                capacity=input.capacity,
                range_=input.range.value,
                origin=ctx.origin("addRocket"),
            )
        return Rocket.from_row(row)

    @strawberry.mutation(
        description="Change one of the agency's rockets. Its unfinished launches follow the new capacity."
    )
    async def update_rocket(self, info: Info, id: strawberry.ID, input: RocketUpdate) -> Rocket:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        async with ctx.services.db.unit_of_work() as uow:
            row = await uc.update_rocket(
                uow,
                principal=principal,
                rocket_id=str(id),
                name=input.name,
                capacity=input.capacity,
                range_=input.range.value if input.range else None,
                tags=ctx.services.tags,
                origin=ctx.origin("updateRocket"),
            )
        return Rocket.from_row(row)

    @strawberry.mutation(
        description="Delete one of the agency's rockets: refused (CONFLICT) while it has unfinished launches; "
        "retired (kept) when finished launches refer to it."
    )
    async def delete_rocket(self, info: Info, id: strawberry.ID) -> RocketDeleted:
        ctx = info.context
        principal = ctx.require_role(Role.AGENCY)
        async with ctx.services.db.unit_of_work() as uow:
            retired = await uc.delete_rocket(
                uow,
                principal=principal,
                rocket_id=str(id),
                tags=ctx.services.tags,
                origin=ctx.origin("deleteRocket"),
            )
        return RocketDeleted(rocket_id=id, retired=retired)
