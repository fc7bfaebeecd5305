"""Traveler mutations: create and update the caller's own profile."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.travelers.results import TravelerProfileResult, TravelerProfileSaved
from graph.travelers.types import Traveler, TravelerProfileInput, TravelerProfileUpdate, profile_values
from models.travelers.tables import Traveler as TravelerRow
from resolvers.travelers import profiles as uc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create the calling traveler's profile (once; CONFLICT after). Travelers only.",
        extensions=[allow(Role.TRAVELER)],
    )
    async def create_traveler_profile(self, info: Info, input: TravelerProfileInput) -> TravelerProfileResult:
        created = uc.create_traveler_profile(info.context.bundle(info), values=profile_values(input))
        return await answer(created, saved)

    @strawberry.mutation(
        description="Change the calling traveler's own profile. Travelers only.", extensions=[allow(Role.TRAVELER)]
    )
    async def update_traveler_profile(self, info: Info, input: TravelerProfileUpdate) -> TravelerProfileResult:
        updated = uc.update_traveler_profile(info.context.bundle(info), values=profile_values(input))
        return await answer(updated, saved)


def saved(row: TravelerRow) -> TravelerProfileSaved:
    return TravelerProfileSaved(traveler=Traveler.from_row(row))
