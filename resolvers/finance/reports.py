"""Financial reports: the agency revenue report of a period and the platform's annual fee report.

Agency revenue report, per agency, for [start, end) of a month, a quarter or a year:
- launches: the agency's launches dated in the period (of them, launched and aborted);
- bookings revenue: net revenue of those launches (payments kept after refunds);
- fees invoiced: invoices issued in the period; fees paid: invoice payments dated in the period;
- reliable: at least 2 of its launches `launched` with a launch date before the period's end.

Annual report, per month and agency: fees paid (payments dated in the month), fees pending (what is still
owed on invoices issued in the month) and projected fees (the fee the agency's current rate would take on
the current net revenue of its not-final launches dated in the month; each launch's fee rounded)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from auth import policies
from models.base import money
from models.errors import Forbidden, ValidationFailed
from models.finance import fees
from models.store.db import SqlUnitOfWork
from resolvers.finance.invoices import readable_agency_id
from resolvers.request import RequestBundle

ZERO = Decimal("0.00")

LAUNCH_NET = """
    (SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN bookings b ON b.id = p.booking_id
      WHERE b.launch_id = l.id)
  - (SELECT coalesce(sum(r.amount), 0) FROM refunds r JOIN bookings b ON b.id = r.booking_id
      WHERE b.launch_id = l.id)
"""
AGENCY_LAUNCHES = text(f"""
SELECT l.agency_id, count(*) AS launches,
       count(*) FILTER (WHERE l.status = 'launched') AS launched,
       count(*) FILTER (WHERE l.status = 'aborted') AS aborted,
       coalesce(sum({LAUNCH_NET}), 0) AS revenue
FROM launches l WHERE l.launch_at >= :start AND l.launch_at < :end GROUP BY l.agency_id
""")  # noqa: S608 - constant fragments only; values are bound parameters
FEES_INVOICED = text(
    "SELECT agency_id, sum(amount) FROM invoices WHERE issued_at >= :start AND issued_at < :end GROUP BY agency_id"
)
FEES_PAID = text("""
SELECT i.agency_id, sum(ip.amount) FROM invoice_payments ip JOIN invoices i ON i.id = ip.invoice_id
WHERE ip.paid_at >= :start AND ip.paid_at < :end GROUP BY i.agency_id
""")
LAUNCHED_BEFORE = text(
    "SELECT agency_id, count(*) FROM launches WHERE status = 'launched' AND launch_at < :end GROUP BY agency_id"
)
AGENCIES = text("SELECT id, legal_name FROM agencies ORDER BY legal_name, id")

MONTH = "extract(month FROM {} AT TIME ZONE 'UTC')::int"
ANNUAL_PAID = text(f"""
SELECT i.agency_id, {MONTH.format("ip.paid_at")} AS month, sum(ip.amount)
FROM invoice_payments ip JOIN invoices i ON i.id = ip.invoice_id
WHERE ip.paid_at >= :start AND ip.paid_at < :end GROUP BY 1, 2
""")  # noqa: S608 - constant fragments only; values are bound parameters
ANNUAL_PENDING = text(f"""
SELECT agency_id, {MONTH.format("issued_at")} AS month, sum(amount - amount_paid)
FROM invoices WHERE issued_at >= :start AND issued_at < :end AND status <> 'paid' GROUP BY 1, 2
""")  # noqa: S608 - constant fragments only; values are bound parameters
ANNUAL_PROJECTED = text(f"""
SELECT l.agency_id, {MONTH.format("l.launch_at")} AS month, {LAUNCH_NET} AS revenue
FROM launches l
WHERE l.launch_at >= :start AND l.launch_at < :end AND l.status IN ('scheduled', 'confirmed', 'delayed')
""")  # noqa: S608 - constant fragments only; values are bound parameters
LAUNCHED_NOW = text("SELECT agency_id, count(*) FROM launches WHERE status = 'launched' GROUP BY agency_id")


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None
    quarter: int | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        try:
            return fees.period_bounds(self.year, month=self.month, quarter=self.quarter)
        except ValueError as error:
            raise ValidationFailed(str(error), field="period") from None

    @property
    def label(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        return f"{self.year}-Q{self.quarter}" if self.quarter is not None else str(self.year)


@dataclass(frozen=True)
class AgencyRevenue:
    agency_id: str
    agency_name: str
    launches: int
    launched: int
    aborted: int
    bookings_revenue: Decimal
    fees_invoiced: Decimal
    fees_paid: Decimal
    reliable: bool


@dataclass(frozen=True)
class RevenueReport:
    period: Period
    start: datetime
    end: datetime
    agencies: list[AgencyRevenue]


async def _by_agency(uow: SqlUnitOfWork, statement: Any, params: dict[str, Any]) -> dict[str, Any]:
    return {row[0]: row[1] for row in (await uow.session.execute(statement, params)).all()}


async def agency_revenue_report(call: RequestBundle, *, period: Period, agency_id: str | None = None) -> RevenueReport:
    start, end = period.bounds()
    params = {"start": start, "end": end}
    async with call.unit_of_work() as uow:
        only = await readable_agency_id(uow, call, agency_id)
        launches = {row.agency_id: row for row in (await uow.session.execute(AGENCY_LAUNCHES, params)).all()}
        invoiced = await _by_agency(uow, FEES_INVOICED, params)
        paid = await _by_agency(uow, FEES_PAID, params)
        launched_before = await _by_agency(uow, LAUNCHED_BEFORE, {"end": end})
        agencies = (await uow.session.execute(AGENCIES)).all()
    lines = []
    for agency in agencies:
        if only is not None and agency.id != only:
            continue
        row = launches.get(agency.id)
        lines.append(
            AgencyRevenue(
                agency_id=agency.id,
                agency_name=agency.legal_name,
                launches=row.launches if row else 0,
                launched=row.launched if row else 0,
                aborted=row.aborted if row else 0,
                bookings_revenue=money(row.revenue) if row else ZERO,
                fees_invoiced=money(invoiced.get(agency.id, ZERO)),
                fees_paid=money(paid.get(agency.id, ZERO)),
                reliable=fees.is_reliable(launched_before.get(agency.id, 0)),
            )
        )
    return RevenueReport(period=period, start=start, end=end, agencies=lines)


@dataclass(frozen=True)
class AnnualFigures:
    paid: Decimal = ZERO
    pending: Decimal = ZERO
    projected: Decimal = ZERO


@dataclass(frozen=True)
class AnnualLine:
    month: int
    agency_id: str
    agency_name: str
    figures: AnnualFigures


@dataclass(frozen=True)
class AnnualReport:
    year: int
    lines: list[AnnualLine]  # per month, then agency name; only agencies with a figure that month

    def month_totals(self) -> list[tuple[int, AnnualFigures]]:
        """Every month of the year, summed over agencies (zero for months without figures)."""
        totals = {month: [ZERO, ZERO, ZERO] for month in range(1, 13)}
        for line in self.lines:
            sums = totals[line.month]
            sums[0] += line.figures.paid
            sums[1] += line.figures.pending
            sums[2] += line.figures.projected
        return [(month, AnnualFigures(*(money(v) for v in sums))) for month, sums in totals.items()]


async def annual_report(call: RequestBundle, *, year: int) -> AnnualReport:
    if not policies.may_read_annual_report(call.caller):
        raise Forbidden("The annual report is for financial staff")
    try:
        start, end = fees.period_bounds(year)
    except ValueError as error:
        raise ValidationFailed(str(error), field="year") from None
    params = {"start": start, "end": end}
    figures: dict[tuple[int, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO])
    async with call.unit_of_work() as uow:
        for index, statement in enumerate((ANNUAL_PAID, ANNUAL_PENDING)):
            for agency, month, amount in (await uow.session.execute(statement, params)).all():
                figures[(month, agency)][index] += money(amount)
        launched = await _by_agency(uow, LAUNCHED_NOW, {})
        for agency, month, revenue in (await uow.session.execute(ANNUAL_PROJECTED, params)).all():
            rate = fees.fee_rate(launched.get(agency, 0))
            figures[(month, agency)][2] += fees.platform_fee(Decimal(revenue), rate)
        names = {row.id: row.legal_name for row in (await uow.session.execute(AGENCIES)).all()}
    lines = [
        AnnualLine(month, agency, names.get(agency, agency), AnnualFigures(*values))
        for (month, agency), values in figures.items()
        if any(values)
    ]
    lines.sort(key=lambda line: (line.month, line.agency_name, line.agency_id))
    return AnnualReport(year=year, lines=lines)


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def revenue_rows(report: RevenueReport) -> list[list[str]]:
    rows = [
        [
            "period",
            "agency_id",
            "agency_name",
            "launches",
            "launched",
            "aborted",
            "bookings_revenue",
            "fees_invoiced",
            "fees_paid",
            "reliable",
        ]
    ]
    for line in report.agencies:
        rows.append(
            [
                report.period.label,
                line.agency_id,
                _cell(line.agency_name),
                str(line.launches),
                str(line.launched),
                str(line.aborted),
                str(line.bookings_revenue),
                str(line.fees_invoiced),
                str(line.fees_paid),
                "yes" if line.reliable else "no",
            ]
        )
    return rows


def annual_rows(report: AnnualReport) -> list[list[str]]:
    rows = [["year", "month", "agency_id", "agency_name", "fees_paid", "fees_pending", "fees_projected"]]
    for line in report.lines:
        figures = line.figures
        rows.append(
            [
                str(report.year),
                str(line.month),
                line.agency_id,
                _cell(line.agency_name),
                str(figures.paid),
                str(figures.pending),
                str(figures.projected),
            ]
        )
    for month, totals in report.month_totals():
        rows.append(
            [str(report.year), str(month), "TOTAL", "", str(totals.paid), str(totals.pending), str(totals.projected)]
        )
    return rows
