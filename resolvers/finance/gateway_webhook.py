"""Payments the gateway reports on POST /webhooks/payments: verified, then applied once per gateway event.

Nothing is read or written before the signature and the payload check out. A redelivered event (same
`eventId`) is answered as a duplicate and changes nothing: the invoice row lock orders concurrent
deliveries, and a unique index on the event id stands behind it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from models.errors import ValidationFailed
from models.finance import webhook
from models.finance.errors import WebhookRefused
from models.finance.tables import InvoicePayment
from resolvers.finance.payments import apply_payment, check_amount, check_paid_at, check_reference, locked_invoice
from resolvers.request import RequestBundle


async def receive_gateway_payment(
    call: RequestBundle,
    *,
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance: int = webhook.TOLERANCE_SECONDS,
) -> str:
    """`applied` or `duplicate`; WebhookRefused (400) for a bad call, NotFound / PaymentExceedsBalance
    for a good call that cannot apply."""
    webhook.verify(secret, timestamp=timestamp, signature=signature, body=body, now=now, tolerance=tolerance)
    event = webhook.parse(body)
    try:
        amount, reference = check_amount(event.amount), check_reference(event.reference)
        paid_at = check_paid_at(event.paid_at or now, now)
    except ValidationFailed as error:
        raise WebhookRefused(f"Malformed payment event: {error.message}", field="body") from None
    async with call.unit_of_work() as uow:
        invoice = await locked_invoice(uow, number=event.invoice_number)
        seen = select(col(InvoicePayment.id)).where(col(InvoicePayment.gateway_event_id) == event.event_id)
        if (await uow.session.execute(seen)).first() is not None:
            return "duplicate"
        apply_payment(
            uow,
            invoice,
            amount=amount,
            paid_at=paid_at,
            reference=reference,
            source="gateway",
            origin=call.origin,
            gateway_event_id=event.event_id,
        )
        try:
            await uow.commit()
        except IntegrityError:  # the same event applied to another invoice number meanwhile
            return "duplicate"
        return "applied"
