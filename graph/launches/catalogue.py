"""The public launch catalogue: `launches(filter, sort, descending, first, after)`, open to anonymous users.

Whole responses of anonymous catalogue queries are cached by graph.edge.response_cache; this module only
answers from PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.relay import PageInfo
from strawberry.types import Info

from graph.agencies.types import Agency, Destination, Rocket
from graph.compiled import meta as sql
from graph.edge.permissions import scoped
from graph.edge.refusals import answer
from graph.launches.compiled import CATALOGUE
from graph.launches.types import Launch
from models.launches.catalogue import CatalogueFilter as Filter
from models.launches.catalogue import CatalogueSort
from models.launches.tables import Launch as LaunchRow
from resolvers.launches.catalogue import CataloguePage, catalogue_page

# Registers the model's sort keys as the GraphQL enum (strawberry.enum returns the same class).
strawberry.enum(CatalogueSort, description="Order of the catalogue (ties broken by launch id, so pages are stable).")


@strawberry.input(description="Narrow the catalogue; every given condition must hold.")
class CatalogueFilter:
    destination: Destination | None = strawberry.field(default=None, description="Only launches going there.")
    agency_id: strawberry.ID | None = strawberry.field(default=None, description="Only this agency's launches.")
    date_from: date | None = strawberry.field(default=None, description="Launch date on or after (UTC day).")
    date_to: date | None = strawberry.field(default=None, description="Launch date on or before (UTC day).")
    price_min: Decimal | None = strawberry.field(default=None, description="Price per seat at least (USD).")
    price_max: Decimal | None = strawberry.field(default=None, description="Price per seat at most (USD).")
    min_seats_available: int | None = strawberry.field(default=None, description="At least this many seats left.")


@strawberry.type(description="An edge of the catalogue.")
class CatalogueEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this launch.", metadata=sql.cursor())
    node: Launch = strawberry.field(description="A bookable launch.", metadata=sql.same_row())


@strawberry.type(description="A page of the public launch catalogue.")
class LaunchCatalogue:
    edges: list[CatalogueEdge] = strawberry.field(description="The launches of this page.", metadata=sql.edges())
    page_info: PageInfo = strawberry.field(
        description="Where this page sits in the catalogue.", metadata=sql.page_info()
    )


def to_filter(given: CatalogueFilter | None) -> Filter:
    if given is None:
        return Filter()
    return Filter(
        destination=given.destination.value if given.destination else None,
        agency_id=str(given.agency_id) if given.agency_id else None,
        date_from=given.date_from,
        date_to=given.date_to,
        price_min=given.price_min,
        price_max=given.price_max,
        min_seats_available=given.min_seats_available,
    )


def _connection(info: Info, page: CataloguePage, after: str | None) -> LaunchCatalogue:
    info.context.fresh_until = page.fresh_until  # the response cache keeps the answer no longer
    return connection(page, after)


def connection(page: CataloguePage, after: str | None) -> LaunchCatalogue:
    agencies = {row.id: Agency.from_row(row) for row in page.agencies}
    rockets = {row.id: Rocket.from_row(row) for row in page.rockets}
    edges = [
        CatalogueEdge(cursor=cursor, node=_node(row, agencies, rockets))
        for row, cursor in zip(page.launches, page.cursors, strict=True)
    ]
    info = PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return LaunchCatalogue(edges=edges, page_info=info)


def _node(row: LaunchRow, agencies: dict[str, Agency], rockets: dict[str, Rocket]) -> Launch:
    node = Launch.from_row(row)
    node.known_agency, node.known_rocket = agencies[row.agency_id], rockets[row.rocket_id]
    return node


@strawberry.type
class Query:
    @strawberry.field(
        description="The public catalogue: upcoming bookable launches (scheduled, confirmed or delayed, date in "
        "the future) with agency, rocket, price and seats available. Filter, sort (by date, price or seats "
        "available; `descending` reverses) and page with `first` (0 to 200) and `after`. Open to everyone; "
        "anonymous answers are cached for a short time and refreshed the moment a change affects them. "
        "Partner clients need the `catalogue:read` scope.",
        extensions=[scoped("catalogue:read")],
        metadata=sql.connection(CATALOGUE),
    )
    async def launches(
        self,
        info: Info,
        filter: CatalogueFilter | None = None,
        sort: CatalogueSort = CatalogueSort.DATE,
        descending: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> LaunchCatalogue:
        page = catalogue_page(
            info.context.bundle(info),
            filters=to_filter(filter),
            sort=sort,
            descending=descending,
            first=first,
            after=after,
        )
        return await answer(page, lambda found: _connection(info, found, after))
