"""Refused financial operations, named after their condition."""

from __future__ import annotations

from decimal import Decimal

from models.errors import Conflict, ValidationFailed


class InvoiceAlreadyIssued(Conflict):
    """A launch has at most one invoice (a unique constraint on invoices.launch_id stands behind this)."""

    def __init__(self, message: str, *, invoice_number: str | None) -> None:
        super().__init__(message, invoiceNumber=invoice_number)
        self.invoice_number = invoice_number


class LaunchNotInvoiceable(Conflict):
    """Only a `launched` (platform fee) or `aborted` (flat fee) launch is invoiced."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message, launchStatus=status)
        self.status = status


class PaymentExceedsBalance(Conflict):
    """A payment larger than what is still owed on the invoice (overpayment is refused)."""

    def __init__(self, message: str, *, outstanding: Decimal) -> None:
        super().__init__(message, outstanding=str(outstanding))
        self.outstanding = outstanding


class WebhookRefused(ValidationFailed):
    """A gateway call that is not signed right, is too old or cannot be read: answered 400, nothing written."""
