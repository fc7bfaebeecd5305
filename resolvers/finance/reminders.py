"""Overdue reminders: each overdue invoice emits `invoice_overdue` (delivered to its agency by the
notifications worker) at most once every 7 days, however many workers run this at once.

Workers claim due invoices with FOR UPDATE SKIP LOCKED and stamp `last_reminder_at` in the same transaction
as the outbox event: a claimed invoice is invisible to the others, a stamped one no longer due."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import or_, select
from sqlmodel import col

from models.finance import fees
from models.finance.tables import Invoice, InvoiceStatus
from models.store.db import Database
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event

ORIGIN = Origin(operation="sendOverdueReminders", actor="system:reminders")
BATCH = 100


class HasDatabase(Protocol):
    db: Database


async def send_overdue_reminders(services: HasDatabase, *, now: datetime, batch: int = BATCH) -> int:
    """Emit the reminders due at `now`; returns how many this call sent."""
    sent = 0
    while True:
        claimed = await _remind_batch(services.db, now, batch)
        sent += claimed
        if claimed < batch:
            return sent


async def _remind_batch(db: Database, now: datetime, batch: int) -> int:
    statement = (
        select(Invoice)
        .where(
            col(Invoice.status) != InvoiceStatus.PAID,
            col(Invoice.due_at) < now,
            or_(col(Invoice.last_reminder_at).is_(None), col(Invoice.last_reminder_at) <= now - fees.REMINDER_INTERVAL),
        )
        .order_by(col(Invoice.due_at), col(Invoice.id))
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    async with db.unit_of_work() as uow:
        invoices = list((await uow.session.execute(statement)).scalars().all())
        for invoice in invoices:
            invoice.last_reminder_at = now
            payload = {
                "agency_id": invoice.agency_id,
                "number": invoice.number,
                "amount": str(invoice.amount),
                "outstanding": str(invoice.outstanding),
                "due_at": invoice.due_at.isoformat(),
                "days_overdue": (now - invoice.due_at).days,
            }
            record_event(uow.session, ORIGIN, Event.INVOICE_OVERDUE, (Aggregate.INVOICE, invoice.id), payload)
        await uow.commit()
        return len(invoices)
