"""Agency read models over GraphQL: the occupancy view (Relay-style connection, keyset cursors) and the
booking report of a launch (also served as CSV by graph/launches/csv.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.relay import PageInfo
from strawberry.types import Info

from auth.principal import Role
from graph.edge.permissions import IsAuthenticated, allow
from graph.edge.refusals import answer
from graph.launches.types import Launch, LaunchStatus
from models.launches.tables import Launch as LaunchRow
from resolvers.launches import occupancy
from resolvers.launches import reports as uc


@strawberry.type(description="One booking of a launch, as its agency and financial staff see it.")
class BookingReportLine:
    booking_id: strawberry.ID = strawberry.field(description="Booking id.")
    traveler_id: strawberry.ID = strawberry.field(description="Traveler id.")
    traveler_name: str = strawberry.field(description="Traveler's name.")
    traveler_email: str = strawberry.field(description="Traveler's contact email.")
    seats: int = strawberry.field(description="Seats booked.")
    status: str = strawberry.field(description="confirmed or canceled.")
    price_per_seat: Decimal = strawberry.field(description="Price per seat fixed at booking (USD).")
    amount_paid: Decimal = strawberry.field(description="Paid through the gateway (USD).")
    amount_refunded: Decimal = strawberry.field(description="Refunded (USD).")
    revenue: Decimal = strawberry.field(description="Kept by the launch: paid minus refunded (USD).")
    booked_at: datetime = strawberry.field(description="When it was booked (UTC).")
    canceled_at: datetime | None = strawberry.field(description="When it was canceled (UTC), if it was.")
    seats_released: bool = strawberry.field(description="True when its seats went back on sale.")

    @classmethod
    def from_line(cls, line: uc.BookingLine) -> BookingReportLine:
        fields = {name: getattr(line, name) for name in cls.__annotations__}
        return cls(**fields)


@strawberry.type(description="Bookings, refunds and revenue of one launch.")
class BookingReport:
    launch: Launch = strawberry.field(description="The launch.")
    lines: list[BookingReportLine] = strawberry.field(description="Every booking, oldest first.")
    seats_sold: int = strawberry.field(description="Seats sold (seats kept by no-refund cancellations included).")
    active_bookings: int = strawberry.field(description="Bookings not canceled.")
    amount_paid: Decimal = strawberry.field(description="Total paid (USD).")
    amount_refunded: Decimal = strawberry.field(description="Total refunded (USD).")
    revenue: Decimal = strawberry.field(description="Net revenue: paid minus refunded (USD).")


@strawberry.type(description="A launch with its occupancy figures, for its agency.")
class LaunchOccupancy:
    launch: Launch = strawberry.field(description="The launch.")
    seats_sold: int = strawberry.field(description="Seats sold.")
    capacity: int = strawberry.field(description="Seats on board.")
    occupancy_percent: Decimal = strawberry.field(description="Seats sold / capacity × 100, 2 decimals.")
    minimum_passengers: int = strawberry.field(description="Seats needed for the launch to be viable.")
    viable: bool = strawberry.field(description="Seats sold reached the minimum passengers.")

    @classmethod
    def from_row(cls, row: LaunchRow) -> LaunchOccupancy:
        return cls(
            launch=Launch.from_row(row),
            seats_sold=row.seats_sold,
            capacity=row.capacity,
            occupancy_percent=occupancy.occupancy_percent(row),
            minimum_passengers=row.minimum_passengers,
            viable=row.is_viable,
        )

    @strawberry.field(description="The launch's bookings, oldest first (batched across the page).")
    async def bookings(self, info: Info) -> list[BookingReportLine]:
        lines = await info.context.loaders.booking_lines.load(str(self.launch.id))
        return [BookingReportLine.from_line(line) for line in lines]


@strawberry.type(description="An edge of the occupancy list.")
class LaunchOccupancyEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this launch.")
    node: LaunchOccupancy = strawberry.field(description="The launch and its occupancy.")


@strawberry.type(description="A page of the agency's launches with their occupancy.")
class LaunchOccupancyConnection:
    edges: list[LaunchOccupancyEdge] = strawberry.field(description="The launches of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.")


@strawberry.enum(description="Order of the occupancy list.")
class OccupancySort(Enum):
    DATE = "date"
    OCCUPANCY = "occupancy"


@strawberry.input(description="Narrow the occupancy list.")
class OccupancyFilter:
    statuses: list[LaunchStatus] | None = strawberry.field(default=None, description="Only these statuses.")
    launch_from: datetime | None = strawberry.field(default=None, description="Launch date at or after.")
    launch_to: datetime | None = strawberry.field(default=None, description="Launch date at or before.")


def connection(page: occupancy.Page, sort: str) -> LaunchOccupancyConnection:
    edges = [
        LaunchOccupancyEdge(cursor=page.cursor(row, sort), node=LaunchOccupancy.from_row(row)) for row in page.launches
    ]
    info = PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return LaunchOccupancyConnection(edges=edges, page_info=info)


def as_report(report: uc.BookingReport) -> BookingReport:
    return BookingReport(
        launch=Launch.from_row(report.launch),
        lines=[BookingReportLine.from_line(line) for line in report.lines],
        seats_sold=report.seats_sold,
        active_bookings=report.active_bookings,
        amount_paid=report.amount_paid,
        amount_refunded=report.amount_refunded,
        revenue=report.revenue,
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="The calling agency's launches with seats sold, occupancy and viability; filter by status "
        "and date range, sort by date or occupancy, paginate with `first`/`after`. Agency users only.",
        extensions=[allow(Role.AGENCY)],
    )
    async def my_launches(
        self,
        info: Info,
        filter: OccupancyFilter | None = None,
        sort: OccupancySort = OccupancySort.DATE,
        descending: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> LaunchOccupancyConnection:
        filter = filter or OccupancyFilter()
        query = occupancy.OccupancyQuery(
            statuses=tuple(status.value for status in filter.statuses or ()),
            launch_from=filter.launch_from,
            launch_to=filter.launch_to,
            sort=sort.value,
            descending=descending,
            first=first,
            after=after,
        )
        page = occupancy.launch_occupancy(info.context.bundle(info), query=query)
        return await answer(page, lambda found: connection(found, sort.value))

    @strawberry.field(
        description="Bookings, refunds and revenue of a launch: for its agency and financial staff. "
        "Also as CSV: GET /reports/launches/{id}/bookings.csv with the same bearer token.",
        permission_classes=[IsAuthenticated],
    )
    async def launch_booking_report(self, info: Info, launch_id: strawberry.ID) -> BookingReport:
        report = uc.booking_report(info.context.bundle(info), launch_id=str(launch_id))
        return await answer(report, as_report)
