"""The public launch catalogue: one page of bookable launches, read outside any transaction (the cache
invalidation every change must trigger is the unit of work's `invalidate_catalogue`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col

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
)
from models.launches.tables import Launch
from resolvers.request import RequestBundle

log = logging.getLogger("astro.catalogue")


@dataclass(frozen=True)
class CataloguePage:
    launches: list[Launch]
    cursors: list[str]
    has_next_page: bool
    agencies: list[Agency]  # of each launch, same order (read in the same statement)
    rockets: list[Rocket]


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
    statement = catalogue_query(filters, sort, descending, cursor, first + 1, now or utcnow())
    with_related = statement.add_columns(Agency, Rocket)
    with_related = with_related.join(Agency, col(Agency.id) == col(Launch.agency_id))
    with_related = with_related.join(Rocket, col(Rocket.id) == col(Launch.rocket_id))
    async with call.db.read() as session:
        rows = list((await session.execute(with_related)).all())
    page = rows[:first]
    cursors = [encode_cursor(sort, descending, launch) for launch, _, _ in page]
    return CataloguePage(
        launches=[launch for launch, _, _ in page],
        cursors=cursors,
        has_next_page=len(rows) > first,
        agencies=[agency for _, agency, _ in page],
        rockets=[rocket for _, _, rocket in page],
    )
