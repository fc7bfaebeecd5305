"""Finance mutations: issueInvoice and recordInvoicePayment (financial staff)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.finance.results import (
    InvoiceIssued,
    InvoicePaymentRecorded,
    IssueInvoiceResult,
    RecordInvoicePaymentResult,
)
from graph.finance.types import Invoice, InvoicePayment
from resolvers.finance.issue_invoice import issue_invoice
from resolvers.finance.payments import PaymentRecorded, record_invoice_payment


def _view(recorded: PaymentRecorded) -> InvoicePaymentRecorded:
    invoice = Invoice.from_view(recorded.invoice)
    return InvoicePaymentRecorded(invoice=invoice, payment=InvoicePayment.from_row(recorded.payment))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Issue a launched (fee on net revenue: 1 %, 0.8 % for a reliable agency) or aborted "
        "(1,000 USD) launch's invoice by hand; the status move normally issues it. Financial staff only.",
        extensions=[allow(Role.FINANCIAL)],
    )
    async def issue_invoice(self, info: Info, launch_id: strawberry.ID) -> IssueInvoiceResult:
        issued = issue_invoice(info.context.bundle(info), launch_id=str(launch_id))
        return await answer(issued, lambda view: InvoiceIssued(invoice=Invoice.from_view(view)))

    @strawberry.mutation(
        description="Record a payment received against an invoice (partial payments allowed; more than is "
        "still owed is refused). `paidAt` defaults to now. Financial staff only.",
        extensions=[allow(Role.FINANCIAL)],
    )
    async def record_invoice_payment(
        self,
        info: Info,
        invoice_id: strawberry.ID,
        amount: Decimal,
        reference: str,
        paid_at: datetime | None = None,
    ) -> RecordInvoicePaymentResult:
        recorded = record_invoice_payment(
            info.context.bundle(info), invoice_id=str(invoice_id), amount=amount, reference=reference, paid_at=paid_at
        )
        return await answer(recorded, _view)
