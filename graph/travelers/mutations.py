"""Traveler mutations: create and update the caller's own profile."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.travelers.types import (
    Traveler,
    TravelerProfileInput,
    TravelerProfileResult,
    TravelerProfileSaved,
    TravelerProfileUpdate,
    invalid,
    profile_values,
)
from models.travelers.profiles import TravelerProfileInvalid
from resolvers.travelers import profiles as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create the calling traveler's profile (once; CONFLICT after). Travelers only.")
    async def create_traveler_profile(self, info: Info, input: TravelerProfileInput) -> TravelerProfileResult:
        return await _save(info, "createTravelerProfile", uc.create_traveler_profile, profile_values(input))

    @strawberry.mutation(description="Change the calling traveler's own profile. Travelers only.")
    async def update_traveler_profile(self, info: Info, input: TravelerProfileUpdate) -> TravelerProfileResult:
        return await _save(info, "updateTravelerProfile", uc.update_traveler_profile, profile_values(input))


async def _save(info: Info, operation: str, use_case: Any, values: dict[str, Any]) -> TravelerProfileResult:
    ctx = info.context
    principal = ctx.require_role(Role.TRAVELER)
    try:
        async with ctx.services.db.unit_of_work() as uow:
            row = await use_case(uow, principal=principal, values=values, origin=ctx.origin(operation))
    except TravelerProfileInvalid as error:
        return invalid(error)
    return TravelerProfileSaved(traveler=Traveler.from_row(row))
