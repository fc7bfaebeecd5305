"""GraphQL walks shared by the tests: an agency selling a launch (through the launch mutations)
and a traveler with a profile, each as a real user with a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from models.base import utcnow
from tests.support.builders import make_user
from tests.support.graphql import GraphQLClient

AGENCY_PROFILE = """
mutation { createAgencyProfile(input: {legalName: "Selene Spaceways", contactInfo: "+1 555 0100",
  contactEmail: "ops@selene.example", taxId: "US-12-3456789", legalAddress: "1 Pad Road"}) { id } }"""
ADD_ROCKET = """
mutation($name: String!) { addRocket(input: {name: $name, capacity: 10, range: MARS}) { id } }"""
SCHEDULE = """
mutation($rocket: ID!, $at: DateTime!, $price: Decimal!) {
  scheduleLaunch(input: {rocketId: $rocket, missionName: "Moonrise", destination: MOON, launchAt: $at,
                         pricePerSeat: $price, minimumPassengers: 1}) { id }
}"""
TRAVELER_PROFILE = """
mutation($input: TravelerProfileInput!) {
  createTravelerProfile(input: $input) {
    __typename
    ... on TravelerProfileSaved { traveler { id name contactEmail phone taxId vip } }
    ... on InvalidTravelerProfile { message problems { field message } }
  }
}"""
BOOK = """
mutation($launch: ID!, $passengers: [PassengerInput!]!, $token: String!, $key: String) {
  bookSeats(launchId: $launch, passengers: $passengers, paymentToken: $token, idempotencyKey: $key) {
    __typename
    ... on BookingRefusal { message }
    ... on BookSeatsSuccess { replayed booking { id seats amount status launch { id seatsAvailable } } }
    ... on NotEnoughSeats { requested seatsAvailable }
    ... on SeatLimitExceeded { limit alreadyBooked vip }
    ... on PassengerAgeOutOfRange { passengerIndex ageOnLaunchDate }
    ... on PaymentDeclined { reason }
  }
}"""
CANCEL = """
mutation($id: ID!) {
  cancelBooking(bookingId: $id) {
    __typename
    ... on BookingRefusal { message }
    ... on BookingCancellation { booking { id status seatsReleased } refund { amount ratio } }
  }
}"""
PASSENGERS = [{"name": "Ada Voyager", "birthDate": "1990-05-17"}, {"name": "Bob Voyager", "birthDate": "1988-01-02"}]
PASSENGERS_NAMES = [{"name": passenger["name"]} for passenger in PASSENGERS]
PROFILE = {"name": "Ada Voyager", "contactEmail": "ada@example.test", "phone": "+34 600 123 456"}


def ok(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    return body["data"]


@dataclass
class Agency:
    token: str
    user_id: str
    rocket_id: str


@dataclass
class Traveler:
    token: str
    user_id: str


async def agency(gql: GraphQLClient, services: Any, rocket: str = "Selene I") -> Agency:
    user, token = await make_user(services, "agency")
    ok(await gql(AGENCY_PROFILE, token=token))
    rocket_id = ok(await gql(ADD_ROCKET, {"name": rocket}, token=token))["addRocket"]["id"]
    return Agency(token, user.id, rocket_id)


async def schedule(gql: GraphQLClient, seller: Agency, *, at: datetime | None = None, price: str = "1500.00") -> str:
    at = at or utcnow() + timedelta(days=400)
    variables = {"rocket": seller.rocket_id, "at": at.isoformat(), "price": price}
    return ok(await gql(SCHEDULE, variables, token=seller.token))["scheduleLaunch"]["id"]


async def traveler(gql: GraphQLClient, services: Any, *, profile: bool = True, confirmed: bool = True) -> Traveler:
    user, token = await make_user(services, "traveler", confirmed=confirmed)
    if profile:
        saved = ok(await gql(TRAVELER_PROFILE, {"input": PROFILE}, token=token))["createTravelerProfile"]
        assert saved["__typename"] == "TravelerProfileSaved", saved
    return Traveler(token, user.id)


async def book(gql: GraphQLClient, who: Traveler, launch_id: str, **kw: Any) -> dict[str, Any]:
    variables = {"launch": launch_id, "passengers": kw.get("passengers", PASSENGERS)}
    variables |= {"token": kw.get("payment", "tok_success"), "key": kw.get("key")}
    return ok(await gql(BOOK, variables, token=who.token))["bookSeats"]


async def cancel(gql: GraphQLClient, who: Traveler, booking_id: str) -> dict[str, Any]:
    return ok(await gql(CANCEL, {"id": booking_id}, token=who.token))["cancelBooking"]
