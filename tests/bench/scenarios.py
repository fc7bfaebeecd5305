"""The operations the benchmark sends: the service's documents, PostGraphile's equivalents, APQ bodies."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

LAUNCH_FIELDS = """id missionName destination launchAt pricePerSeat seatsAvailable status
      agency { id legalName } rocket { id name capacity range }"""

CATALOGUE = f"""query Catalogue($first: Int!, $after: String) {{
  launches(first: $first, after: $after) {{
    edges {{ cursor node {{ {LAUNCH_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

# PostGraphile answers the same question through pgl.bookable_launches() (tests/bench/pgl.sql): same WHERE,
# same order; `id` there is its global node id and its relation fields are named after the foreign keys.
PGL_CATALOGUE = """query Catalogue($first: Int!) {
  bookableLaunches(first: $first) {
    edges { cursor node { id missionName destination launchAt pricePerSeat seatsAvailable status
      publicAgencyByAgencyId { id legalName } publicRocketByRocketId { id name capacity range } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

# The catalogue narrowed by every kind of filter and sorted by price (not date): its own index and keyset.
FILTERED = f"""query Filtered($first: Int!, $filter: CatalogueFilter) {{
  launches(first: $first, filter: $filter, sort: PRICE) {{
    edges {{ cursor node {{ {LAUNCH_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
FILTERED_VARIABLES = {
    "first": 50,
    "filter": {"destination": "MOON", "priceMin": "5000", "priceMax": "30000", "minSeatsAvailable": 50},
}

# pgl.filtered_launches() (tests/bench/pgl.sql): the same conditions and order.
PGL_FILTERED = """query Filtered($first: Int!) {
  filteredLaunches(first: $first, destination: "moon", priceMin: "5000", priceMax: "30000", minSeats: 50) {
    edges { cursor node { id missionName destination launchAt pricePerSeat seatsAvailable status
      publicAgencyByAgencyId { id legalName } publicRocketByRocketId { id name capacity range } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

AGENCY_LAUNCHES = """query AgencyLaunches($first: Int!) {
  myLaunches(first: $first) {
    edges { cursor node {
      launch { id missionName launchAt status }
      seatsSold capacity occupancyPercent minimumPassengers viable
      bookings { bookingId travelerId travelerName travelerEmail seats status amountPaid bookedAt } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

# pgl.my_launches() picks the launches of the agency whose user is the JWT's `sub`; occupancy and
# viability are computed columns (pgl.launches_occupancy_percent, pgl.launches_viable).
PGL_AGENCY_LAUNCHES = """query AgencyLaunches($first: Int!) {
  myLaunches(first: $first) {
    edges { cursor node {
      id missionName launchAt status
      seatsSold capacity occupancyPercent minimumPassengers viable
      publicBookingsByLaunchId { nodes { id seats status amount createdAt
        publicTravelerByTravelerId { id name contactEmail } } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def apq_extensions(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}


def apq_post_body(document: str, variables: dict[str, Any], *, with_query: bool = False) -> str:
    body: dict[str, Any] = {"variables": variables, "extensions": apq_extensions(document)}
    if with_query:
        body["query"] = document
    return json.dumps(body, separators=(",", ":"))


def apq_get_path(document: str, variables: dict[str, Any]) -> str:
    params = {
        "variables": json.dumps(variables, separators=(",", ":")),
        "extensions": json.dumps(apq_extensions(document), separators=(",", ":")),
    }
    return "/graphql?" + urlencode(params)


def post_body(document: str, variables: dict[str, Any]) -> str:
    return json.dumps({"query": document, "variables": variables}, separators=(",", ":"))


def post_spec(url: str, body: str, connections: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "url": url,
        "method": "POST",
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": body,
        "connections": connections,
    }


def get_spec(url: str, connections: int) -> dict[str, Any]:
    return {"url": url, "method": "GET", "headers": {"accept": "application/json"}, "connections": connections}
