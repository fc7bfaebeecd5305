"""No N+1: an agency's launches with their agency, rocket and bookings cost the same number of SQL
statements for 10 launches as for 200 (nested fields go through per-request DataLoaders)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from graph.settings import Settings
from models.agencies.tables import Rocket
from models.bookings.tables import Booking, Payment
from models.launches.tables import Launch
from tests.support.builders import Cast, days, fetch, insert, make_rocket, now
from tests.support.sql import sql_statements

WITH_BOOKINGS = """query($first: Int!) {
  myLaunches(first: $first) {
    edges { node { launch { id missionName agency { legalName } rocket { name } }
                   bookings { travelerName seats amountPaid amountRefunded revenue } } }
  }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """200 launches with their bookings is beyond the default query cost limit; this test is about SQL."""
    return settings.model_copy(update={"max_cost": 1_000_000})


async def add_launches_with_bookings(services: Any, cast: Cast, rocket: Rocket, count: int) -> None:
    rows: list[Any] = []
    for n in range(count):
        launch = Launch(
            agency_id=cast.agency.id,
            rocket_id=rocket.id,
            mission_name=f"Mission {n:03}",
            destination="moon",
            launch_at=now() + days(2 + n),
            price_per_seat=Decimal("10.00"),
            minimum_passengers=1,
            capacity=rocket.capacity,
            seats_sold=1,
        )
        booking = Booking(
            launch_id=launch.id,
            traveler_id=cast.traveler.id,
            seats=1,
            price_per_seat=Decimal("10.00"),
            amount=Decimal("10.00"),
        )
        rows += [launch, booking, Payment(booking_id=booking.id, amount=Decimal("10.00"), gateway_reference="ch_sim_x")]
    await insert(services, *rows)


async def test_launches_with_bookings_cost_the_same_statements_at_10_and_200(
    services: Any, cast: Cast, gql: Any
) -> None:
    rocket = await make_rocket(services, cast.agency, capacity=50, name="Workhorse")
    counts = {}
    for total, add in ((10, 9), (200, 190)):  # cast.launch is the first, with cast.booking
        await add_launches_with_bookings(services, cast, rocket, add)
        with sql_statements(services) as statements:
            body = await gql(WITH_BOOKINGS, {"first": total}, token=cast.tokens["agency"])
        assert "errors" not in body, body
        edges = body["data"]["myLaunches"]["edges"]
        assert len(edges) == total and all(edge["node"]["bookings"] for edge in edges)
        assert {edge["node"]["launch"]["agency"]["legalName"] for edge in edges} == {"Orbital Ventures"}
        counts[total] = len(statements)
    assert counts[10] == counts[200], counts


async def test_federation_entities_are_batched(services: Any, cast: Cast, gql: Any) -> None:
    rocket = await make_rocket(services, cast.agency, capacity=50, name="Workhorse")
    await add_launches_with_bookings(services, cast, rocket, 120)
    ids = [launch.id for launch in await fetch(services, select(Launch).order_by(Launch.id))]
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on Launch { id agency { legalName } rocket { name } statusHistory { toStatus } }
    } }"""
    counts = []
    for size in (10, 120):
        reps = [{"__typename": "Launch", "id": launch_id} for launch_id in ids[:size]]
        with sql_statements(services) as statements:
            body = await gql(query, {"r": reps}, token=cast.tokens["agency"])
        assert "errors" not in body and len(body["data"]["_entities"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
