"""Account mutations: register, confirmEmail, login, refreshToken, logout, changePassword.

Expected input failures are result-union members; credential and session failures are errors with a code."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graph.accounts.types import (
    AuthPayload,
    ChangePasswordResult,
    ConfirmEmailResult,
    EmailAlreadyRegistered,
    EmailConfirmed,
    InvalidConfirmationToken,
    InvalidInput,
    PasswordChanged,
    RegisterResult,
    RegisterSuccess,
    RegistrationRole,
    User,
    WeakPassword,
)
from graph.edge.permissions import IsAuthenticated
from resolvers.accounts import sessions
from resolvers.accounts import users as accounts
from resolvers.accounts.sessions import access_token_for


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a traveler or agency account; a confirmation link is emailed.")
    async def register(
        self, info: Info, name: str, email: str, password: str, role: RegistrationRole
    ) -> RegisterResult:
        try:
            kit = info.context.services.auth
            user = await accounts.register(kit, name=name, email=email, password=password, role=role.value)
        except accounts.EmailAlreadyRegistered as exc:
            return EmailAlreadyRegistered(message=exc.message)
        except accounts.WeakPassword as exc:
            return WeakPassword(message=exc.message)
        except accounts.InvalidInput as exc:
            return InvalidInput(message=exc.message, field=exc.field)
        return RegisterSuccess(user=User.from_record(user))

    @strawberry.mutation(description="Confirm an email address with the token from the confirmation link.")
    async def confirm_email(self, info: Info, token: str) -> ConfirmEmailResult:
        try:
            user = await accounts.confirm_email(info.context.services.auth, token=token)
        except accounts.InvalidConfirmationToken as exc:
            return InvalidConfirmationToken(message=exc.message)
        principal = info.context.principal
        fresh = None
        if principal is not None and principal.id == user.id:
            fresh = access_token_for(info.context.services.tokens, user, principal.session_id)
        return EmailConfirmed(user=User.from_record(user), access_token=fresh)

    @strawberry.mutation(
        description="Sign in. Unknown email and wrong password give the same INVALID_CREDENTIALS error; "
        "repeated failures are throttled (RATE_LIMITED with `retryAfter` seconds)."
    )
    async def login(self, info: Info, email: str, password: str) -> AuthPayload | None:
        tokens = await sessions.login(info.context.services.auth, email=email, password=password)
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(
        description="Exchange a refresh token for new tokens. Each refresh token works once; presenting a used "
        "one again signs out its whole session."
    )
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        tokens = await sessions.refresh_session(info.context.services.auth, refresh_token=refresh_token)
        return AuthPayload.from_tokens(tokens)

    @strawberry.mutation(
        description="Sign out: revokes this access token and its session's refresh tokens.",
        permission_classes=[IsAuthenticated],
    )
    async def logout(self, info: Info) -> bool:
        await sessions.logout(info.context.services.auth, principal=info.context.principal)
        return True

    @strawberry.mutation(
        description="Change the signed-in user's password; signs out every other session. A wrong current "
        "password gives INVALID_CREDENTIALS (throttled like login).",
        permission_classes=[IsAuthenticated],
    )
    async def change_password(self, info: Info, current_password: str, new_password: str) -> ChangePasswordResult:
        try:
            ended = await accounts.change_password(
                info.context.services.auth,
                principal=info.context.principal,
                current_password=current_password,
                new_password=new_password,
            )
        except accounts.WeakPassword as exc:
            return WeakPassword(message=exc.message)
        return PasswordChanged(sessions_ended=ended)
