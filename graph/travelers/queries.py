"""Traveler queries: the caller's own profile."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.travelers.types import Traveler
from resolvers.travelers import profiles as uc


@strawberry.type
class Query:
    @strawberry.field(
        description="The calling traveler's own profile (null until created). Travelers only.",
        extensions=[allow(Role.TRAVELER)],
    )
    async def my_traveler_profile(self, info: Info) -> Traveler | None:
        row = await uc.my_traveler_profile(info.context.bundle(info))
        return Traveler.from_row(row) if row else None
