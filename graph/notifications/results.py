"""Result union of updateNotificationTemplate: the saved template, or the refusal named after its condition."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.notifications.types import NotificationTemplate
from models.notifications import errors


@refusal_of(
    errors.UnknownPlaceholder,
    lambda e: UnknownPlaceholder(message=e.message, placeholders=e.names, allowed=e.allowed),
)
@strawberry.type(description="The template uses placeholders its event does not offer. Nothing was saved.")
class UnknownPlaceholder:
    message: str = strawberry.field(description="Why, in words.")
    placeholders: list[str] = strawberry.field(description="The unknown placeholders.")
    allowed: list[str] = strawberry.field(description="The placeholders the event offers.")


@refusal_of(errors.InvalidTemplate)
@strawberry.type(
    description="The template is malformed: empty, a subject over one line or too long, or a lone brace. "
    "Nothing was saved."
)
class InvalidTemplate:
    message: str = strawberry.field(description="Why, in words.")


UpdateNotificationTemplateResult: TypeAlias = Annotated[
    NotificationTemplate | UnknownPlaceholder | InvalidTemplate,
    strawberry.union("UpdateNotificationTemplateResult", description="The saved template, or why it was refused."),
]
