"""Class 13: while PostgreSQL is down, the catalogue's last good answer is served, marked stale (header and
`extensions`), for up to ASTRO_STALE_CATALOGUE_SECONDS, even right after its cached entry was invalidated;
other operations answer SERVICE_UNAVAILABLE, and the SQL invariants hold once the cluster is back. A paused
(frozen) cluster: typed timeouts, and the same invariants after it thaws."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from graph.settings import Settings
from models.launches import catalogue_cache
from tests.faults.conftest import eventually, gql_of
from tests.support.edge import StartEdge, edges
from tests.support.faults import PostgresCluster, RedisServer, broken_invariants
from tests.support.graphql import error_codes
from tests.support.journeys import agency, book, schedule, traveler

pytestmark = [pytest.mark.faults, pytest.mark.slow]

CATALOGUE = "{ launches(first: 5) { edges { node { id seatsAvailable } } } }"
NEVER_ASKED = "{ launches(first: 4) { edges { node { id } } } }"


@pytest.fixture
async def pg_edge(
    settings: Settings, own_postgres: PostgresCluster, own_redis: RedisServer
) -> AsyncIterator[StartEdge]:
    own = settings.model_copy(
        update={
            "database_url": own_postgres.database_url,  # type: ignore[attr-defined]
            "redis_url": own_redis.url,
            "rate_limit_per_ip": 0,
            "rate_limit_per_user": 0,
        }
    )
    try:
        async with edges(own) as start:
            yield start
    finally:
        if not (own_postgres.data / "postmaster.pid").exists():
            own_postgres.start()
    assert await broken_invariants(own.database_url or "") == {}


async def test_the_catalogue_is_served_stale_while_postgres_is_down(pg_edge, own_postgres):
    edge = await pg_edge()
    gql = gql_of(edge.http)
    seller = await agency(gql, edge.services)
    launch_id = await schedule(gql, seller)
    buyer = await traveler(gql, edge.services)
    assert (await book(gql, buyer, launch_id))["__typename"] == "BookSeatsSuccess"
    fresh = await edge.http.post("/graphql", json={"query": CATALOGUE})
    assert fresh.json()["data"]["launches"]["edges"][0]["node"]["seatsAvailable"] == 8
    await catalogue_cache.invalidate(edge.services.tags)  # a change was committed just before the outage

    own_postgres.stop()
    stale = await edge.http.post("/graphql", json={"query": CATALOGUE})
    body = stale.json()
    assert stale.status_code == 200 and "errors" not in body, body
    assert body["data"] == fresh.json()["data"]
    assert body["extensions"]["stale"] is True and int(stale.headers["x-astro-stale"]) >= 0
    assert stale.headers["cache-control"] == "no-store"
    # A query never answered before has nothing to fall back on; writes fail as an outage.
    assert error_codes((await edge.http.post("/graphql", json={"query": NEVER_ASKED})).json()) == [
        "SERVICE_UNAVAILABLE"
    ]
    refused = await gql(
        'mutation($id: ID!) { bookSeats(launchId: $id, passengers: [{name: "Al", birthDate: "1990-01-01"}],'
        ' paymentToken: "tok_success") { __typename } }',
        {"id": launch_id},
        token=buyer.token,
    )
    assert error_codes(refused) == ["SERVICE_UNAVAILABLE"]
    # Older than the configured age: not served any more.
    age = edge.settings.stale_catalogue_seconds
    edge.services.response_cache.clock = lambda: time.time() + age + 1
    too_old = (await edge.http.post("/graphql", json={"query": CATALOGUE})).json()
    assert error_codes(too_old) == ["SERVICE_UNAVAILABLE"]
    edge.services.response_cache.clock = time.time

    own_postgres.start()

    async def served_fresh() -> bool:
        response = await edge.http.post("/graphql", json={"query": CATALOGUE})
        return "errors" not in response.json() and "x-astro-stale" not in response.headers

    await eventually(served_fresh)  # the pool replaces its connections to the stopped cluster
    assert (await book(gql, buyer, launch_id))["__typename"] == "BookSeatsSuccess"
    assert await broken_invariants(edge.settings.database_url or "") == {}


async def test_a_booking_cut_by_the_outage_leaves_no_half_written_rows(pg_edge, own_postgres):
    edge = await pg_edge()
    gql = gql_of(edge.http)
    seller = await agency(gql, edge.services)
    launch_id = await schedule(gql, seller)
    buyers = [await traveler(gql, edge.services) for _ in range(3)]
    assert (await book(gql, buyers[0], launch_id))["__typename"] == "BookSeatsSuccess"

    original = edge.services.payments
    edge.services.payments = CutAfterCharge(original, own_postgres)
    cut = await gql(
        'mutation($id: ID!) { bookSeats(launchId: $id, passengers: [{name: "Al", birthDate: "1990-01-01"}],'
        ' paymentToken: "tok_success") { __typename } }',
        {"id": launch_id},
        token=buyers[1].token,
    )
    assert error_codes(cut) == ["SERVICE_UNAVAILABLE"], cut
    edge.services.payments = original
    own_postgres.start()
    await eventually(lambda: _catalogue_ok(edge))
    # The hold placed before the outage is still there (released by the expiry sweep); the counts agree.
    assert await broken_invariants(edge.settings.database_url or "") == {}
    assert (await book(gql, buyers[2], launch_id))["__typename"] == "BookSeatsSuccess"
    assert await broken_invariants(edge.settings.database_url or "") == {}


async def test_a_frozen_postgres_answers_typed_timeouts_and_leaves_consistent_rows(pg_edge, own_postgres):
    """The cluster stops answering without refusing (paused): each request ends at the request timeout with
    REQUEST_TIMEOUT, a booking cut that way leaves no half-written rows, and the service recovers on thaw."""
    edge = await pg_edge(request_timeout_seconds=1.0)
    gql = gql_of(edge.http)
    seller = await agency(gql, edge.services)
    launch_id = await schedule(gql, seller)
    buyers = [await traveler(gql, edge.services) for _ in range(2)]
    assert (await book(gql, buyers[0], launch_id))["__typename"] == "BookSeatsSuccess"
    await catalogue_cache.invalidate(edge.services.tags)  # the next catalogue read goes to PostgreSQL

    own_postgres.pause()
    try:
        started = time.monotonic()
        catalogue = await edge.http.post("/graphql", json={"query": NEVER_ASKED})
        booking = await edge.http.post(
            "/graphql",
            json={"query": BOOK, "variables": {"id": launch_id}},
            headers={"Authorization": f"Bearer {buyers[1].token}"},
        )
        elapsed = time.monotonic() - started
    finally:
        own_postgres.resume()
    for response in (catalogue, booking):
        assert response.status_code == 504 and error_codes(response.json()) == ["REQUEST_TIMEOUT"], response.text
    assert elapsed < 4
    await eventually(lambda: _catalogue_ok(edge))
    assert await broken_invariants(edge.settings.database_url or "") == {}
    assert (await book(gql, buyers[1], launch_id))["__typename"] == "BookSeatsSuccess"
    assert await broken_invariants(edge.settings.database_url or "") == {}


BOOK = (
    'mutation($id: ID!) { bookSeats(launchId: $id, passengers: [{name: "Al", birthDate: "1990-01-01"}],'
    ' paymentToken: "tok_success") { __typename } }'
)


class CutAfterCharge:
    """The gateway charges, and PostgreSQL goes down before the booking is confirmed."""

    def __init__(self, inner, cluster: PostgresCluster) -> None:
        self.inner, self.cluster = inner, cluster

    async def charge(self, **kwargs) -> str:
        charge_id = await self.inner.charge(**kwargs)
        self.cluster.stop()
        return charge_id

    async def refund(self, **kwargs) -> str:
        return await self.inner.refund(**kwargs)


async def _catalogue_ok(edge) -> bool:
    response = await edge.http.post("/graphql", json={"query": CATALOGUE})
    return "errors" not in response.json() and "x-astro-stale" not in response.headers
