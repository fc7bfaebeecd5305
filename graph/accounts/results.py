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
