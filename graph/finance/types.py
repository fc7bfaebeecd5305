"""Invoices, their payments and the financial reports as GraphQL types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from models.base import utcnow
from models.finance.tables import InvoicePayment as PaymentRow
from resolvers.finance import reports as uc
from resolvers.finance.invoices import InvoiceView


@strawberry.enum(description="Where an invoice stands. OVERDUE: past its due date and not fully paid.")
class InvoiceStatus(Enum):
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"


@strawberry.enum(description="What an invoice charges for.")
class InvoiceKind(Enum):
    PLATFORM_FEE = "platform_fee"
    ABORT_FEE = "abort_fee"


@strawberry.type(description="A payment received against an invoice.")
class InvoicePayment:
    id: strawberry.ID = strawberry.field(description="Payment id.")
    amount: Decimal = strawberry.field(description="Amount paid (USD).")
    paid_at: datetime = strawberry.field(description="When it was paid (UTC).")
    reference: str = strawberry.field(description="Bank or gateway reference.")
    source: str = strawberry.field(description="manual (recorded by financial staff) or gateway (webhook).")

    @classmethod
    def from_row(cls, row: PaymentRow) -> InvoicePayment:
        return cls(
            id=strawberry.ID(row.id), amount=row.amount, paid_at=row.paid_at, reference=row.reference, source=row.source
        )


@strawberry.type(description="An invoice from AstroBookings to an agency for one launch.")
class Invoice:
    id: strawberry.ID = strawberry.field(description="Invoice id.")
    number: str = strawberry.field(description="INV-YYYY-NNNNN, consecutive within the year.")
    agency_id: strawberry.ID = strawberry.field(description="The invoiced agency.")
    agency_name: str = strawberry.field(description="The agency's legal name.")
    launch_id: strawberry.ID = strawberry.field(description="The launch invoiced.")
    mission_name: str = strawberry.field(description="The launch's mission name.")
    kind: InvoiceKind = strawberry.field(description="Platform fee (launched) or abort fee (aborted).")
    amount: Decimal = strawberry.field(description="Amount due (USD).")
    amount_paid: Decimal = strawberry.field(description="Paid so far (USD).")
    outstanding: Decimal = strawberry.field(description="Still owed (USD).")
    net_revenue: Decimal | None = strawberry.field(description="Platform fee basis: the launch's net revenue.")
    fee_rate: Decimal | None = strawberry.field(description="Platform fee rate (0.01 new agency, 0.008 reliable).")
    status: InvoiceStatus = strawberry.field(description="Status now (OVERDUE once due and not fully paid).")
    issued_at: datetime = strawberry.field(description="When it was issued (UTC).")
    due_at: datetime = strawberry.field(description="Due date: 30 days after issue (UTC).")
    paid_at: datetime | None = strawberry.field(description="When it was fully paid (UTC).")
    last_reminder_at: datetime | None = strawberry.field(description="Last overdue reminder sent (UTC).")
    payments: list[InvoicePayment] = strawberry.field(
        description="Payments received, oldest first (filled on `invoice(id:)`, empty in lists)."
    )

    @classmethod
    def from_view(cls, view: InvoiceView, now: datetime | None = None) -> Invoice:
        row = view.invoice
        return cls(
            id=strawberry.ID(row.id),
            number=row.number,
            agency_id=strawberry.ID(row.agency_id),
            agency_name=view.agency_name,
            launch_id=strawberry.ID(row.launch_id),
            mission_name=view.mission_name,
            kind=InvoiceKind(row.kind),
            amount=row.amount,
            amount_paid=row.amount_paid,
            outstanding=row.outstanding,
            net_revenue=row.net_revenue,
            fee_rate=row.fee_rate,
            status=InvoiceStatus(row.status_at(now or utcnow()).value),
            issued_at=row.issued_at,
            due_at=row.due_at,
            paid_at=row.paid_at,
            last_reminder_at=row.last_reminder_at,
            payments=[InvoicePayment.from_row(p) for p in view.payments],
        )


@strawberry.input(description="A month, a quarter or a whole year (give at most one of month and quarter).")
class PeriodInput:
    year: int = strawberry.field(description="Calendar year (UTC).")
    month: int | None = strawberry.field(default=None, description="1 to 12.")
    quarter: int | None = strawberry.field(default=None, description="1 to 4.")

    def to_period(self) -> uc.Period:
        return uc.Period(year=self.year, month=self.month, quarter=self.quarter)


@strawberry.type(description="One agency's figures for a period.")
class AgencyRevenue:
    agency_id: strawberry.ID = strawberry.field(description="Agency id.")
    agency_name: str = strawberry.field(description="Agency legal name.")
    launches: int = strawberry.field(description="Its launches dated in the period.")
    launched: int = strawberry.field(description="Of them, launched.")
    aborted: int = strawberry.field(description="Of them, aborted.")
    bookings_revenue: Decimal = strawberry.field(description="Net revenue of those launches (USD).")
    fees_invoiced: Decimal = strawberry.field(description="Invoices issued in the period (USD).")
    fees_paid: Decimal = strawberry.field(description="Invoice payments dated in the period (USD).")
    reliable: bool = strawberry.field(description="At least 2 launches launched before the period's end.")


@strawberry.type(description="Agency revenue report of a period.")
class RevenueReport:
    period: str = strawberry.field(description="2026, 2026-Q3 or 2026-07.")
    start: datetime = strawberry.field(description="Period start (UTC, inclusive).")
    end: datetime = strawberry.field(description="Period end (UTC, exclusive).")
    agencies: list[AgencyRevenue] = strawberry.field(description="One line per agency, by name.")

    @classmethod
    def from_report(cls, report: uc.RevenueReport) -> RevenueReport:
        lines = [
            AgencyRevenue(**{**vars(line), "agency_id": strawberry.ID(line.agency_id)}) for line in report.agencies
        ]
        return cls(period=report.period.label, start=report.start, end=report.end, agencies=lines)


@strawberry.type(description="Fees of a month (for one agency, or all of them).")
class AnnualFigures:
    paid: Decimal = strawberry.field(description="Fees paid: invoice payments dated in the month (USD).")
    pending: Decimal = strawberry.field(description="Still owed on invoices issued in the month (USD).")
    projected: Decimal = strawberry.field(
        description="Fees projected from not-final launches dated in the month, on their current sales (USD)."
    )

    @classmethod
    def of(cls, figures: uc.AnnualFigures) -> AnnualFigures:
        return cls(paid=figures.paid, pending=figures.pending, projected=figures.projected)


@strawberry.type(description="One agency's fees in one month.")
class AnnualAgencyLine:
    agency_id: strawberry.ID = strawberry.field(description="Agency id.")
    agency_name: str = strawberry.field(description="Agency legal name.")
    figures: AnnualFigures = strawberry.field(description="Its fees that month.")


@strawberry.type(description="One month of the annual report.")
class AnnualMonth:
    month: int = strawberry.field(description="1 to 12.")
    totals: AnnualFigures = strawberry.field(description="Summed over agencies.")
    agencies: list[AnnualAgencyLine] = strawberry.field(description="Agencies with a figure that month.")


@strawberry.type(description="Platform fees of a year per month and agency. Chart: GET /reports/annual/{year}.svg|png.")
class AnnualReport:
    year: int = strawberry.field(description="The year.")
    months: list[AnnualMonth] = strawberry.field(description="Twelve months, January first.")

    @classmethod
    def from_report(cls, report: uc.AnnualReport) -> AnnualReport:
        months = []
        for month, totals in report.month_totals():
            lines = [
                AnnualAgencyLine(
                    agency_id=strawberry.ID(line.agency_id),
                    agency_name=line.agency_name,
                    figures=AnnualFigures.of(line.figures),
                )
                for line in report.lines
                if line.month == month
            ]
            months.append(AnnualMonth(month=month, totals=AnnualFigures.of(totals), agencies=lines))
        return cls(year=report.year, months=months)
