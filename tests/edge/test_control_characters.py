"""Names hold no control characters (Unicode Cc: C0, DEL, C1, tabs and line breaks): every name a client
gives (account, employee, agency, rocket, mission, traveler, passenger) is refused as bad input naming it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.base import has_control
from tests.support.builders import make_user, now
from tests.support.graphql import error_codes

BAD = ["Ada\nLovelace", "Ada\tLovelace", "Ada\x1b[31mLovelace", "Ada\x7fLovelace", "Ada\x85Lovelace"]
REFUSED_TYPES = {"InvalidInput", "InvalidTravelerProfile"}

DOCUMENTS: dict[str, tuple[str, str, Any]] = {
    "register": (
        'mutation($n: String!) { register(name: $n, email: "new@example.test", password: "Nebula-Drift-4471",'
        " role: TRAVELER) { __typename } }",
        "visitor",
        None,
    ),
    "createEmployee": (
        'mutation($n: String!) { createEmployee(name: $n, email: "staff@example.test", role: FINANCIAL)'
        " { __typename } }",
        "it",
        None,
    ),
    "createAgencyProfile": (
        'mutation($n: String!) { createAgencyProfile(input: {legalName: $n, contactInfo: "+1 555 0100",'
        ' contactEmail: "ops@example.test", taxId: "US-12-3456789", legalAddress: "1 Pad Road"}) { id } }',
        "new_agency",
        None,
    ),
    "addRocket": (
        "mutation($n: String!) { addRocket(input: {name: $n, capacity: 10, range: MARS}) { id } }",
        "agency",
        None,
    ),
    "scheduleLaunch": (
        "mutation($n: String!, $r: ID!, $at: DateTime!) { scheduleLaunch(input: {rocketId: $r, missionName: $n,"
        ' destination: MOON, launchAt: $at, pricePerSeat: "100.00", minimumPassengers: 1}) { id } }',
        "agency",
        "rocket",
    ),
    "createTravelerProfile": (
        'mutation($n: String!) { createTravelerProfile(input: {name: $n, contactEmail: "ada@example.test",'
        ' phone: "+34600123456"}) { __typename } }',
        "new_traveler",
        None,
    ),
    "bookSeats": (
        'mutation($n: String!, $l: ID!) { bookSeats(launchId: $l, passengers: [{name: $n, birthDate: "1990-05-17"}],'
        ' paymentToken: "tok_success") { __typename } }',
        "traveler",
        "launch",
    ),
}


def test_the_rule():
    assert all(has_control(name) for name in BAD)
    assert not has_control("Ada Lovelace-Byron, Ünïcödé 宇宙")


@pytest.mark.parametrize("field", DOCUMENTS)
@pytest.mark.parametrize("name", BAD[:3])
async def test_a_name_with_a_control_character_is_bad_input(gql, services, cast, field, name):
    document, who, extra = DOCUMENTS[field]
    fresh = who.startswith("new_")  # a user without a profile yet
    token = (await make_user(services, who.removeprefix("new_")))[1] if fresh else cast.tokens[who]
    variables: dict[str, Any] = {"n": name}
    if extra == "rocket":
        variables |= {"r": cast.rocket.id, "at": (now() + timedelta(days=60)).isoformat()}
    elif extra == "launch":
        variables["l"] = cast.launch.id
    body = await gql(document, variables, token=token)
    if "errors" in body:
        assert error_codes(body) == ["BAD_USER_INPUT"], body
    else:
        assert next(iter(body["data"].values()))["__typename"] in REFUSED_TYPES, body
