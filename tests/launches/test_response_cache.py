"""The whole-response cache of the anonymous catalogue: hits skip execution, every kind of change shows on
the very next query, headers tell CDNs what they may keep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from models.base import utcnow
from tests.support import journeys as j
from tests.support.sql import sql_statements

VIEW = """query View { launches(first: 50) {
  edges { node { id missionName status launchAt pricePerSeat seatsAvailable rocket { name } } } } }"""


async def view(http: httpx.AsyncClient, services: Any) -> dict[str, dict[str, Any]]:
    """The anonymous catalogue by launch id, asserting the repeat of the query is a cache hit."""
    first = await http.post("/graphql", json={"query": VIEW})
    with sql_statements(services) as statements:
        again = await http.post("/graphql", json={"query": VIEW})
    assert (statements, again.content) == ([], first.content), "the repeat must be served from the cache"
    assert first.headers["cache-control"] == "public, max-age=5"
    return {edge["node"]["id"]: edge["node"] for edge in first.json()["data"]["launches"]["edges"]}


async def test_hits_skip_execution_and_return_the_same_bytes(services, http, gql):
    seller = await j.agency(gql, services)
    await j.schedule(gql, seller)
    assert len(await view(http, services)) == 1
    get = await http.get("/graphql", params={"query": VIEW})  # GET shares the entry with POST
    assert get.status_code == 200 and get.headers["cache-control"] == "public, max-age=5"
    assert "Authorization" in get.headers["vary"]


async def test_authenticated_and_non_catalogue_answers_are_not_cached(services, http, gql):
    seller = await j.agency(gql, services)
    await j.schedule(gql, seller)
    headers = {"Authorization": f"Bearer {seller.token}"}
    for _ in range(2):
        with sql_statements(services) as statements:
            response = await http.post("/graphql", json={"query": VIEW}, headers=headers)
        assert statements and response.headers["cache-control"] == "private, no-store"
    mixed = "query { launches(first: 1) { edges { cursor } } myTravelerProfile { id } }"
    assert (await http.post("/graphql", json={"query": mixed})).headers["cache-control"] == "no-store"
    broken = await http.post("/graphql", json={"query": "{ launches(first: 500) { edges { cursor } } }"})
    assert broken.headers["cache-control"] == "no-store"  # an error answer is never public


async def test_every_kind_of_change_shows_on_the_next_query(services, http, gql):
    seller = await j.agency(gql, services)
    launch_id = await j.schedule(gql, seller, price="1000.00")
    assert (await view(http, services))[launch_id]["seatsAvailable"] == 10  # scheduling shows

    ada = await j.traveler(gql, services)
    booked = await j.book(gql, ada, launch_id)
    assert booked["__typename"] == "BookSeatsSuccess"
    assert (await view(http, services))[launch_id]["seatsAvailable"] == 8  # a booking shows

    assert (await j.cancel(gql, ada, booked["booking"]["id"]))["booking"]["seatsReleased"] is True
    assert (await view(http, services))[launch_id]["seatsAvailable"] == 10  # a cancellation shows

    edit = 'mutation($id: ID!) { updateLaunch(id: $id, input: {pricePerSeat: "1250.00"}) { id } }'
    j.ok(await gql(edit, {"id": launch_id}, token=seller.token))
    assert (await view(http, services))[launch_id]["pricePerSeat"] == "1250.00"  # a launch edit shows

    rename = 'mutation($id: ID!) { updateRocket(id: $id, input: {name: "Selene II"}) { id } }'
    j.ok(await gql(rename, {"id": seller.rocket_id}, token=seller.token))
    assert (await view(http, services))[launch_id]["rocket"]["name"] == "Selene II"  # a rocket edit shows

    later = (utcnow() + timedelta(days=500)).isoformat()
    delay = (
        'mutation($id: ID!, $at: DateTime!) { delayLaunch(id: $id, newDate: $at, reason: "weather") { __typename } }'
    )
    assert j.ok(await gql(delay, {"id": launch_id, "at": later}, token=seller.token))["delayLaunch"]["__typename"] == (
        "LaunchMoved"
    )
    assert (await view(http, services))[launch_id]["status"] == "DELAYED"  # a status move shows

    abort = 'mutation($id: ID!) { abortLaunch(id: $id, reason: "budget") { __typename } }'
    j.ok(await gql(abort, {"id": launch_id}, token=seller.token))
    assert launch_id not in await view(http, services)  # an abort takes it out
