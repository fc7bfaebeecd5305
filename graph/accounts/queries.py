"""Account queries: the signed-in user (`me`), the caller's data export, IT's user list."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry
from strawberry.relay import PageInfo
from strawberry.scalars import JSON
from strawberry.types import Info

from auth.principal import Role
from graph.accounts.types import User, UserConnection, UserEdge, UserFilter, load_user
from graph.edge.permissions import IsAuthenticated, allow
from resolvers.accounts import administration as admin
from resolvers.accounts import closing


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in user.", permission_classes=[IsAuthenticated])
    async def me(self, info: Info) -> User:
        return User.from_record(await load_user(info, info.context.principal.id))

    @strawberry.field(
        description="Everything the platform holds about the signed-in user, as one JSON document: the account, "
        "the traveler or agency profile, bookings with passengers, payments and refunds, notifications, and "
        "the system log entries about them.",
        extensions=[allow(Role.TRAVELER, Role.AGENCY, Role.FINANCIAL, Role.IT)],
    )
    async def export_my_data(self, info: Info) -> JSON:
        return cast(JSON, await closing.export_my_data(info.context.bundle(info)))

    @strawberry.field(
        description="Accounts, oldest first, cursor-paged (`it` only; every search is logged).",
        extensions=[allow(Role.IT)],
    )
    async def users(
        self,
        info: Info,
        filter: Annotated[UserFilter | None, strawberry.argument(description="Conditions.")] = None,
        first: Annotated[int, strawberry.argument(description="Page size (0-100).")] = 20,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the previous page's end.")] = None,
    ) -> UserConnection:
        user_filter = (filter or UserFilter()).to_model()
        page = await admin.list_users(info.context.bundle(info), user_filter, first=first, after=after)
        edges = [
            UserEdge(cursor=cursor, node=User.from_record(row))
            for row, cursor in zip(page.users, page.cursors, strict=True)
        ]
        page_info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return UserConnection(edges=edges, page_info=page_info)
