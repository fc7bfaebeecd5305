"""Payments against an invoice: recorded by financial staff, or applied from the payment gateway's webhook
(resolvers/finance/gateway_webhook.py). Both lock the invoice row first, so two racing payments are
checked one after the other and together never exceed the invoice (a CHECK constraint backs it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlmodel import col

from auth import policies
from models.base import utcnow
from models.errors import Forbidden, NotFound, ValidationFailed
from models.finance.errors import PaymentExceedsBalance
from models.finance.tables import Invoice, InvoicePayment, InvoiceStatus
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event
from resolvers.finance.invoices import InvoiceView, view_of
from resolvers.request import RequestBundle

CLOCK_SKEW = timedelta(minutes=5)  # a payment dated a little ahead of our clock is still accepted


@dataclass(frozen=True)
class PaymentRecorded:
    invoice: InvoiceView
    payment: InvoicePayment


def check_amount(amount: Decimal, field: str = "amount") -> Decimal:
    try:
        valid = amount.is_finite() and amount > 0 and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        valid = False
    if not valid:
        raise ValidationFailed(f"{field} must be a positive amount with at most 2 decimal places", field=field)
    return amount.quantize(Decimal("0.01"))


def check_reference(reference: str, field: str = "reference") -> str:
    reference = reference.strip()
    if not 1 <= len(reference) <= 100:
        raise ValidationFailed(f"{field} must be 1 to 100 characters", field=field)
    return reference


def check_paid_at(paid_at: datetime, now: datetime, field: str = "paidAt") -> datetime:
    if paid_at.tzinfo is None or paid_at > now + CLOCK_SKEW:
        raise ValidationFailed(f"{field} must carry a time zone and not be in the future", field=field)
    return paid_at


async def locked_invoice(uow: SqlUnitOfWork, **where: str) -> Invoice:
    """The invoice by id or number, row-locked until the transaction ends."""
    statement = select(Invoice).with_for_update()
    for name, value in where.items():
        statement = statement.where(col(getattr(Invoice, name)) == value)
    invoice = (await uow.session.execute(statement)).scalar_one_or_none()
    if invoice is None:
        raise NotFound("No such invoice", entity="Invoice")
    return invoice


def apply_payment(
    uow: SqlUnitOfWork,
    invoice: Invoice,
    *,
    amount: Decimal,
    paid_at: datetime,
    reference: str,
    source: str,
    origin: Origin,
    gateway_event_id: str | None = None,
) -> InvoicePayment:
    """Add a payment to a locked invoice; more than is still owed is refused."""
    if invoice.status == InvoiceStatus.PAID or amount > invoice.outstanding:
        message = f"Invoice {invoice.number} has {invoice.outstanding} outstanding; {amount} would overpay it"
        raise PaymentExceedsBalance(message, outstanding=invoice.outstanding)
    payment = InvoicePayment(
        invoice_id=invoice.id,
        amount=amount,
        paid_at=paid_at,
        reference=reference,
        source=source,
        recorded_by=origin.actor,
        gateway_event_id=gateway_event_id,
    )
    invoice.apply_payment(amount, paid_at)
    uow.session.add(payment)
    payload = {
        "agency_id": invoice.agency_id,
        "number": invoice.number,
        "amount": str(amount),
        "amount_paid": str(invoice.amount_paid),
        "status": invoice.status,
        "source": source,
    }
    record_event(uow.session, origin, Event.INVOICE_PAYMENT_RECORDED, (Aggregate.INVOICE, invoice.id), payload)
    return payment


async def record_invoice_payment(
    call: RequestBundle,
    *,
    invoice_id: str,
    amount: Decimal,
    reference: str,
    paid_at: datetime | None = None,
    now: datetime | None = None,
) -> PaymentRecorded:
    """A financial employee records a (possibly partial) payment received for an invoice."""
    principal, now = call.caller, now or utcnow()
    if not policies.may_manage_invoices(principal):
        raise Forbidden("Payments are recorded by financial staff")
    amount, reference = check_amount(amount), check_reference(reference)
    paid_at = check_paid_at(paid_at or now, now)
    async with call.unit_of_work() as uow:
        invoice = await locked_invoice(uow, id=invoice_id)
        payment = apply_payment(
            uow, invoice, amount=amount, paid_at=paid_at, reference=reference, source="manual", origin=call.origin
        )
        view = await view_of(uow, invoice)
        await uow.commit()
        return PaymentRecorded(invoice=view, payment=payment)
