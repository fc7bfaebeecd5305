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
from graph.compiled import meta as sql
from graph.edge.permissions import IsAuthenticated, allow
from graph.edge.refusals import answer
from graph.launches.compiled import OCCUPANCY
from graph.launches.types import Launch, LaunchStatus
from models.launches.tables import Launch as LaunchRow
from resolvers.launches import occupancy
from resolvers.launches import reports as uc

PAID = "round(coalesce((SELECT sum(pp.amount) FROM payments pp WHERE pp.booking_id = {t}.id), 0), 2)"
REFUNDED = "round(coalesce((SELECT sum(pr.amount) FROM refunds pr WHERE pr.booking_id = {t}.id), 0), 2)"


@strawberry.type(description="One booking of a launch, as its agency and financial staff see it.")
class BookingReportLine:
    # Compiled reads: a line's row is a booking `{t}` joined to its traveler `{t}_tr` (LaunchOccupancy.bookings).
    booking_id: strawberry.ID = strawberry.field(description="Booking id.", metadata=sql.ident("{t}.id"))
    traveler_id: strawberry.ID = strawberry.field(description="Traveler id.", metadata=sql.ident("{t}.traveler_id"))
    traveler_name: str = strawberry.field(description="Traveler's name.", metadata=sql.text("{t}_tr.name"))
    traveler_email: str = strawberry.field(
        description="Traveler's contact email.", metadata=sql.text("{t}_tr.contact_email")
    )
    seats: int = strawberry.field(description="Seats booked.", metadata=sql.integer("{t}.seats"))
    status: str = strawberry.field(description="confirmed or canceled.", metadata=sql.text("{t}.status"))
    price_per_seat: Decimal = strawberry.field(
        description="Price per seat fixed at booking (USD).", metadata=sql.money("{t}.price_per_seat")
    )
    amount_paid: Decimal = strawberry.field(description="Paid through the gateway (USD).", metadata=sql.money(PAID))
    amount_refunded: Decimal = strawberry.field(description="Refunded (USD).", metadata=sql.money(REFUNDED))
    revenue: Decimal = strawberry.field(
        description="Kept by the launch: paid minus refunded (USD).",
        metadata=sql.money(f"round({PAID} - {REFUNDED}, 2)"),
    )
    booked_at: datetime = strawberry.field(
        description="When it was booked (UTC).", metadata=sql.timestamp("{t}.created_at")
    )
    canceled_at: datetime | None = strawberry.field(
        description="When it was canceled (UTC), if it was.", metadata=sql.timestamp("{t}.canceled_at")
    )
    seats_released: bool = strawberry.field(
        description="True when its seats went back on sale.", metadata=sql.boolean("{t}.seats_released")
    )

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
    # Compiled reads: the row `{t}` is the launch.
    launch: Launch = strawberry.field(description="The launch.", metadata=sql.same_row())
    seats_sold: int = strawberry.field(description="Seats sold.", metadata=sql.integer("{t}.seats_sold"))
    capacity: int = strawberry.field(description="Seats on board.", metadata=sql.integer("{t}.capacity"))
    occupancy_percent: Decimal = strawberry.field(
        description="Seats sold / capacity × 100, 2 decimals.",
        metadata=sql.money("round(CAST({t}.seats_sold AS numeric) * 100 / {t}.capacity, 2)"),
    )
    minimum_passengers: int = strawberry.field(
        description="Seats needed for the launch to be viable.", metadata=sql.integer("{t}.minimum_passengers")
    )
    viable: bool = strawberry.field(
        description="Seats sold reached the minimum passengers.",
        metadata=sql.boolean("{t}.seats_sold >= {t}.minimum_passengers"),
    )

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

    @strawberry.field(
        description="The launch's bookings, oldest first (batched across the page).",
        metadata=sql.to_many(
            "bookings {c} JOIN travelers {c}_tr ON {c}_tr.id = {c}.traveler_id",
            "{c}.launch_id = {t}.id",
            "{c}.created_at, {c}.id",
        ),
    )
    async def bookings(self, info: Info) -> list[BookingReportLine]:
        lines = await info.context.loaders.booking_lines.load(str(self.launch.id))
        return [BookingReportLine.from_line(line) for line in lines]


@strawberry.type(description="An edge of the occupancy list.")
class LaunchOccupancyEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this launch.", metadata=sql.cursor())
    node: LaunchOccupancy = strawberry.field(description="The launch and its occupancy.", metadata=sql.same_row())


@strawberry.type(description="A page of the agency's launches with their occupancy.")
class LaunchOccupancyConnection:
    edges: list[LaunchOccupancyEdge] = strawberry.field(description="The launches of this page.", metadata=sql.edges())
    page_info: PageInfo = strawberry.field(description="Where this page sits in the list.", metadata=sql.page_info())


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
        metadata=sql.connection(OCCUPANCY),
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
