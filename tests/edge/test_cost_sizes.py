"""The cost limit weighs a nested list by what it really returns: a launch's status history declares a
small size, so the agency's dashboard fits while abusive shapes are still refused."""

from __future__ import annotations

from graphql import parse, validate

from graph.edge.limits import Limits, operation_cost
from graph.schema import build_schema

DASHBOARD = """
query Dashboard { myLaunches(first: 50) { edges { cursor node {
  seatsSold capacity occupancyPercent minimumPassengers viable
  launch { id missionName status launchAt destination pricePerSeat seatsAvailable
    statusHistory { fromStatus toStatus changedAt reason } }
} } } }
"""
ABUSIVE = """
query Abusive { myLaunches(first: 200) { edges { node {
  launch { statusHistory { fromStatus toStatus changedAt reason } }
  bookings { travelerName seats amountPaid amountRefunded status }
} } } }
"""


def cost(document: str) -> int:
    schema = build_schema(limits=Limits(introspection=True))._schema
    assert validate(schema, parse(document)) == []  # a real screen's query, not a made-up shape
    return operation_cost(schema, parse(document), None, {}, Limits().default_list_size)


def test_the_agency_dashboard_fits_the_cost_limit():
    assert cost(DASHBOARD) <= Limits().max_cost


def test_abusive_shapes_are_still_over_the_limit():
    assert cost(ABUSIVE) > Limits().max_cost
