"""The booking report of a launch: its bookings, refunds and revenue (occupancy.py holds the occupancy view).

The booking report is one use case for the GraphQL field and the CSV export, so both authorize alike:
the launch's own agency and `financial` employees; anyone else is FORBIDDEN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from auth import policies
from auth.principal import Principal
from models.base import money
from models.bookings.tables import Booking, BookingStatus, Payment, Refund
from models.errors import Forbidden, NotFound
from models.launches.tables import Launch
from models.store.db import Database, SqlUnitOfWork
from models.travelers.tables import Traveler
from resolvers.agencies.profiles import find_agency
from resolvers.request import RequestBundle


@dataclass(frozen=True)
class BookingLine:
    booking_id: str
    launch_id: str
    traveler_id: str
    traveler_name: str
    traveler_email: str
    seats: int
    status: str
    price_per_seat: Decimal
    amount_paid: Decimal
    amount_refunded: Decimal
    booked_at: datetime
    canceled_at: datetime | None
    seats_released: bool

    @property
    def revenue(self) -> Decimal:
        """What the launch keeps from this booking: paid minus refunded."""
        return money(self.amount_paid - self.amount_refunded)


@dataclass(frozen=True)
class BookingReport:
    launch: Launch
    lines: list[BookingLine]

    @property
    def seats_sold(self) -> int:
        return self.launch.seats_sold

    @property
    def active_bookings(self) -> int:
        return sum(1 for line in self.lines if line.status == BookingStatus.CONFIRMED)

    @property
    def amount_paid(self) -> Decimal:
        return money(sum((line.amount_paid for line in self.lines), Decimal(0)))

    @property
    def amount_refunded(self) -> Decimal:
        return money(sum((line.amount_refunded for line in self.lines), Decimal(0)))

    @property
    def revenue(self) -> Decimal:
        return money(self.amount_paid - self.amount_refunded)


def _sum_by_booking(table: type[Payment] | type[Refund]) -> Any:
    return (
        select(func.coalesce(func.sum(col(table.amount)), 0))
        .where(col(table.booking_id) == col(Booking.id))
        .scalar_subquery()
    )


async def booking_lines(db: Database, launch_ids: Sequence[str]) -> list[list[BookingLine]]:
    """Every booking of each launch (one statement for any number of launches), oldest first. Plain rows,
    not ORM objects: this is a read model, and building instances was its largest cost."""
    statement = (
        select(
            col(Booking.id).label("booking_id"),
            col(Booking.launch_id),
            col(Booking.traveler_id),
            col(Traveler.name).label("traveler_name"),
            col(Traveler.contact_email).label("traveler_email"),
            col(Booking.seats),
            col(Booking.status),
            col(Booking.price_per_seat),
            _sum_by_booking(Payment).label("amount_paid"),
            _sum_by_booking(Refund).label("amount_refunded"),
            col(Booking.created_at).label("booked_at"),
            col(Booking.canceled_at),
            col(Booking.seats_released),
        )
        .join(Traveler, col(Traveler.id) == col(Booking.traveler_id))
        .where(col(Booking.launch_id).in_(launch_ids))
        .order_by(col(Booking.created_at), col(Booking.id))
    )
    groups: dict[str, list[BookingLine]] = {launch_id: [] for launch_id in launch_ids}
    async with db.read() as session:
        for row in (await session.execute(statement)).mappings():
            line = BookingLine(
                **{**row, "amount_paid": money(row["amount_paid"]), "amount_refunded": money(row["amount_refunded"])}
            )
            groups[line.launch_id].append(line)
    return [groups[launch_id] for launch_id in launch_ids]


async def readable_report_launch(uow: SqlUnitOfWork, *, principal: Principal, launch_id: str) -> Launch:
    """The launch if the caller may read its booking report: its agency or a financial employee."""
    if not policies.may_read_booking_reports(principal):
        raise Forbidden("Booking reports are for the launch's agency and financial staff")
    launch = await uow.session.get(Launch, launch_id)
    if launch is None:
        raise NotFound("No such launch", entity="Launch")

    async def caller_agency_id() -> str | None:
        agency = await find_agency(uow, principal.id)
        return agency.id if agency else None

    if not await policies.may_read_launch_report(
        principal, launch_agency_id=launch.agency_id, caller_agency_id=caller_agency_id
    ):
        raise Forbidden("This launch belongs to another agency")
    return launch


async def booking_report(call: RequestBundle, *, launch_id: str) -> BookingReport:
    async with call.unit_of_work() as uow:
        launch = await readable_report_launch(uow, principal=call.caller, launch_id=launch_id)
        uow.session.expunge(launch)
    (lines,) = await booking_lines(call.db, [launch.id])
    return BookingReport(launch=launch, lines=lines)


CSV_COLUMNS = (
    "booking_id",
    "traveler_name",
    "traveler_email",
    "seats",
    "status",
    "price_per_seat",
    "amount_paid",
    "amount_refunded",
    "revenue",
    "booked_at",
    "canceled_at",
)


def _cell(text: str) -> str:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_rows(report: BookingReport) -> list[list[str]]:
    """The report as CSV rows: a header, one row per booking, and a TOTAL row."""
    rows = [list(CSV_COLUMNS)]
    for line in report.lines:
        rows.append(
            [
                line.booking_id,
                _cell(line.traveler_name),
                _cell(line.traveler_email),
                str(line.seats),
                line.status,
                str(line.price_per_seat),
                str(line.amount_paid),
                str(line.amount_refunded),
                str(line.revenue),
                line.booked_at.isoformat(),
                line.canceled_at.isoformat() if line.canceled_at else "",
            ]
        )
    totals = [str(report.amount_paid), str(report.amount_refunded), str(report.revenue)]
    rows.append(["TOTAL", "", "", str(report.seats_sold), "", "", *totals, "", ""])
    return rows
