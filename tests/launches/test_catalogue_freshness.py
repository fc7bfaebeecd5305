"""After every launch and rocket change commits, the next anonymous catalogue query shows it (the
catalogue tag is bumped), and federation `_entities` for Launch/Rocket/Agency is batched and public."""

from __future__ import annotations

from typing import Any

from tests.support.builders import Cast, days, now

CATALOGUE = "{ launches(first: 50) { edges { node { id missionName pricePerSeat capacity seatsAvailable status } } } }"


async def catalogue(gql: Any) -> dict[str, dict[str, Any]]:
    body = await gql(CATALOGUE)
    assert "errors" not in body, body
    return {edge["node"]["id"]: edge["node"] for edge in body["data"]["launches"]["edges"]}


async def test_every_agency_change_shows_in_the_next_catalogue_query(cast: Cast, gql: Any) -> None:
    token, launch_id = cast.tokens["agency"], cast.launch.id
    assert (await catalogue(gql))[launch_id]["missionName"] == "Artemis Tour"
    assert (await catalogue(gql))[launch_id]["missionName"] == "Artemis Tour"  # served from the cache now

    edit = 'mutation($id: ID!) { updateLaunch(id: $id, input: {missionName: "Renamed", pricePerSeat: "5.00"}) { id } }'
    await gql(edit, {"id": launch_id}, token=token)
    renamed = (await catalogue(gql))[launch_id]
    assert (renamed["missionName"], renamed["pricePerSeat"]) == ("Renamed", "5.00")

    grow = "mutation($id: ID!) { updateRocket(id: $id, input: {capacity: 40}) { id } }"
    await gql(grow, {"id": cast.rocket.id}, token=token)
    assert (await catalogue(gql))[launch_id]["seatsAvailable"] == 38

    await gql("mutation($id: ID!) { confirmLaunch(id: $id) { __typename } }", {"id": launch_id}, token=token)
    assert (await catalogue(gql))[launch_id]["status"] == "CONFIRMED"

    schedule = """mutation($input: ScheduleLaunchInput!) { scheduleLaunch(input: $input) { id } }"""
    terms = {
        "rocketId": cast.rocket.id,
        "missionName": "Brand New",
        "destination": "MOON",
        "launchAt": (now() + days(9)).isoformat(),
        "pricePerSeat": "99.00",
        "minimumPassengers": 1,
    }
    new_id = (await gql(schedule, {"input": terms}, token=token))["data"]["scheduleLaunch"]["id"]
    assert new_id in await catalogue(gql)

    abort = 'mutation($id: ID!) { abortLaunch(id: $id, reason: "r") { __typename } }'
    await gql(abort, {"id": new_id}, token=token)
    assert new_id not in await catalogue(gql)


async def test_entities_are_public_batched_and_nested(cast: Cast, gql: Any) -> None:
    query = """query($r: [_Any!]!) { _entities(representations: $r) {
      __typename
      ... on Launch { missionName seatsAvailable agency { legalName } rocket { name } }
      ... on Rocket { name capacity range agency { legalName } }
      ... on Agency { legalName }
    } }"""
    reps = [
        {"__typename": "Launch", "id": cast.launch.id},
        {"__typename": "Rocket", "id": cast.rocket.id},
        {"__typename": "Agency", "id": cast.other_agency.id},
        {"__typename": "Launch", "id": "missing"},
    ]
    body = await gql(query, {"r": reps})
    assert "errors" not in body, body
    launch, rocket, agency, missing = body["data"]["_entities"]
    assert launch == {
        "__typename": "Launch",
        "missionName": "Artemis Tour",
        "seatsAvailable": 8,
        "agency": {"legalName": "Orbital Ventures"},
        "rocket": {"name": "Falcon Heavy"},
    }
    assert rocket["range"] == "MARS" and rocket["agency"] == {"legalName": "Orbital Ventures"}
    assert agency == {"__typename": "Agency", "legalName": "Rival Rockets"}
    assert missing is None
