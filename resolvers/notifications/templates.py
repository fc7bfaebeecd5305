"""Notification templates: the stored text of an event, or its built-in default; IT lists and edits them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from models.base import utcnow
from models.notifications.tables import NotificationTemplate
from models.notifications.templates import DEFAULTS, EVENTS, PLACEHOLDERS, Template, allowed_placeholders, validate
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.notifications.inbox import require_it
from resolvers.request import RequestBundle


@dataclass(frozen=True)
class TemplateView:
    event: str
    subject: str
    body: str
    placeholders: tuple[str, ...]
    updated_at: datetime | None
    updated_by: str | None


async def template_for(session: AsyncSession, event: str) -> Template:
    """The stored template of `event`; the built-in default when none is stored."""
    row = await session.get(NotificationTemplate, event)
    return Template(row.subject, row.body) if row else DEFAULTS[event]


async def list_templates(call: RequestBundle) -> list[TemplateView]:
    """Every event's template, in the order of DOMAIN.md (IT only: the edge checks the role)."""
    require_it(call)
    async with call.db.read() as session:
        stored = {row.event: row for row in (await session.execute(select(NotificationTemplate))).scalars()}
    return [_view(event, stored.get(event)) for event in EVENTS]


async def update_template(call: RequestBundle, *, event: str, subject: str, body: str) -> TemplateView:
    """Replace an event's template after validating it (UnknownPlaceholder, InvalidTemplate, UnknownEvent)."""
    require_it(call)
    allowed_placeholders(event)
    checked = validate(event, subject, body)
    actor = call.caller.id
    async with call.unit_of_work() as uow:
        values = {"subject": checked.subject, "body": checked.body, "updated_at": utcnow(), "updated_by": actor}
        statement = insert(NotificationTemplate).values(event=event, **values)
        await uow.session.execute(statement.on_conflict_do_update(index_elements=["event"], set_=values))
        payload = {"event": event, "subject": checked.subject}
        aggregate = (Aggregate.NOTIFICATION_TEMPLATE, event)
        record_event(uow.session, call.origin, Event.NOTIFICATION_TEMPLATE_UPDATED, aggregate, payload)
        await uow.commit()
    return TemplateView(event, checked.subject, checked.body, PLACEHOLDERS[event], values["updated_at"], actor)  # type: ignore[arg-type]


def _view(event: str, row: NotificationTemplate | None) -> TemplateView:
    if row is None:
        default = DEFAULTS[event]
        return TemplateView(event, default.subject, default.body, PLACEHOLDERS[event], None, None)
    return TemplateView(event, row.subject, row.body, PLACEHOLDERS[event], row.updated_at, row.updated_by)
