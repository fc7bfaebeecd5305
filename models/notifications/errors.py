"""Notification refusals, named after their condition."""

from __future__ import annotations

from models.errors import NotFound, ValidationFailed


class UnknownPlaceholder(ValidationFailed):
    def __init__(self, event: str, names: list[str], allowed: list[str]) -> None:
        super().__init__(
            f"Unknown placeholder(s) {', '.join('{' + n + '}' for n in names)} for {event}; "
            f"allowed: {', '.join('{' + a + '}' for a in allowed)}",
            field="template",
        )
        self.event, self.names, self.allowed = event, names, allowed


class InvalidTemplate(ValidationFailed):
    """Empty text, a subject over one line or too long, or an unbalanced brace."""


class UnknownEvent(NotFound):
    def __init__(self, event: str) -> None:
        super().__init__(f"No notification event {event!r}", entity="NotificationTemplate")


class NotificationNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such notification", entity="Notification")
