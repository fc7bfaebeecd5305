"""Who may do what, for every operation and nested field of the bookings domain: visitor, the traveler,
another traveler, the launch's agency, another agency, financial, IT."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import journeys as j
from tests.support.builders import make_user
from tests.support.graphql import error_codes

ROLES = ("visitor", "traveler", "other_traveler", "agency", "other_agency", "financial", "it")
ALLOWED, DENIED = "data", None  # DENIED: the code expected instead, per role (below)
ONLY_TRAVELERS = {
    "visitor": "UNAUTHENTICATED",
    "traveler": ALLOWED,
    "other_traveler": ALLOWED,
    "agency": "FORBIDDEN",
    "other_agency": "FORBIDDEN",
    "financial": "FORBIDDEN",
    "it": "FORBIDDEN",
}

BOOKING_ENTITY = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Booking { id seats amount status passengers { name } refund { amount } launch { id } } } }"""
TRAVELER_ENTITY = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Traveler { id name phone taxId vip emergencyContact { name } } } }"""

EXPECTED = {
    "catalogue": dict.fromkeys(ROLES, ALLOWED),
    "myBookings": ONLY_TRAVELERS,
    "myTravelerProfile": ONLY_TRAVELERS,
    "updateTravelerProfile": ONLY_TRAVELERS,
    "bookSeats": ONLY_TRAVELERS,
    "cancelBooking": ONLY_TRAVELERS | {"other_traveler": "NOT_FOUND"},
    "Booking": {
        "visitor": "UNAUTHENTICATED",
        "traveler": ALLOWED,
        "other_traveler": "FORBIDDEN",
        "agency": ALLOWED,
        "other_agency": "FORBIDDEN",
        "financial": ALLOWED,
        "it": "FORBIDDEN",
    },
    "Traveler": {
        "visitor": "UNAUTHENTICATED",
        "traveler": ALLOWED,
        "other_traveler": "FORBIDDEN",
        "agency": "FORBIDDEN",
        "other_agency": "FORBIDDEN",
        "financial": ALLOWED,
        "it": ALLOWED,
    },
}


@pytest.fixture
async def world(services: Any, gql: Any) -> dict[str, Any]:
    seller = await j.agency(gql, services)
    launch_id = await j.schedule(gql, seller)
    owner = await j.traveler(gql, services)
    booking = (await j.book(gql, owner, launch_id))["booking"]
    profile = j.ok(await gql("{ myTravelerProfile { id } }", token=owner.token))["myTravelerProfile"]
    tokens = {
        "visitor": None,
        "traveler": owner.token,
        "other_traveler": (await j.traveler(gql, services)).token,
        "agency": seller.token,
        "other_agency": (await j.agency(gql, services, rocket="Other")).token,
        "financial": (await make_user(services, "financial"))[1],
        "it": (await make_user(services, "it"))[1],
    }
    return {"launch": launch_id, "booking": booking["id"], "traveler": profile["id"], "tokens": tokens}


def operations(world: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "catalogue": ("{ launches { edges { node { id agency { legalName } rocket { name } } } } }", {}),
        "myBookings": ("{ myBookings { id passengers { name } refund { amount } launch { status } } }", {}),
        "myTravelerProfile": ("{ myTravelerProfile { id vip } }", {}),
        "updateTravelerProfile": (
            'mutation { updateTravelerProfile(input: {travelPreferences: "aisle"}) { __typename } }',
            {},
        ),
        "bookSeats": (j.BOOK, {"launch": world["launch"], "passengers": j.PASSENGERS[:1], "token": "tok_success"}),
        "cancelBooking": (j.CANCEL, {"id": world["booking"]}),
        "Booking": (BOOKING_ENTITY, {"r": [{"__typename": "Booking", "id": world["booking"]}]}),
        "Traveler": (TRAVELER_ENTITY, {"r": [{"__typename": "Traveler", "id": world["traveler"]}]}),
    }


@pytest.mark.parametrize("operation", list(EXPECTED))
async def test_authorization_matrix(gql, world, operation):
    query, variables = operations(world)[operation]
    outcome = {}
    for role in ROLES:
        body = await gql(query, variables, token=world["tokens"][role])
        codes = error_codes(body)
        outcome[role] = codes[0] if codes else ALLOWED
        if outcome[role] == ALLOWED:
            assert all(value not in (None, []) for value in body["data"].values()) or operation == "myBookings", body
    assert outcome == EXPECTED[operation]


async def test_the_launchs_agency_reads_the_bookings_nested_fields(gql, world):
    query, variables = operations(world)["Booking"]
    body = await gql(query, variables, token=world["tokens"]["agency"])
    entity = body["data"]["_entities"][0]
    assert (entity["passengers"], entity["launch"]) == (j.PASSENGERS_NAMES, {"id": world["launch"]})
