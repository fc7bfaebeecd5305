"""The public launch catalogue as a query: bookable launches, filters, sort keys, keyset cursors, and the
partial indexes that keep each sort an index scan. Pure SQLAlchemy, no session."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Index, Select, func, or_, select, text, tuple_
from sqlmodel import col

from models.base import storable
from models.errors import ValidationFailed
from models.launches.tables import BOOKABLE, Launch

BOOKABLE_STATUSES = tuple(sorted(status.value for status in BOOKABLE))
_BOOKABLE_SQL = text("status IN ('confirmed', 'delayed', 'scheduled')")
MAX_PAGE = 200
MAX_PRICE_BOUND = Decimal("1000000000.00")  # a price filter beyond any price a launch may have
FIRST_DAY, LAST_DAY = date(1, 1, 2), date(9999, 12, 30)  # whole UTC days stay representable


class CatalogueSort(StrEnum):
    DATE = "date"
    PRICE = "price"
    SEATS_AVAILABLE = "seats_available"


def _seats_available() -> ColumnElement[int]:
    return col(Launch.capacity) - col(Launch.seats_sold)


SORT_KEYS: dict[CatalogueSort, Any] = {
    CatalogueSort.DATE: col(Launch.launch_at),
    CatalogueSort.PRICE: col(Launch.price_per_seat),
    CatalogueSort.SEATS_AVAILABLE: _seats_available(),
}

# Each sort walks its own partial index (only bookable launches are in them), id breaking ties.
CATALOGUE_INDEXES = (
    Index("catalogue_by_date", Launch.launch_at, Launch.id, postgresql_where=_BOOKABLE_SQL),  # type: ignore[arg-type]
    Index("catalogue_by_price", Launch.price_per_seat, Launch.id, postgresql_where=_BOOKABLE_SQL),  # type: ignore[arg-type]
    Index("catalogue_by_seats", _seats_available(), Launch.id, postgresql_where=_BOOKABLE_SQL),  # type: ignore[arg-type]
    # Only launches ever given a VIP window: the next window end is one index probe.
    Index("launches_public_at", Launch.public_at, postgresql_where=text("public_at IS NOT NULL")),  # type: ignore[arg-type]
)


@dataclass(frozen=True)
class CatalogueFilter:
    destination: str | None = None
    agency_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_seats_available: int | None = None

    def __post_init__(self) -> None:
        """Refuse bounds no launch can be compared with (before any store is touched)."""
        for name, price in (("priceMin", self.price_min), ("priceMax", self.price_max)):
            if price is not None and not (price.is_finite() and 0 <= price <= MAX_PRICE_BOUND):
                raise ValidationFailed(f"filter.{name} must be a number from 0 to {MAX_PRICE_BOUND}", field=name)
        for name, day in (("dateFrom", self.date_from), ("dateTo", self.date_to)):
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                raise ValidationFailed(f"filter.{name} must be from {FIRST_DAY} to {LAST_DAY}", field=name)


@dataclass(frozen=True)
class Cursor:
    sort: CatalogueSort
    descending: bool
    key: Any
    id: str


def encode_cursor(sort: CatalogueSort, descending: bool, launch: Launch) -> str:
    key = {CatalogueSort.DATE: launch.launch_at.isoformat(), CatalogueSort.PRICE: str(launch.price_per_seat)}
    raw = [sort.value, descending, key.get(sort, launch.seats_available), launch.id]
    return base64.urlsafe_b64encode(orjson.dumps(raw)).decode().rstrip("=")


def decode_cursor(cursor: str, sort: CatalogueSort, descending: bool) -> Cursor:
    """Cursors are opaque to clients; one made for another sort (or tampered) is refused."""
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sort_name, desc, key, launch_id = raw
        kind = CatalogueSort(sort_name)
        parsed = Cursor(kind, bool(desc), storable(_parse_key(kind, key)), storable(str(launch_id)))
    except (ValueError, TypeError, ArithmeticError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise ValidationFailed("`after` is not a cursor of this catalogue", field="after") from exc
    if (parsed.sort, parsed.descending) != (sort, descending):
        raise ValidationFailed("`after` was made for another sort order", field="after")
    return parsed


def _parse_key(sort: CatalogueSort, key: Any) -> Any:
    if sort == CatalogueSort.DATE:
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:
            raise ValueError("date key without a time zone")
        return moment
    if sort == CatalogueSort.PRICE:
        price = Decimal(key)  # a tampered key raises InvalidOperation (an ArithmeticError)
        if not price.is_finite():
            raise ValueError("price key must be a finite number")
        return price
    if not isinstance(key, int):
        raise ValueError("seats key must be an integer")
    return key


def _day_bound(day: date, *, end: bool = False) -> datetime:
    """Date bounds are whole days in UTC, both included: `date_to` 2030-01-31 covers that whole day."""
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def catalogue_query(
    filters: CatalogueFilter,
    sort: CatalogueSort,
    descending: bool,
    after: Cursor | None,
    limit: int,
    now: datetime,
    *,
    early_access: bool = False,
) -> Select[Any]:
    """`early_access`: the caller is a VIP traveler, who also sees launches still in their VIP window."""
    key = SORT_KEYS[sort]
    statement = select(Launch).where(col(Launch.status).in_(BOOKABLE_STATUSES), col(Launch.launch_at) > now)
    if not early_access:
        statement = statement.where(or_(col(Launch.public_at).is_(None), col(Launch.public_at) <= now))
    statement = statement.where(*_filter_clauses(filters))
    if after is not None:
        position = tuple_(key, col(Launch.id))
        bound = tuple_(after.key, after.id)
        statement = statement.where(position < bound if descending else position > bound)
    order = (key.desc(), col(Launch.id).desc()) if descending else (key.asc(), col(Launch.id).asc())
    return statement.order_by(*order).limit(limit)


def next_window_end(now: datetime) -> Select[Any]:
    """The next moment a launch leaves its VIP window and enters the public catalogue (NULL: none pending):
    no cached catalogue answer may outlive it."""
    windows = Launch.__table__.alias("windows")  # type: ignore[attr-defined]  # never correlated to the page
    return select(func.min(windows.c.public_at)).where(windows.c.public_at > now)


def _filter_clauses(f: CatalogueFilter) -> list[Any]:
    clauses: list[Any] = []
    if f.destination is not None:
        clauses.append(col(Launch.destination) == f.destination)
    if f.agency_id is not None:
        clauses.append(col(Launch.agency_id) == f.agency_id)
    if f.date_from is not None:
        clauses.append(col(Launch.launch_at) >= _day_bound(f.date_from))
    if f.date_to is not None:
        clauses.append(col(Launch.launch_at) <= _day_bound(f.date_to, end=True))
    if f.price_min is not None:
        clauses.append(col(Launch.price_per_seat) >= f.price_min)
    if f.price_max is not None:
        clauses.append(col(Launch.price_per_seat) <= f.price_max)
    if f.min_seats_available is not None:
        clauses.append(_seats_available() >= f.min_seats_available)
    return clauses
