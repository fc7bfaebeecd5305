"""Invoices to agencies, the payments against them, the per-year number counter and the gateway events
already applied."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Numeric
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, money, money_field, time_field


class InvoiceStatus(StrEnum):
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"  # never stored: a pending or partially paid invoice past its due date


class InvoiceKind(StrEnum):
    PLATFORM_FEE = "platform_fee"  # launched: a share of the launch's net revenue
    ABORT_FEE = "abort_fee"  # aborted: a flat fee


class Invoice(SQLModel, table=True):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="invoice_amount_not_negative"),
        CheckConstraint("amount_paid >= 0 AND amount_paid <= amount", name="invoice_never_overpaid"),
        CheckConstraint("status IN ('pending', 'partially_paid', 'paid')", name="invoice_status_known"),
        Index("invoices_issued", "issued_at", "id"),
        Index("invoices_agency_issued", "agency_id", "issued_at", "id"),
        Index("invoices_unpaid_due", "due_at", postgresql_where="status <> 'paid'"),
    )

    id: str = id_field()
    number: str = Field(max_length=20, unique=True)
    agency_id: str = Field(foreign_key="agencies.id", max_length=36)
    launch_id: str = Field(foreign_key="launches.id", max_length=36, unique=True)  # one invoice per launch
    kind: str = Field(max_length=20)
    amount: Decimal = money_field()
    amount_paid: Decimal = money_field(default=Decimal("0.00"))
    net_revenue: Decimal | None = money_field(default=None, nullable=True)  # the basis of a platform fee
    fee_rate: Decimal | None = Field(default=None, sa_type=Numeric(6, 4), nullable=True)  # type: ignore[call-overload]
    status: str = Field(default=InvoiceStatus.PENDING, max_length=20)
    issued_at: datetime = time_field()
    due_at: datetime = time_field()
    paid_at: datetime | None = time_field(default=None, nullable=True)
    last_reminder_at: datetime | None = time_field(default=None, nullable=True)
    issued_by: str | None = Field(default=None, max_length=100)  # None: issued by the launch's status move
    created_at: datetime = created_field()

    @property
    def outstanding(self) -> Decimal:
        return money(self.amount - self.amount_paid)

    def status_at(self, now: datetime) -> InvoiceStatus:
        """The status a reader sees: `overdue` once the due date passed and it is not fully paid."""
        if self.status != InvoiceStatus.PAID and now > self.due_at:
            return InvoiceStatus.OVERDUE
        return InvoiceStatus(self.status)

    def apply_payment(self, amount: Decimal, paid_at: datetime) -> None:
        """Add a payment already checked against the outstanding amount."""
        self.amount_paid = money(self.amount_paid + amount)
        if self.amount_paid >= self.amount:
            self.status, self.paid_at = InvoiceStatus.PAID, paid_at
        else:
            self.status = InvoiceStatus.PARTIALLY_PAID


class InvoicePayment(SQLModel, table=True):
    __tablename__ = "invoice_payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="invoice_payment_positive"),
        Index("invoice_payments_paid", "paid_at"),
    )

    id: str = id_field()
    invoice_id: str = Field(foreign_key="invoices.id", index=True, max_length=36)
    amount: Decimal = money_field()
    paid_at: datetime = time_field()
    reference: str = Field(max_length=100)
    source: str = Field(max_length=20)  # manual (a financial employee) or gateway (the webhook)
    recorded_by: str | None = Field(default=None, max_length=100)
    gateway_event_id: str | None = Field(default=None, max_length=100, unique=True)
    created_at: datetime = created_field()


class InvoiceCounter(SQLModel, table=True):
    """The last invoice number of a year. Taking a number updates this row in the issuing transaction, so a
    rollback gives the number back and concurrent issuers wait for each other: no gaps, no duplicates."""

    __tablename__ = "invoice_counters"

    year: int = Field(primary_key=True)
    last_number: int = 0
