"""The occupancy view of an agency's launches: seats sold against capacity, keyset-paginated."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Numeric, and_, cast, or_, select, tuple_
from sqlmodel import col

from models.agencies.tables import MAX_CAPACITY
from models.base import money, storable
from models.errors import ValidationFailed
from models.launches.tables import Launch
from resolvers.agencies.profiles import own_agency
from resolvers.request import RequestBundle

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
        key = storable(datetime.fromisoformat(data["k"])) if sort == "date" else _occupancy_key(data["k"])
        return key, storable(str(data["i"]))
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error, orjson.JSONDecodeError):
        raise ValidationFailed("`after` is not a cursor of this list and sort", field="after") from None


def _occupancy_key(key: Any) -> tuple[int, int]:
    """Seats sold and capacity, as a launch can have them (their product must not overflow in the statement)."""
    sold, capacity = int(key[0]), int(key[1])
    if not 0 <= sold <= capacity <= MAX_CAPACITY:
        raise ValueError("seats sold or capacity out of range")
    return sold, capacity


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


async def launch_occupancy(call: RequestBundle, *, query: OccupancyQuery) -> Page:
    """The calling agency's launches with their occupancy, filtered, sorted and paginated by cursor."""
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, call.caller)
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
