"""Account queries: the signed-in user (`me`)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.accounts.types import User, load_user
from graph.edge.permissions import IsAuthenticated


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> User:
        return User.from_record(await load_user(info, info.context.principal.id))
