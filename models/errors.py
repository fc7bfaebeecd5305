"""Expected failures, named after their condition; the GraphQL edge turns them into typed errors."""

from __future__ import annotations


class DomainError(Exception):
    """A refused request. `code` becomes the GraphQL error's `extensions.code`."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ValidationFailed(DomainError):
    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class AuthenticationUnavailable(DomainError):
    """The presented token could not be checked (its revocation could not be read): retry, keep the token."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message, retryAfter=retry_after)


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, retry_after: int, **details: object) -> None:
        super().__init__(message, retryAfter=retry_after, **details)
        self.retry_after = retry_after
