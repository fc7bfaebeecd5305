"""The public catalogue over GraphQL: what it lists, filters, sorts, keyset pages, nested agency and rocket
through DataLoaders (statement count independent of the page size)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models.base import utcnow
from tests.support.builders import make_launch, make_seller
from tests.support.graphql import error_codes
from tests.support.sql import sql_statements

CATALOGUE = """
query Catalogue($filter: CatalogueFilter, $sort: CatalogueSort, $descending: Boolean, $first: Int, $after: String) {
  launches(filter: $filter, sort: $sort, descending: $descending, first: $first, after: $after) {
    edges { cursor node { id missionName destination launchAt pricePerSeat seatsAvailable status
                          agency { id legalName } rocket { id name range } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""


async def catalogue(gql: Any, **variables: Any) -> dict[str, Any]:
    body = await gql(CATALOGUE, variables)
    assert "errors" not in body, body
    return body["data"]["launches"]


def missions(page: dict[str, Any]) -> list[str]:
    return [edge["node"]["missionName"] for edge in page["edges"]]


async def test_lists_only_bookable_future_launches_with_agency_and_rocket(services, gql):
    seller = await make_seller(services, name="Lunar Ways")
    soon = utcnow() + timedelta(days=10)
    for status in ("scheduled", "confirmed", "delayed", "launched", "failed", "aborted"):
        await make_launch(services, seller.rocket, status=status, mission=status, launch_at=soon)
    await make_launch(services, seller.rocket, mission="past", launch_at=utcnow() - timedelta(hours=1))
    page = await catalogue(gql)
    assert sorted(missions(page)) == ["confirmed", "delayed", "scheduled"]
    node = page["edges"][0]["node"]
    assert node["agency"] == {"id": seller.agency.id, "legalName": "Lunar Ways"}
    assert (node["rocket"]["id"], node["rocket"]["range"]) == (seller.rocket.id, "MARS")


async def test_filters(services, gql):
    a, b = await make_seller(services), await make_seller(services)
    base = utcnow() + timedelta(days=30)
    await make_launch(services, a.rocket, mission="A-moon-cheap", destination="moon", price="100.00", launch_at=base)
    await make_launch(
        services, a.rocket, mission="A-mars", destination="mars", price="900.00", launch_at=base + timedelta(days=40)
    )
    await make_launch(
        services, b.rocket, mission="B-moon-full", destination="moon", price="500.00", capacity=10, seats_sold=9
    )
    assert missions(await catalogue(gql, filter={"destination": "MOON"})) == ["A-moon-cheap", "B-moon-full"]
    assert missions(await catalogue(gql, filter={"agencyId": a.agency.id})) == ["A-moon-cheap", "A-mars"]
    assert missions(await catalogue(gql, filter={"priceMin": "200", "priceMax": "900.00"})) == ["A-mars", "B-moon-full"]
    assert missions(await catalogue(gql, filter={"minSeatsAvailable": 2})) == ["A-moon-cheap", "A-mars"]
    day = (base + timedelta(days=40)).date().isoformat()
    assert missions(await catalogue(gql, filter={"dateFrom": day, "dateTo": day})) == ["A-mars"]


async def test_sorts_and_keyset_pages_walk_everything_once(services, gql):
    seller = await make_seller(services)
    start = utcnow() + timedelta(days=5)
    for i in range(7):
        await make_launch(
            services,
            seller.rocket,
            mission=f"m{i}",
            price=f"{(i % 3) * 100 + 100}.00",
            seats_sold=i,
            launch_at=start + timedelta(days=i),
        )
    expected = {
        ("DATE", False): [f"m{i}" for i in range(7)],
        ("DATE", True): [f"m{i}" for i in reversed(range(7))],
        ("SEATS_AVAILABLE", True): [f"m{i}" for i in range(7)],
    }
    for (sort, descending), order in expected.items():
        seen, after = [], None
        while True:
            page = await catalogue(gql, sort=sort, descending=descending, first=3, after=after)
            seen += missions(page)
            assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == order, (sort, descending)
    by_price = missions(await catalogue(gql, sort="PRICE"))
    assert by_price == ["m0", "m3", "m6", "m1", "m4", "m2", "m5"]  # ties by id (creation order)


async def test_bad_pagination_is_bad_user_input(services, gql):
    await make_launch(services)
    date_cursor = (await catalogue(gql, first=1))["pageInfo"]["endCursor"]
    for variables in ({"first": 201}, {"first": -1}, {"after": "garbage"}, {"sort": "PRICE", "after": date_cursor}):
        assert error_codes(await gql(CATALOGUE, variables)) == ["BAD_USER_INPUT"], variables


async def test_statement_count_does_not_grow_with_the_page(services, gql):
    sellers = [await make_seller(services) for _ in range(7)]
    for i in range(200):
        await make_launch(services, sellers[i % len(sellers)].rocket, mission=f"m{i}")
    counts = []
    for size in (10, 200):
        with sql_statements(services) as statements:
            assert len(missions(await catalogue(gql, first=size))) == size
        counts.append(len(statements))
    assert counts == [1, 1], counts  # launches joined with their agencies and rockets
