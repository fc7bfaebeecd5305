"""The public launch catalogue: one page of bookable launches, read outside any transaction (the cache
invalidation every change must trigger is the unit of work's `invalidate_catalogue`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from models.agencies.tables import Agency, Rocket
from models.base import utcnow
from models.errors import ValidationFailed
from models.launches.catalogue import (
    MAX_PAGE,
    CatalogueFilter,
    CatalogueSort,
    catalogue_query,
    decode_cursor,
    encode_cursor,
    next_window_end,
)
from models.launches.tables import Launch
from models.travelers.tables import Traveler
from resolvers.request import RequestBundle
from resolvers.travelers.profiles import vip_travelers

log = logging.getLogger("astro.catalogue")


@dataclass(frozen=True)
class CataloguePage:
    launches: list[Launch]
    cursors: list[str]
    has_next_page: bool
    agencies: list[Agency]  # of each launch, same order (read in the same statement)
    rockets: list[Rocket]
    # When this answer may change by itself (a launch's VIP window ends): caches keep it no longer.
    fresh_until: datetime | None = None


async def catalogue_page(
    call: RequestBundle,
    *,
    filters: CatalogueFilter,
    sort: CatalogueSort = CatalogueSort.DATE,
    descending: bool = False,
    first: int = 20,
    after: str | None = None,
    now: datetime | None = None,
) -> CataloguePage:
    """Bookable launches (scheduled, confirmed or delayed, date in the future), keyset-paginated."""
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailed(f"`first` must be 0 to {MAX_PAGE}", field="first")
    cursor = decode_cursor(after, sort, descending) if after else None
    now = now or utcnow()
    early_access = await _is_vip_traveler(call)
    statement = catalogue_query(filters, sort, descending, cursor, first + 1, now, early_access=early_access)
    # The next VIP window end rides along in the same statement (one round trip per page).
    with_related = statement.add_columns(Agency, Rocket, next_window_end(now).scalar_subquery())
    with_related = with_related.join(Agency, col(Agency.id) == col(Launch.agency_id))
    with_related = with_related.join(Rocket, col(Rocket.id) == col(Launch.rocket_id))
    async with call.db.read() as session:
        rows = list((await session.execute(with_related)).all())
        # An empty page has no row to carry it, and still changes when a window ends.
        fresh_until = rows[0][3] if rows else (await session.execute(next_window_end(now))).scalar()
    page = rows[:first]
    cursors = [encode_cursor(sort, descending, launch) for launch, *_ in page]
    return CataloguePage(
        launches=[launch for launch, *_ in page],
        cursors=cursors,
        has_next_page=len(rows) > first,
        agencies=[row[1] for row in page],
        rockets=[row[2] for row in page],
        fresh_until=None if early_access else fresh_until,
    )


async def _is_vip_traveler(call: RequestBundle) -> bool:
    """VIP travelers' own catalogue view includes launches in their early-access window."""
    principal = call.principal
    if principal is None or principal.role != "traveler":
        return False
    async with call.db.read() as session:
        traveler_id = (
            await session.execute(select(col(Traveler.id)).where(col(Traveler.user_id) == principal.id))
        ).scalar()
    return traveler_id is not None and (await vip_travelers(call.db, [traveler_id]))[0]
