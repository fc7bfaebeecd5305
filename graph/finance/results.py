"""Result unions of the finance mutations: the outcome, or the refusal named after its condition."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, TypeAlias

import strawberry

from graph.edge.refusals import refusal_of
from graph.finance.types import Invoice, InvoicePayment
from models.finance import errors as refusals


@strawberry.interface(description="Why a financial operation was refused. Nothing was changed.")
class FinanceRefusal:
    message: str = strawberry.field(description="Why, in words.")


@strawberry.type(description="The invoice is issued.")
class InvoiceIssued:
    invoice: Invoice = strawberry.field(description="The new invoice.")


@strawberry.type(description="The payment is recorded.")
class InvoicePaymentRecorded:
    invoice: Invoice = strawberry.field(description="The invoice after the payment.")
    payment: InvoicePayment = strawberry.field(description="The payment recorded.")


@refusal_of(
    refusals.InvoiceAlreadyIssued,
    lambda e: InvoiceAlreadyIssued(message=e.message, invoice_number=e.invoice_number),
)
@strawberry.type(description="The launch already has its invoice (never two for one launch).")
class InvoiceAlreadyIssued(FinanceRefusal):
    invoice_number: str | None = strawberry.field(description="The existing invoice's number.")


@refusal_of(refusals.LaunchNotInvoiceable, lambda e: LaunchNotInvoiceable(message=e.message, launch_status=e.status))
@strawberry.type(description="Only launched (platform fee) and aborted (flat fee) launches are invoiced.")
class LaunchNotInvoiceable(FinanceRefusal):
    launch_status: str = strawberry.field(description="The launch's current status.")


@refusal_of(
    refusals.PaymentExceedsBalance,
    lambda e: PaymentExceedsBalance(message=e.message, outstanding=e.outstanding),
)
@strawberry.type(description="The payment is larger than what is still owed: overpayment is refused.")
class PaymentExceedsBalance(FinanceRefusal):
    outstanding: Decimal = strawberry.field(description="What is still owed on the invoice (USD).")


IssueInvoiceResult: TypeAlias = Annotated[
    InvoiceIssued | InvoiceAlreadyIssued | LaunchNotInvoiceable,
    strawberry.union("IssueInvoiceResult", description="The invoice, or why it was not issued."),
]

RecordInvoicePaymentResult: TypeAlias = Annotated[
    InvoicePaymentRecorded | PaymentExceedsBalance,
    strawberry.union("RecordInvoicePaymentResult", description="The payment, or why it was refused."),
]
