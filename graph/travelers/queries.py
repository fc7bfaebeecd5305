"""Traveler queries: the caller's own profile."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.travelers.types import (
    Traveler,
)
from resolvers.travelers import profiles as uc


@strawberry.type
class Query:
    @strawberry.field(description="The calling traveler's own profile (null until created). Travelers only.")
    async def my_traveler_profile(self, info: Info) -> Traveler | None:
        principal = info.context.require_role(Role.TRAVELER)
        row = await uc.traveler_profile(info.context.services.db, user_id=principal.id)
        return Traveler.from_row(row) if row else None
