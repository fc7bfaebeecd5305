"""Account and session refusals, named after their condition. Some become result-union members at the
GraphQL edge; credential and session failures stay errors with a code."""

from __future__ import annotations

from models.errors import Conflict, DomainError, NotFound, RateLimited, ValidationFailed


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


class AccountDisabled(DomainError):
    """The password is right but the account is disabled: said only to someone who knows the password."""

    code = "ACCOUNT_DISABLED"


class InvalidResetToken(ValidationFailed):
    """A password link that is tampered with, expired, already used, or of a disabled account."""


class ResetThrottled(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many password reset requests; try again later", retry_after)


class UserNotFound(NotFound):
    def __init__(self, user_id: str) -> None:
        super().__init__(f"No user {user_id}", userId=user_id)


class CannotChangeOwnAccount(Conflict):
    """An `it` user may not disable or demote themself (another `it` user does it)."""


class LastItAccount(Conflict):
    """The last enabled `it` account can be neither disabled nor demoted: nobody could manage users."""


class NotAnEmployee(ValidationFailed):
    """Roles are changed between the employee roles only (travelers and agencies register themselves)."""


class AccountClosed(Conflict):
    """A closed account is final: it cannot be enabled, changed or invited again."""


class ActiveBookingsRemain(Conflict):
    """The account still holds active bookings on launches to come: they must be canceled first."""

    def __init__(self, booking_ids: list[str]) -> None:
        super().__init__(
            f"Cancel your {len(booking_ids)} active booking(s) on launches to come before closing the account",
            bookingIds=booking_ids,
        )
        self.booking_ids = booking_ids


class ActiveLaunchesRemain(Conflict):
    """An agency still runs launches that are not finished: they must be finished or aborted first."""

    def __init__(self, launch_ids: list[str]) -> None:
        super().__init__(
            f"Finish or abort your {len(launch_ids)} unfinished launch(es) before closing the account",
            launchIds=launch_ids,
        )
        self.launch_ids = launch_ids
