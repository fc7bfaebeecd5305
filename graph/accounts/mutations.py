"""Account mutations: register, confirmEmail, login, refreshToken, logout, changePassword; the forgotten
password (requestPasswordReset, resetPassword); IT's user administration; closing one's own account.

Expected input failures are result-union members; credential and session failures are errors with a code."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.accounts.results import (
    AccountClosure,
    ChangeEmployeeRoleResult,
    ChangePasswordResult,
    CloseAccountResult,
    ConfirmationResent,
    ConfirmEmailResult,
    CreateEmployeeResult,
    DisableUserResult,
    EmailConfirmed,
    EmployeeInvited,
    EnableUserResult,
    PasswordChanged,
    PasswordReset,
    PasswordResetRequested,
    PasswordResetSent,
    RegisterResult,
    RegisterSuccess,
    ResendConfirmationResult,
    ResetPasswordResult,
    SendPasswordResetResult,
    UserChanged,
)
from graph.accounts.types import AuthPayload, EmployeeRole, RegistrationRole, User
from graph.edge.permissions import IsAuthenticated, allow
from graph.edge.refusals import answer
from models.accounts.users import User as UserRecord
from resolvers.accounts import administration as admin
from resolvers.accounts import closing, recovery, sessions
from resolvers.accounts import users as accounts

UserId = Annotated[strawberry.ID, strawberry.argument(description="The account.")]
RESET_ANSWER = "If this address belongs to an account, a link to choose a new password is on its way."


def _changed(user: UserRecord) -> UserChanged:
    return UserChanged(user=User.from_record(user))


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

    @strawberry.mutation(
        description="Forgotten password: emails a single-use link (valid 30 minutes) to choose a new password. "
        "Answers the same whether or not the address has an account. Throttled per address asked for and per "
        "client (RATE_LIMITED with `retryAfter`)."
    )
    async def request_password_reset(
        self, info: Info, email: Annotated[str, strawberry.argument(description="The account's email address.")]
    ) -> PasswordResetRequested:
        call = info.context.bundle(info)
        await recovery.request_password_reset(call, email=email, client_address=info.context.client_address)
        return PasswordResetRequested(message=RESET_ANSWER)

    @strawberry.mutation(
        description="Choose a new password with the token of an emailed link (reset or invitation). The link "
        "works once; every session of the account is signed out and a notice is emailed."
    )
    async def reset_password(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The `token` parameter of the emailed link.")],
        new_password: Annotated[str, strawberry.argument(description="The new password (password rules apply).")],
    ) -> ResetPasswordResult:
        done = recovery.reset_password(
            info.context.bundle(info),
            token=token,
            new_password=new_password,
            client_address=info.context.client_address,
        )
        return await answer(done, lambda user: PasswordReset(user=User.from_record(user)))

    @strawberry.mutation(
        description="Create an employee account (`it` only); the employee is emailed a link to choose their "
        "own password.",
        extensions=[allow(Role.IT)],
    )
    async def create_employee(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Full name.")],
        email: Annotated[str, strawberry.argument(description="Work email address (the login).")],
        role: Annotated[EmployeeRole, strawberry.argument(description="financial or it.")],
    ) -> CreateEmployeeResult:
        created = admin.create_employee(info.context.bundle(info), name=name, email=email, role=role.value)
        return await answer(created, lambda user: EmployeeInvited(user=User.from_record(user)))

    @strawberry.mutation(
        description="Disable an account (`it` only): it cannot sign in and its tokens stop working at once, "
        "everywhere. Not one's own account, nor the last enabled it account.",
        extensions=[allow(Role.IT)],
    )
    async def disable_user(self, info: Info, id: UserId) -> DisableUserResult:
        return await answer(admin.disable_user(info.context.bundle(info), user_id=str(id)), _changed)

    @strawberry.mutation(description="Enable a disabled account again (`it` only).", extensions=[allow(Role.IT)])
    async def enable_user(self, info: Info, id: UserId) -> EnableUserResult:
        return await answer(admin.enable_user(info.context.bundle(info), user_id=str(id)), _changed)

    @strawberry.mutation(
        description="Move an employee between financial and it (`it` only); their sessions end. Not demoting "
        "oneself, nor the last enabled it account.",
        extensions=[allow(Role.IT)],
    )
    async def change_employee_role(
        self, info: Info, id: UserId, role: Annotated[EmployeeRole, strawberry.argument(description="New role.")]
    ) -> ChangeEmployeeRoleResult:
        changed = admin.change_employee_role(info.context.bundle(info), user_id=str(id), role=role.value)
        return await answer(changed, _changed)

    @strawberry.mutation(description="Email a user's confirmation link again (`it` only).", extensions=[allow(Role.IT)])
    async def resend_confirmation_email(self, info: Info, id: UserId) -> ResendConfirmationResult:
        sent = admin.resend_confirmation(info.context.bundle(info), user_id=str(id))
        return await answer(sent, lambda done: ConfirmationResent(sent=done))

    @strawberry.mutation(
        description="Email a user a password reset link on their behalf (`it` only; IT never sees the link).",
        extensions=[allow(Role.IT)],
    )
    async def send_password_reset(self, info: Info, id: UserId) -> SendPasswordResetResult:
        sent = admin.send_password_reset(info.context.bundle(info), user_id=str(id))
        return await answer(sent, lambda user: PasswordResetSent(user=User.from_record(user)))

    @strawberry.mutation(
        description="Close the signed-in traveler's or agency's account: signed out everywhere, personal data "
        "anonymised, bookings and payments kept for the records. A wrong password gives INVALID_CREDENTIALS.",
        extensions=[allow(Role.TRAVELER, Role.AGENCY)],
    )
    async def close_account(
        self,
        info: Info,
        current_password: Annotated[str, strawberry.argument(description="The account's current password.")],
    ) -> CloseAccountResult:
        closed = closing.close_account(info.context.bundle(info), current_password=current_password)
        return await answer(closed, lambda user: AccountClosure(user_id=strawberry.ID(user.id)))
