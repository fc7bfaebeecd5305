"""Agency read models: the occupancy view (keyset-paginated) and the booking report of a launch.

The booking report is one use case for the GraphQL field and the CSV export, so both authorize alike:
the launch's own agency and `financial` employees; anyone else is FORBIDDEN.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Numeric, and_, cast, func, or_, select, tuple_
from sqlmodel import col

from auth import policies
from auth.principal import Principal
from models.base import money
from models.bookings.tables import Booking, BookingStatus, Payment, Refund
from models.errors import Forbidden, NotFound, ValidationFailed
from models.launches.tables import Launch
from models.store.db import Database, SqlUnitOfWork
from models.travelers.tables import Traveler
from resolvers.agencies.profiles import find_agency, my_agency

MAX_PAGE = 200  # an agency sees up to 200 of its launches per page


@dataclass(frozen=True)
class OccupancyQuery:
    statuses: tuple[str, ...] = ()
    launch_from: datetime | None = None
    launch_to: datetime | None = None
    sort: str = "date"  # or "occupancy"
    descending: bool = False
    first: int = 20
    after: str | None = None


@dataclass(frozen=True)
class Page:
    launches: list[Launch]
    has_next_page: bool
    has_previous_page: bool

    def cursor(self, launch: Launch, sort: str) -> str:
        key: Any = [launch.seats_sold, launch.capacity] if sort == "occupancy" else launch.launch_at.isoformat()
        return base64.urlsafe_b64encode(orjson.dumps({"s": sort, "k": key, "i": launch.id})).decode()


def occupancy_percent(launch: Launch) -> Decimal:
    return money(Decimal(launch.seats_sold * 100) / Decimal(launch.capacity))


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        if data["s"] != sort:
            raise ValueError("cursor of another sort")
        key = datetime.fromisoformat(data["k"]) if sort == "date" else (int(data["k"][0]), int(data["k"][1]))
        return key, str(data["i"])
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed("`after` is not a cursor of this list and sort", field="after") from None


def _after(sort: str, key: Any, last_id: str, descending: bool) -> Any:
    """Keyset condition: rows strictly after (key, id) in the list's order."""
    if sort == "date":
        pair, point = tuple_(col(Launch.launch_at), col(Launch.id)), tuple_(key, last_id)
        return pair < point if descending else pair > point
    sold, capacity = key  # compare seats_sold / capacity exactly: cross-multiply, no floats
    mine, theirs = col(Launch.seats_sold) * capacity, sold * col(Launch.capacity)
    beyond = mine < theirs if descending else mine > theirs
    id_beyond = col(Launch.id) < last_id if descending else col(Launch.id) > last_id
    return or_(beyond, and_(mine == theirs, id_beyond))


def _order(sort: str, descending: bool) -> list[Any]:
    primary = col(Launch.launch_at) if sort == "date" else cast(Launch.seats_sold, Numeric) / col(Launch.capacity)
    columns = [primary, col(Launch.id)]
    return [c.desc() if descending else c.asc() for c in columns]


async def launch_occupancy(uow: SqlUnitOfWork, *, principal: Principal, query: OccupancyQuery) -> Page:
    """The calling agency's launches with their occupancy, filtered, sorted and paginated by cursor."""
    agency = await my_agency(uow, principal)
    if not 1 <= query.first <= MAX_PAGE:
        raise ValidationFailed(f"`first` must be 1 to {MAX_PAGE}", field="first")
    statement = select(Launch).where(col(Launch.agency_id) == agency.id)
    if query.statuses:
        statement = statement.where(col(Launch.status).in_(query.statuses))
    if query.launch_from is not None:
        statement = statement.where(col(Launch.launch_at) >= query.launch_from)
    if query.launch_to is not None:
        statement = statement.where(col(Launch.launch_at) <= query.launch_to)
    if query.after:
        key, last_id = _decode_cursor(query.after, query.sort)
        statement = statement.where(_after(query.sort, key, last_id, query.descending))
    statement = statement.order_by(*_order(query.sort, query.descending)).limit(query.first + 1)
    rows = list((await uow.session.execute(statement)).scalars().all())
    return Page(rows[: query.first], has_next_page=len(rows) > query.first, has_previous_page=bool(query.after))


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


async def booking_report(db: Database, *, principal: Principal, launch_id: str) -> BookingReport:
    async with db.unit_of_work() as uow:
        launch = await readable_report_launch(uow, principal=principal, launch_id=launch_id)
        uow.session.expunge(launch)
    (lines,) = await booking_lines(db, [launch.id])
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
