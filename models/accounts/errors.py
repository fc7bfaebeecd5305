"""Account and session refusals, named after their condition. Some become result-union members at the
GraphQL edge; credential and session failures stay errors with a code."""

from __future__ import annotations

from models.errors import Conflict, DomainError, RateLimited, ValidationFailed


class InvalidCredentials(DomainError):
    """Unknown email or wrong password: one error for both, so neither can be told apart."""

    code = "INVALID_CREDENTIALS"


class TooManyAttempts(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed login attempts; try again later", retry_after)


class LoginUnavailable(DomainError):
    """The throttle's counters cannot be read: refusing beats letting unlimited guesses through."""

    code = "SERVICE_UNAVAILABLE"


class EmailAlreadyRegistered(Conflict):
    pass


class WeakPassword(ValidationFailed):
    pass


class InvalidInput(ValidationFailed):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)
        self.field = field


class InvalidConfirmationToken(ValidationFailed):
    pass
