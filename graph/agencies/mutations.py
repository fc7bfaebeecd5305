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
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from resolvers.agencies import profiles, rockets


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create the calling agency user's profile (once).", extensions=[allow(Role.AGENCY)]
    )
    async def create_agency_profile(self, info: Info, input: AgencyProfileInput) -> Agency:
        created = profiles.create_agency_profile(info.context.bundle(info), values=vars(input))
        return await answer(created, Agency.from_row)

    @strawberry.mutation(description="Update the calling agency's own profile.", extensions=[allow(Role.AGENCY)])
    async def update_agency_profile(self, info: Info, input: AgencyProfileUpdate) -> Agency:
        updated = profiles.update_agency_profile(info.context.bundle(info), values=given(input))
        return await answer(updated, Agency.from_row)

    @strawberry.mutation(description="Add a rocket to the calling agency's fleet.", extensions=[allow(Role.AGENCY)])
    async def add_rocket(self, info: Info, input: RocketInput) -> Rocket:
        added = rockets.add_rocket(
            info.context.bundle(info), name=input.name, capacity=input.capacity, range_=input.range.value
        )
        return await answer(added, Rocket.from_row)

    @strawberry.mutation(
        description="Change one of the agency's rockets. Its unfinished launches follow the new capacity.",
        extensions=[allow(Role.AGENCY)],
    )
    async def update_rocket(self, info: Info, id: strawberry.ID, input: RocketUpdate) -> Rocket:
        updated = rockets.update_rocket(
            info.context.bundle(info),
            rocket_id=str(id),
            name=input.name,
            capacity=input.capacity,
            range_=input.range.value if input.range else None,
        )
        return await answer(updated, Rocket.from_row)

    @strawberry.mutation(
        description="Delete one of the agency's rockets: refused (CONFLICT) while it has unfinished launches; "
        "retired (kept) when finished launches refer to it.",
        extensions=[allow(Role.AGENCY)],
    )
    async def delete_rocket(self, info: Info, id: strawberry.ID) -> RocketDeleted:
        deleted = rockets.delete_rocket(info.context.bundle(info), rocket_id=str(id))
        return await answer(deleted, lambda retired: RocketDeleted(rocket_id=id, retired=retired))
