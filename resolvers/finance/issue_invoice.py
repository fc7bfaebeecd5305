"""Issuing invoices: automatically inside a launch's move to `launched` or `aborted` (move_launch.py calls
`issue_launch_invoice` in its own transaction), or by hand by a financial employee.

Numbers come from a per-year counter row updated in the issuing transaction (UPDATE ... RETURNING): a
rollback gives the number back and concurrent issuers queue on the row, so numbers have no gaps. A
sequence would not do: a rolled-back nextval() is lost.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth import policies
from models.base import money, utcnow
from models.bookings.tables import Booking, Payment, Refund
from models.errors import Forbidden, NotFound
from models.finance import fees
from models.finance.errors import InvoiceAlreadyIssued, LaunchNotInvoiceable
from models.finance.tables import Invoice, InvoiceKind, InvoiceStatus
from models.launches.tables import Launch, LaunchStatus
from models.store.db import SqlUnitOfWork
from models.sync.events import Aggregate, Event
from models.sync.outbox import Origin, record_event
from resolvers.finance.invoices import InvoiceView, view_of
from resolvers.request import RequestBundle

NEXT_NUMBER = text(
    "INSERT INTO invoice_counters (year, last_number) VALUES (:year, 1) "
    "ON CONFLICT (year) DO UPDATE SET last_number = invoice_counters.last_number + 1 "
    "RETURNING last_number"
)


async def next_invoice_number(session: AsyncSession, year: int) -> str:
    """Take the year's next number; the counter row stays locked until the transaction ends."""
    sequence = (await session.execute(NEXT_NUMBER, {"year": year})).scalar_one()
    return fees.invoice_number(year, sequence)


async def net_revenue(session: AsyncSession, launch_id: str) -> Decimal:
    """What the launch kept: every payment of its bookings minus every refund (a cancellation without
    refund keeps its payment; an aborted launch refunded everything)."""
    paid = select(func.coalesce(func.sum(col(Payment.amount)), 0)).join(Booking, col(Booking.id) == Payment.booking_id)
    refunded = select(func.coalesce(func.sum(col(Refund.amount)), 0)).join(
        Booking, col(Booking.id) == Refund.booking_id
    )
    total_paid = (await session.execute(paid.where(col(Booking.launch_id) == launch_id))).scalar_one()
    total_refunded = (await session.execute(refunded.where(col(Booking.launch_id) == launch_id))).scalar_one()
    return money(Decimal(total_paid) - Decimal(total_refunded))


async def earlier_launched(session: AsyncSession, agency_id: str, launch_id: str) -> int:
    """The agency's other launches already `launched`."""
    statement = select(func.count()).where(
        col(Launch.agency_id) == agency_id, col(Launch.status) == LaunchStatus.LAUNCHED, col(Launch.id) != launch_id
    )
    return int((await session.execute(statement)).scalar_one())


async def issue_launch_invoice(
    uow: SqlUnitOfWork, *, launch: Launch, origin: Origin, now: datetime, issued_by: str | None = None
) -> Invoice:
    """Issue the invoice a final launch owes, inside the caller's transaction (never commits)."""
    session = uow.session
    basis: tuple[Decimal | None, Decimal | None] = (None, None)
    if launch.status == LaunchStatus.LAUNCHED:
        revenue = await net_revenue(session, launch.id)
        rate = fees.fee_rate(await earlier_launched(session, launch.agency_id, launch.id))
        kind, amount, basis = InvoiceKind.PLATFORM_FEE, fees.platform_fee(revenue, rate), (revenue, rate)
    elif launch.status == LaunchStatus.ABORTED:
        kind, amount = InvoiceKind.ABORT_FEE, fees.ABORT_FEE
    else:
        raise LaunchNotInvoiceable(f"A {launch.status} launch owes no invoice", status=launch.status)
    invoice = Invoice(
        number=await next_invoice_number(session, now.year),
        agency_id=launch.agency_id,
        launch_id=launch.id,
        kind=kind,
        amount=amount,
        net_revenue=basis[0],
        fee_rate=basis[1],
        issued_at=now,
        due_at=fees.due_at(now),
        issued_by=issued_by,
    )
    if amount == 0:  # nothing to collect (a launch with no revenue): settled at issue
        invoice.status, invoice.paid_at = InvoiceStatus.PAID, now
    session.add(invoice)
    try:
        await session.flush()
    except IntegrityError:
        raise InvoiceAlreadyIssued("This launch already has an invoice", invoice_number=None) from None
    record_event(session, origin, Event.INVOICE_ISSUED, (Aggregate.INVOICE, invoice.id), invoice_payload(invoice))
    return invoice


def invoice_payload(invoice: Invoice) -> dict[str, object]:
    return {
        "agency_id": invoice.agency_id,
        "launch_id": invoice.launch_id,
        "number": invoice.number,
        "kind": invoice.kind,
        "amount": str(invoice.amount),
        "amount_paid": str(invoice.amount_paid),
        "issued_at": invoice.issued_at.isoformat(),
        "due_at": invoice.due_at.isoformat(),
    }


async def issue_invoice(call: RequestBundle, *, launch_id: str, now: datetime | None = None) -> InvoiceView:
    """A financial employee issues a final launch's invoice by hand; a launch already invoiced is refused."""
    principal, now = call.caller, now or utcnow()
    if not policies.may_manage_invoices(principal):
        raise Forbidden("Invoices are issued by financial staff")
    async with call.unit_of_work() as uow:
        statement = select(Launch).where(col(Launch.id) == launch_id).with_for_update()
        launch = (await uow.session.execute(statement)).scalar_one_or_none()
        if launch is None:
            raise NotFound("No such launch", entity="Launch")
        existing = (await uow.session.execute(select(Invoice).where(col(Invoice.launch_id) == launch_id))).scalars()
        found = existing.first()
        if found is not None:
            raise InvoiceAlreadyIssued(f"Launch already invoiced as {found.number}", invoice_number=found.number)
        actor = call.origin.actor or principal.id
        invoice = await issue_launch_invoice(uow, launch=launch, origin=call.origin, now=now, issued_by=actor)
        view = await view_of(uow, invoice)
        await uow.commit()
        return view
