"""Result unions of register, confirmEmail and changePassword: the outcome, or the refusal named after its
condition. Credential and session failures are not members: they stay errors with a code."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.accounts.types import User
from graph.edge.refusals import refusal_of
from models.accounts import errors as refusals


@strawberry.type(description="The account was created; a confirmation link was sent to its email.")
class RegisterSuccess:
    user: User = strawberry.field(description="The new account (email not yet confirmed).")


@refusal_of(refusals.EmailAlreadyRegistered)
@strawberry.type(description="An account with this email already exists (emails are compared ignoring case).")
class EmailAlreadyRegistered:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.WeakPassword)
@strawberry.type(description="The password is refused: under 10 characters or among the most common passwords.")
class WeakPassword:
    message: str = strawberry.field(description="Why the password is refused.")


@refusal_of(refusals.InvalidInput, lambda e: InvalidInput(message=e.message, field=e.field))
@strawberry.type(description="An input value is not valid.")
class InvalidInput:
    message: str = strawberry.field(description="What is wrong.")
    field: str = strawberry.field(description="The argument at fault.")


@strawberry.type(description="The email address is confirmed.")
class EmailConfirmed:
    user: User = strawberry.field(description="The confirmed account.")
    access_token: str | None = strawberry.field(
        description="A fresh access token with `email_verified` set, when the request was signed in as this user."
    )


@refusal_of(refusals.InvalidConfirmationToken)
@strawberry.type(description="The confirmation link is invalid, tampered with or expired.")
class InvalidConfirmationToken:
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="The password was changed; every other session of the account was signed out.")
class PasswordChanged:
    sessions_ended: int = strawberry.field(description="How many other sessions were signed out.")


RegisterResult = Annotated[
    RegisterSuccess | EmailAlreadyRegistered | WeakPassword | InvalidInput,
    strawberry.union("RegisterResult", description="Outcome of `register`."),
]
ConfirmEmailResult = Annotated[
    EmailConfirmed | InvalidConfirmationToken,
    strawberry.union("ConfirmEmailResult", description="Outcome of `confirmEmail`."),
]
ChangePasswordResult = Annotated[
    PasswordChanged | WeakPassword,
    strawberry.union("ChangePasswordResult", description="Outcome of `changePassword`."),
]


@strawberry.type(
    description="The request is taken. If the address belongs to an enabled account, a link valid for "
    "30 minutes was emailed to it; the answer is the same whether it does or not."
)
class PasswordResetRequested:
    message: str = strawberry.field(description="What happens next.")


@strawberry.type(description="The new password is set; every session of the account was signed out.")
class PasswordReset:
    user: User = strawberry.field(description="The account (sign in with the new password).")


@refusal_of(refusals.InvalidResetToken)
@strawberry.type(description="The password link is tampered with, expired, already used, or its account is disabled.")
class InvalidResetToken:
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="The employee account was created and its invitation (a set-your-password link) queued.")
class EmployeeInvited:
    user: User = strawberry.field(description="The new employee account (no password until they choose one).")


@strawberry.type(description="The account after the change.")
class UserChanged:
    user: User = strawberry.field(description="The account as it is now.")


@refusal_of(refusals.CannotChangeOwnAccount)
@strawberry.type(description="An it user cannot disable or demote themself: another it user must.")
class CannotChangeOwnAccount:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.LastItAccount)
@strawberry.type(description="The last enabled it account can be neither disabled nor demoted.")
class LastItAccount:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.NotAnEmployee)
@strawberry.type(description="Roles change between the employee roles only (financial and it).")
class NotAnEmployee:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.AccountClosed)
@strawberry.type(description="The account is closed (final): it cannot be changed, enabled or emailed.")
class AccountIsClosed:
    message: str = strawberry.field(description="Human-readable explanation.")


@refusal_of(refusals.AccountDisabled)
@strawberry.type(description="The account is disabled: enable it first.")
class AccountIsDisabled:
    message: str = strawberry.field(description="Human-readable explanation.")


@strawberry.type(description="Whether a confirmation email was queued.")
class ConfirmationResent:
    sent: bool = strawberry.field(description="False when the address was already confirmed (nothing sent).")


@strawberry.type(description="A password reset link was queued for the user (IT never sees it).")
class PasswordResetSent:
    user: User = strawberry.field(description="The account the link goes to.")


@strawberry.type(description="The account is closed: signed out everywhere, its personal data anonymised.")
class AccountClosure:
    user_id: strawberry.ID = strawberry.field(description="The closed account's id.")


@refusal_of(refusals.ActiveBookingsRemain, lambda e: ActiveBookingsRemain(message=e.message, booking_ids=e.booking_ids))
@strawberry.type(description="Active bookings on launches to come must be canceled before the account is closed.")
class ActiveBookingsRemain:
    message: str = strawberry.field(description="Human-readable explanation.")
    booking_ids: list[strawberry.ID] = strawberry.field(description="The bookings to cancel first.")


@refusal_of(refusals.ActiveLaunchesRemain, lambda e: ActiveLaunchesRemain(message=e.message, launch_ids=e.launch_ids))
@strawberry.type(
    description="An agency's unfinished launches must be finished or aborted before it closes its account."
)
class ActiveLaunchesRemain:
    message: str = strawberry.field(description="Human-readable explanation.")
    launch_ids: list[strawberry.ID] = strawberry.field(description="The launches still open.")


ResetPasswordResult = Annotated[
    PasswordReset | InvalidResetToken | WeakPassword,
    strawberry.union("ResetPasswordResult", description="Outcome of `resetPassword`."),
]
CreateEmployeeResult = Annotated[
    EmployeeInvited | EmailAlreadyRegistered | InvalidInput,
    strawberry.union("CreateEmployeeResult", description="Outcome of `createEmployee`."),
]
DisableUserResult = Annotated[
    UserChanged | CannotChangeOwnAccount | LastItAccount | AccountIsClosed,
    strawberry.union("DisableUserResult", description="Outcome of `disableUser`."),
]
EnableUserResult = Annotated[
    UserChanged | AccountIsClosed, strawberry.union("EnableUserResult", description="Outcome of `enableUser`.")
]
ChangeEmployeeRoleResult = Annotated[
    UserChanged | NotAnEmployee | CannotChangeOwnAccount | LastItAccount | AccountIsClosed,
    strawberry.union("ChangeEmployeeRoleResult", description="Outcome of `changeEmployeeRole`."),
]
ResendConfirmationResult = Annotated[
    ConfirmationResent | AccountIsClosed,
    strawberry.union("ResendConfirmationResult", description="Outcome of `resendConfirmationEmail`."),
]
SendPasswordResetResult = Annotated[
    PasswordResetSent | AccountIsDisabled | AccountIsClosed,
    strawberry.union("SendPasswordResetResult", description="Outcome of `sendPasswordReset`."),
]
CloseAccountResult = Annotated[
    AccountClosure | ActiveBookingsRemain | ActiveLaunchesRemain,
    strawberry.union("CloseAccountResult", description="Outcome of `closeAccount`."),
]
