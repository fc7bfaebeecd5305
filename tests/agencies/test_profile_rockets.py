"""Agency profile and rockets through GraphQL: the rules, the capacity copy, soft delete, authorization."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from models.agencies.tables import Rocket
from models.launches.tables import Launch
from models.sync.outbox import OutboxEvent
from tests.support.builders import WHO, Cast, make_launch, make_rocket, make_user
from tests.support.graphql import error_codes

PROFILE_FIELDS = "id legalName description contactInfo contactEmail taxId legalAddress"
CREATE_PROFILE = (
    f"mutation($input: AgencyProfileInput!) {{ createAgencyProfile(input: $input) {{ {PROFILE_FIELDS} }} }}"
)
UPDATE_PROFILE = (
    f"mutation($input: AgencyProfileUpdate!) {{ updateAgencyProfile(input: $input) {{ {PROFILE_FIELDS} }} }}"
)
MY_AGENCY = f"{{ myAgency {{ {PROFILE_FIELDS} }} }}"
ADD_ROCKET = "mutation($input: RocketInput!) { addRocket(input: $input) { id name capacity range retired } }"
UPDATE_ROCKET = (
    "mutation($id: ID!, $input: RocketUpdate!) { updateRocket(id: $id, input: $input) { id name capacity range } }"
)
DELETE_ROCKET = "mutation($id: ID!) { deleteRocket(id: $id) { rocketId retired } }"
MY_ROCKETS = "query($all: Boolean!) { myRockets(includeRetired: $all) { id name retired } }"
PROFILE = {
    "legalName": "Lunar Lines LLC",
    "contactInfo": "+1 555 0199",
    "contactEmail": "hello@lunar.example",
    "taxId": "98-7654321",
    "legalAddress": "2 Crater Road, Houston, TX",
}


async def test_an_agency_creates_reads_and_updates_its_profile(services: Any, gql: Any) -> None:
    _, token = await make_user(services, "agency")
    assert (await gql(MY_AGENCY, token=token))["data"]["myAgency"] is None
    created = (await gql(CREATE_PROFILE, {"input": PROFILE}, token=token))["data"]["createAgencyProfile"]
    assert created["legalName"] == "Lunar Lines LLC" and created["description"] is None
    again = await gql(CREATE_PROFILE, {"input": PROFILE}, token=token)
    assert error_codes(again) == ["CONFLICT"]
    updated = await gql(
        UPDATE_PROFILE, {"input": {"description": "Weekly Moon trips", "taxId": "98-7654322"}}, token=token
    )
    profile = updated["data"]["updateAgencyProfile"]
    assert (profile["description"], profile["taxId"], profile["legalName"]) == (
        "Weekly Moon trips",
        "98-7654322",
        "Lunar Lines LLC",
    )
    assert (await gql(MY_AGENCY, token=token))["data"]["myAgency"] == profile


@pytest.mark.parametrize(("field", "value"), [("contactEmail", "nope"), ("taxId", "x"), ("legalName", " ")])
async def test_profile_validation_is_bad_user_input_naming_the_field(
    services: Any, gql: Any, field: str, value: str
) -> None:
    _, token = await make_user(services, "agency")
    body = await gql(CREATE_PROFILE, {"input": {**PROFILE, field: value}}, token=token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"]


@pytest.mark.parametrize("who", WHO)
async def test_profile_private_fields_only_for_the_agency_and_staff(cast: Cast, gql: Any, who: str) -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Agency { legalName taxId } } }"
    body = await gql(query, {"r": [{"__typename": "Agency", "id": cast.agency.id}]}, token=cast.tokens[who])
    assert body["data"]["_entities"][0]["legalName"] == "Orbital Ventures"
    if who in ("agency", "financial", "it"):
        assert "errors" not in body and body["data"]["_entities"][0]["taxId"] == "12-3456789"
    else:
        assert error_codes(body) == ["FORBIDDEN"] and body["data"]["_entities"][0]["taxId"] is None


async def test_rocket_add_edit_rules(cast: Cast, gql: Any) -> None:
    token = cast.tokens["agency"]
    add = await gql(ADD_ROCKET, {"input": {"name": "Starship", "capacity": 100, "range": "MOON"}}, token=token)
    rocket = add["data"]["addRocket"]
    assert (rocket["capacity"], rocket["range"], rocket["retired"]) == (100, "MOON", False)
    for bad in ({"capacity": 0}, {"capacity": 501}, {"name": ""}):
        body = await gql(ADD_ROCKET, {"input": {"name": "X", "capacity": 5, "range": "MARS", **bad}}, token=token)
        assert error_codes(body) == ["BAD_USER_INPUT"], bad
    duplicate = await gql(ADD_ROCKET, {"input": {"name": "Starship", "capacity": 5, "range": "MARS"}}, token=token)
    assert error_codes(duplicate) == ["CONFLICT"]
    renamed = await gql(
        UPDATE_ROCKET, {"id": rocket["id"], "input": {"name": "Starship 2", "range": "MARS"}}, token=token
    )
    assert renamed["data"]["updateRocket"]["name"] == "Starship 2"
    assert renamed["data"]["updateRocket"]["range"] == "MARS"


async def test_capacity_cannot_drop_below_seats_sold_and_follows_to_open_launches(
    services: Any, cast: Cast, gql: Any
) -> None:
    token, rocket = cast.tokens["agency"], cast.rocket  # cast.launch: 2 seats sold, minimum 2
    finished = await make_launch(services, rocket, status="launched", seats_sold=10)
    below = await gql(UPDATE_ROCKET, {"id": rocket.id, "input": {"capacity": 1}}, token=token)
    assert error_codes(below) == ["CONFLICT"]
    assert (await gql(UPDATE_ROCKET, {"id": rocket.id, "input": {"capacity": 2}}, token=token))["data"]
    grown = await gql(UPDATE_ROCKET, {"id": rocket.id, "input": {"capacity": 300}}, token=token)
    assert grown["data"]["updateRocket"]["capacity"] == 300
    async with services.db.unit_of_work() as uow:
        capacities = dict((await uow.session.execute(select(Launch.id, Launch.capacity))).all())
    assert capacities == {cast.launch.id: 300, finished.id: 10}  # finished launches keep their history


async def test_range_cannot_shrink_below_an_open_launch_destination(cast: Cast, gql: Any) -> None:
    body = await gql(
        UPDATE_ROCKET, {"id": cast.rocket.id, "input": {"range": "LOW_EARTH"}}, token=cast.tokens["agency"]
    )
    assert error_codes(body) == ["CONFLICT"]


async def test_delete_rules_refused_retired_or_removed(services: Any, cast: Cast, gql: Any) -> None:
    token = cast.tokens["agency"]
    assert error_codes(await gql(DELETE_ROCKET, {"id": cast.rocket.id}, token=token)) == ["CONFLICT"]
    old = await make_rocket(services, cast.agency, name="Old Faithful")
    await make_launch(services, old, status="failed")
    await make_launch(services, old, status="aborted")
    retired = (await gql(DELETE_ROCKET, {"id": old.id}, token=token))["data"]["deleteRocket"]
    assert retired == {"rocketId": old.id, "retired": True}
    unused = await make_rocket(services, cast.agency, name="Never Flown")
    assert (await gql(DELETE_ROCKET, {"id": unused.id}, token=token))["data"]["deleteRocket"]["retired"] is False
    names = [r["name"] for r in (await gql(MY_ROCKETS, {"all": False}, token=token))["data"]["myRockets"]]
    assert names == ["Falcon Heavy"]
    everything = (await gql(MY_ROCKETS, {"all": True}, token=token))["data"]["myRockets"]
    assert {(r["name"], r["retired"]) for r in everything} == {("Falcon Heavy", False), ("Old Faithful", True)}
    reuse = await gql(ADD_ROCKET, {"input": {"name": "Old Faithful", "capacity": 3, "range": "MOON"}}, token=token)
    assert reuse["data"]["addRocket"]["name"] == "Old Faithful"  # a retired rocket frees its name
    assert error_codes(await gql(UPDATE_ROCKET, {"id": old.id, "input": {"capacity": 2}}, token=token)) == ["NOT_FOUND"]
    async with services.db.unit_of_work() as uow:
        count = select(func.count()).select_from(Rocket).where(Rocket.id == unused.id)
        assert (await uow.session.execute(count)).scalar_one() == 0
        events = select(OutboxEvent.event_type).where(OutboxEvent.aggregate_type == "Rocket")
        assert set((await uow.session.execute(events)).scalars()) >= {
            "rocket_retired",
            "rocket_deleted",
            "rocket_added",
        }


ROCKET_OPS = {
    "createAgencyProfile": (CREATE_PROFILE, lambda c: {"input": PROFILE}),
    "updateAgencyProfile": (UPDATE_PROFILE, lambda c: {"input": {"description": "d"}}),
    "addRocket": (ADD_ROCKET, lambda c: {"input": {"name": "New", "capacity": 5, "range": "MOON"}}),
    "updateRocket": (UPDATE_ROCKET, lambda c: {"id": c.rocket.id, "input": {"name": "Renamed"}}),
    "deleteRocket": (DELETE_ROCKET, lambda c: {"id": c.rocket.id}),
    "myAgency": (MY_AGENCY, lambda c: {}),
    "myRockets": (MY_ROCKETS, lambda c: {"all": False}),
}
# Expected error code per caller; None = allowed. The owner's own createAgencyProfile conflicts (it exists).
EXPECTED = {
    "visitor": "UNAUTHENTICATED",
    "traveler": "FORBIDDEN",
    "other_traveler": "FORBIDDEN",
    "financial": "FORBIDDEN",
    "it": "FORBIDDEN",
}


@pytest.mark.parametrize("operation", ROCKET_OPS)
@pytest.mark.parametrize("who", WHO)
async def test_authorization_matrix(cast: Cast, gql: Any, operation: str, who: str) -> None:
    document, variables = ROCKET_OPS[operation]
    body = await gql(document, variables(cast), token=cast.tokens[who])
    if who in EXPECTED:
        assert error_codes(body) == [EXPECTED[who]]
    elif who == "other_agency" and operation in ("updateRocket", "deleteRocket"):
        assert error_codes(body) == ["FORBIDDEN"]  # never another agency's rocket
    elif operation == "createAgencyProfile":
        assert error_codes(body) == ["CONFLICT"]
    elif operation == "deleteRocket" and who == "agency":
        assert error_codes(body) == ["CONFLICT"]  # its launch is not finished
    else:
        assert "errors" not in body, body
        if operation == "myRockets":
            expected = ["Falcon Heavy"] if who == "agency" else []
            assert [r["name"] for r in body["data"]["myRockets"]] == expected


async def test_an_agency_without_profile_is_told_to_create_it(services: Any, gql: Any) -> None:
    _, token = await make_user(services, "agency")
    body = await gql(ADD_ROCKET, {"input": {"name": "X", "capacity": 5, "range": "MOON"}}, token=token)
    assert error_codes(body) == ["NOT_FOUND"]
