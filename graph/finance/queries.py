"""Finance queries: invoice lists and details, the agency revenue report and the annual report."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry.relay import PageInfo
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import allow
from graph.edge.refusals import answer
from graph.finance.types import AnnualReport, Invoice, InvoiceStatus, PeriodInput, RevenueReport
from resolvers.finance import invoices as uc
from resolvers.finance import reports


@strawberry.enum(description="Order of the invoice list.")
class InvoiceSort(Enum):
    ISSUED_AT = "issued_at"
    DUE_AT = "due_at"
    AMOUNT = "amount"


@strawberry.input(description="Narrow the invoice list.")
class InvoiceFilter:
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="Only this agency's invoices.")
    statuses: list[InvoiceStatus] | None = strawberry.field(default=None, description="Only these statuses.")
    period: PeriodInput | None = strawberry.field(default=None, description="Issued in this month/quarter/year.")
    issued_from: datetime | None = strawberry.field(default=None, description="Issued at or after.")
    issued_to: datetime | None = strawberry.field(default=None, description="Issued before.")


@strawberry.type(description="An edge of the invoice list.")
class InvoiceEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this invoice.")
    node: Invoice = strawberry.field(description="The invoice.")


@strawberry.type(description="A page of invoices.")
class InvoiceConnection:
    edges: list[InvoiceEdge] = strawberry.field(description="The invoices of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")


def connection(page: uc.InvoicePage) -> InvoiceConnection:
    edges = [InvoiceEdge(cursor=page.cursor(view.invoice), node=Invoice.from_view(view)) for view in page.invoices]
    info = PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return InvoiceConnection(edges=edges, page_info=info)


def invoice_query(
    filter: InvoiceFilter, sort: InvoiceSort, descending: bool, first: int, after: str | None
) -> uc.InvoiceQuery:
    issued_from, issued_to = filter.issued_from, filter.issued_to
    if filter.period is not None:
        issued_from, issued_to = filter.period.to_period().bounds()
    return uc.InvoiceQuery(
        agency_id=str(filter.agency_id) if filter.agency_id else None,
        statuses=tuple(status.value for status in filter.statuses or ()),
        issued_from=issued_from,
        issued_to=issued_to,
        sort=sort.value,
        descending=descending,
        first=first,
        after=after,
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="Invoices, filtered by agency, status and issue period, sorted, paginated with "
        "`first`/`after`. Financial staff see every agency's; an agency sees its own.",
        extensions=[allow(Role.FINANCIAL, Role.AGENCY)],
    )
    async def invoices(
        self,
        info: Info,
        filter: InvoiceFilter | None = None,
        sort: InvoiceSort = InvoiceSort.ISSUED_AT,
        descending: bool = True,
        first: int = 20,
        after: str | None = None,
    ) -> InvoiceConnection:
        query = invoice_query(filter or InvoiceFilter(), sort, descending, first, after)
        return await answer(uc.list_invoices(info.context.bundle(info), query=query), connection)

    @strawberry.field(
        description="One invoice with its payments. Financial staff, and the invoiced agency.",
        extensions=[allow(Role.FINANCIAL, Role.AGENCY)],
    )
    async def invoice(self, info: Info, id: strawberry.ID) -> Invoice:
        return await answer(uc.invoice_details(info.context.bundle(info), invoice_id=str(id)), Invoice.from_view)

    @strawberry.field(
        description="Launches, bookings revenue, fees invoiced and paid, and reliability per agency for a month, "
        "quarter or year. Financial staff (all agencies, or `agencyId`); an agency its own. Also as CSV: "
        "GET /reports/revenue.csv?year=&quarter=|month=&agencyId=.",
        extensions=[allow(Role.FINANCIAL, Role.AGENCY)],
    )
    async def agency_revenue_report(
        self, info: Info, period: PeriodInput, agency_id: strawberry.ID | None = None
    ) -> RevenueReport:
        report = reports.agency_revenue_report(
            info.context.bundle(info), period=period.to_period(), agency_id=str(agency_id) if agency_id else None
        )
        return await answer(report, RevenueReport.from_report)

    @strawberry.field(
        description="Fees paid, pending and projected per month and agency. Financial staff only. Also as "
        "GET /reports/annual/{year}.csv, .svg and .png.",
        extensions=[allow(Role.FINANCIAL)],
    )
    async def annual_report(self, info: Info, year: int) -> AnnualReport:
        return await answer(reports.annual_report(info.context.bundle(info), year=year), AnnualReport.from_report)
