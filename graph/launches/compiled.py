"""The compiled roots of launches (graph/compiled/): the catalogue (`launches`) and the agency's occupancy view
(`myLaunches`), as SQL conditions, orders and cursors equal to models/launches/catalogue.py and
resolvers/launches/occupancy.py. Arguments are checked by the same model code; whatever it refuses (and any
caller the field's permission would refuse) is `Refused`, so Strawberry answers it with its usual error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from auth.principal import Role
from graph.compiled.meta import Caller, Page, Refused, iso_datetime, quote
from models.bookings.rules import VIP_MIN_LAUNCHES
from models.bookings.tables import BookingStatus
from models.errors import DomainError
from models.launches.catalogue import (
    BOOKABLE_STATUSES,
    MAX_PAGE,
    CatalogueFilter,
    CatalogueSort,
    _day_bound,
    decode_cursor,
)
from resolvers.launches import occupancy


def base64_text(json_sql: str, *, padded: bool) -> str:
    """base64.urlsafe_b64encode of the UTF-8 text (PostgreSQL wraps base64 lines: the newlines go)."""
    # replace() is several times faster than translate() here (a cursor per row adds up).
    raw = f"encode(convert_to({json_sql}, 'UTF8'), 'base64')"
    encoded = f"replace(replace(replace({raw}, E'\\n', ''), '+', '-'), '/', '_')"
    return encoded if padded else f"rtrim({encoded}, '=')"


def json_text(sql: str) -> str:
    return f"to_json({sql})::text"


# The catalogue's sort keys: SQL, its cast for a cursor's key, and the key's JSON in a cursor.
CATALOGUE_KEYS: dict[CatalogueSort, tuple[str, str, str]] = {
    CatalogueSort.DATE: ("{t}.launch_at", "timestamptz", json_text(iso_datetime("{t}.launch_at"))),
    CatalogueSort.PRICE: ("{t}.price_per_seat", "numeric", json_text("{t}.price_per_seat::text")),
    CatalogueSort.SEATS_AVAILABLE: (
        "({t}.capacity - {t}.seats_sold)",
        "integer",
        "({t}.capacity - {t}.seats_sold)::text",
    ),
}
BOOKABLE_SQL = "{t}.status IN (" + ", ".join(quote(status) for status in BOOKABLE_STATUSES) + ")"


def vip_sql(user: str) -> str:
    """The caller (a traveler user) is VIP: confirmed bookings on VIP_MIN_LAUNCHES distinct launches."""
    return (
        "((SELECT count(DISTINCT vb.launch_id) FROM bookings vb JOIN travelers vt ON vt.id = vb.traveler_id "
        f"WHERE vt.user_id = {user} AND vb.status = {quote(BookingStatus.CONFIRMED.value)}) >= {VIP_MIN_LAUNCHES})"
    )


class CatalogueRoot:
    """`launches`: bookable launches (status, future date), public or in the caller's VIP window."""

    def page(self, args: dict[str, Any], caller: Caller | None, now: datetime, p: str) -> Page:
        given = args.get("filter") or {}
        sort, descending, first, after = args["sort"], args["descending"], args["first"], args.get("after")
        try:
            filters = CatalogueFilter(
                destination=given["destination"].value if given.get("destination") else None,
                agency_id=str(given["agencyId"]) if given.get("agencyId") else None,
                date_from=given.get("dateFrom"),
                date_to=given.get("dateTo"),
                price_min=given.get("priceMin"),
                price_max=given.get("priceMax"),
                min_seats_available=given.get("minSeatsAvailable"),
            )
            cursor = decode_cursor(after, sort, descending) if after else None
        except DomainError:
            raise Refused from None
        if not 0 <= first <= MAX_PAGE:
            raise Refused
        key, cast, key_json = CATALOGUE_KEYS[sort]
        params: dict[str, Any] = {f"{p}now": now}
        where = [BOOKABLE_SQL, f"{{t}}.launch_at > :{p}now"]
        # The next VIP window end: min() written as the first in index order (cheap in a generic plan too).
        extras = {
            "fresh": f"(SELECT w.public_at FROM launches w WHERE w.public_at > :{p}now ORDER BY w.public_at LIMIT 1)"
        }
        public = f"{{t}}.public_at IS NULL OR {{t}}.public_at <= :{p}now"
        if caller is not None and caller.role == Role.TRAVELER:
            params[f"{p}user"] = caller.id
            extras["early"] = vip_sql(f":{p}user")
            where.append(f"{public} OR {vip_sql(f':{p}user')}")
        else:
            where.append(public)
        filtered = False
        for name, condition, value in (
            ("destination", "{t}.destination = :{p}destination", filters.destination),
            ("agency", "{t}.agency_id = :{p}agency", filters.agency_id),
            ("date_from", "{t}.launch_at >= :{p}date_from", filters.date_from and _day_bound(filters.date_from)),
            ("date_to", "{t}.launch_at <= :{p}date_to", filters.date_to and _day_bound(filters.date_to, end=True)),
            ("price_min", "{t}.price_per_seat >= :{p}price_min", filters.price_min),
            ("price_max", "{t}.price_per_seat <= :{p}price_max", filters.price_max),
            ("seats", "({t}.capacity - {t}.seats_sold) >= CAST(:{p}seats AS integer)", filters.min_seats_available),
        ):
            if value is not None:
                where.append(condition.replace("{p}", p))
                params[f"{p}{name}"] = value
                filtered = True
        if cursor is not None:
            where.append(
                f"({key}, {{t}}.id) {'<' if descending else '>'} (CAST(:{p}key AS {cast}), CAST(:{p}id AS varchar))"
            )
            params[f"{p}key"], params[f"{p}id"] = cursor.key, cursor.id
        direction = " DESC" if descending else ""
        head = f'["{sort.value}",{"true" if descending else "false"},'
        raw = f"'{head}' || {key_json} || ',' || to_json({{t}}.id)::text || ']'"
        return Page(
            table="launches",
            where=where,
            order=[f"{key}{direction}", f"{{t}}.id{direction}"],
            cursor=base64_text(raw, padded=False),
            first=first,
            has_previous=after is not None,
            params=params,
            extras=extras,
            generic_plan=not filtered,
        )

    def check(self, extras: dict[str, Any]) -> None:
        return None

    def fresh_until(self, extras: dict[str, Any]) -> datetime | None:
        return None if extras.get("early") else extras["fresh"]


class OccupancyRoot:
    """`myLaunches`: the calling agency's own launches (the agency of the caller's user)."""

    def page(self, args: dict[str, Any], caller: Caller | None, now: datetime, p: str) -> Page:
        if caller is None or caller.role != Role.AGENCY:
            raise Refused  # UNAUTHENTICATED / FORBIDDEN from the field's permission
        given = args.get("filter") or {}
        sort, descending, first, after = args["sort"].value, args["descending"], args["first"], args.get("after")
        if not 1 <= first <= occupancy.MAX_PAGE:
            raise Refused
        params: dict[str, Any] = {f"{p}user": caller.id}
        agency = f"(SELECT a.id FROM agencies a WHERE a.user_id = :{p}user)"
        where = [f"{{t}}.agency_id = {agency}"]
        statuses = [status.value for status in given.get("statuses") or ()]
        if statuses:
            where.append(f"{{t}}.status = ANY(CAST(:{p}statuses AS varchar[]))")
            params[f"{p}statuses"] = statuses
        if given.get("launchFrom") is not None:
            where.append(f"{{t}}.launch_at >= :{p}launch_from")
            params[f"{p}launch_from"] = given["launchFrom"]
        if given.get("launchTo") is not None:
            where.append(f"{{t}}.launch_at <= :{p}launch_to")
            params[f"{p}launch_to"] = given["launchTo"]
        direction = " DESC" if descending else ""
        if after:
            try:
                key, last_id = occupancy._decode_cursor(after, sort)
            except DomainError:
                raise Refused from None
            before = "<" if descending else ">"
            params[f"{p}id"] = last_id
            if sort == "date":
                params[f"{p}key"] = key
                where.append(f"({{t}}.launch_at, {{t}}.id) {before} (CAST(:{p}key AS timestamptz), :{p}id)")
            else:
                params[f"{p}sold"], params[f"{p}capacity"] = key
                mine = f"{{t}}.seats_sold * CAST(:{p}capacity AS integer)"
                theirs = f"CAST(:{p}sold AS integer) * {{t}}.capacity"
                where.append(f"{mine} {before} {theirs} OR ({mine} = {theirs} AND {{t}}.id {before} :{p}id)")
        if sort == "date":
            primary, key_json = "{t}.launch_at", json_text(iso_datetime("{t}.launch_at"))
        else:
            primary = "CAST({t}.seats_sold AS NUMERIC) / {t}.capacity"
            key_json = "'[' || {t}.seats_sold || ',' || {t}.capacity || ']'"
        raw = f'\'{{"s":"{sort}","k":\' || {key_json} || \',"i":\' || to_json({{t}}.id)::text || \'}}\''
        return Page(
            table="launches",
            where=where,
            order=[f"{primary}{direction}", f"{{t}}.id{direction}"],
            cursor=base64_text(raw, padded=True),
            first=first,
            has_previous=bool(after),
            params=params,
            extras={"agency": f"EXISTS (SELECT 1 FROM agencies a WHERE a.user_id = :{p}user)"},
        )

    def check(self, extras: dict[str, Any]) -> None:
        if not extras["agency"]:
            raise Refused  # NOT_FOUND "Create your agency profile first", from the use case

    def fresh_until(self, extras: dict[str, Any]) -> datetime | None:
        return None


CATALOGUE = CatalogueRoot()
OCCUPANCY = OccupancyRoot()
