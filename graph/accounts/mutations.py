"""Account mutations: register, confirmEmail, login, refreshToken, logout, changePassword.

Expected input failures are result-union members; credential and session failures are errors with a code."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.accounts.results import (
    ChangePasswordResult,
    ConfirmEmailResult,
    EmailConfirmed,
    PasswordChanged,
    RegisterResult,
    RegisterSuccess,
)
from graph.accounts.types import AuthPayload, RegistrationRole, User
from graph.edge.permissions import IsAuthenticated
from graph.edge.refusals import answer
from resolvers.accounts import sessions
from resolvers.accounts import users as accounts


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a traveler or agency account; a confirmation link is emailed.")
    async def register(
        self, info: Info, name: str, email: str, password: str, role: RegistrationRole
    ) -> RegisterResult:
        call = info.context.bundle(info)
        registered = accounts.register(call, name=name, email=email, password=password, role=role.value)
        return await answer(registered, lambda user: RegisterSuccess(user=User.from_record(user)))

    @strawberry.mutation(description="Confirm an email address with the token from the confirmation link.")
    async def confirm_email(self, info: Info, token: str) -> ConfirmEmailResult:
        confirmed = accounts.confirm_email(info.context.bundle(info), token=token)
        return await answer(
            confirmed, lambda c: EmailConfirmed(user=User.from_record(c.user), access_token=c.access_token)
        )

    @strawberry.mutation(
        description="Sign in. Unknown email and wrong password give the same INVALID_CREDENTIALS error; "
        "repeated failures are throttled (RATE_LIMITED with `retryAfter` seconds)."
    )
    async def login(self, info: Info, email: str, password: str) -> AuthPayload | None:
        tokens = await sessions.login(info.context.bundle(info), email=email, password=password)
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. Each refresh token works once; presenting a used "
        "one again signs out its whole session."
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        tokens = await sessions.refresh_session(info.context.bundle(info), refresh_token=refresh_token)
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(
        description="Sign out: revokes this access token and its session's refresh tokens.",
        permission_classes=[IsAuthenticated],
    )
    async def logout(self, info: Info) -> bool:
        await sessions.logout(info.context.bundle(info))
        return True

    @strawberry.mutation(
        description="Change the signed-in user's password; signs out every other session. A wrong current "
        "password gives INVALID_CREDENTIALS (throttled like login).",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(self, info: Info, current_password: str, new_password: str) -> ChangePasswordResult:
        changed = accounts.change_password(
            info.context.bundle(info), current_password=current_password, new_password=new_password
        )
        return await answer(changed, lambda ended: PasswordChanged(sessions_ended=ended))
