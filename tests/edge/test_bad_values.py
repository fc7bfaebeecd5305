"""Values no store can keep are BAD_USER_INPUT naming the argument, before any store is touched; a value a
store refuses anyway is BAD_USER_INPUT too, never SERVICE_UNAVAILABLE."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import pytest
from graphql import GraphQLError
from sqlalchemy import text
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from graph.edge.errors import classify, is_store_outage
from graph.edge.scalars import parse_datetime
from models.agencies.tables import MAX_CAPACITY
from models.bookings.rules import VIP_SEAT_LIMIT, booking_amount
from models.errors import ValidationFailed
from models.launches.tables import MAX_PRICE, check_price
from tests.support.graphql import error_codes

CATALOGUE = "query($agency: ID) { launches(filter: {agencyId: $agency}) { edges { node { id } } } }"


async def test_nul_in_a_variable_is_bad_input_naming_it(gql):
    body = await gql(CATALOGUE, {"agency": "abc\x00def"})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "$agency"
    assert "data" not in body or body["data"] is None


async def test_nul_in_a_literal_is_bad_input_naming_it(gql):
    body = await gql('{ launches(filter: {agencyId: "abc\\u0000def"}) { edges { node { id } } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "filter"


async def test_nul_deep_in_an_input_object_names_its_path(gql):
    mutation = (
        'mutation($p: [PassengerInput!]!) { bookSeats(launchId: "x", passengers: $p, paymentToken: "t") '
        "{ __typename } }"
    )
    body = await gql(mutation, {"p": [{"name": "Ada\x00", "birthDate": "1990-01-01"}]})
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "$p[0].name"


def test_a_refused_value_is_not_an_outage_and_a_lost_connection_is():
    refused = DataError("INSERT ...", {}, Exception("numeric field overflow"))
    assert not is_store_outage(refused)
    assert not is_store_outage(DBAPIError("SELECT 1", {}, Exception("invalid input syntax")))
    assert is_store_outage(ConnectionRefusedError())
    assert is_store_outage(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    # the same from statements sent to the driver directly (the booking's hot path)
    assert not is_store_outage(asyncpg.exceptions.NumericValueOutOfRangeError("numeric field overflow"))
    assert not is_store_outage(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert is_store_outage(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"))
    assert is_store_outage(asyncpg.exceptions.AdminShutdownError("terminating connection"))
    assert is_store_outage(asyncpg.exceptions.InterfaceError("connection is closed"))


@pytest.mark.parametrize(
    ("statement", "value"),
    [("SELECT CAST(:v AS numeric(3, 1))", Decimal("12345")), ("SELECT CAST(:v AS text)", "a\x00b")],
)
async def test_a_value_postgresql_refuses_through_sqlalchemy_is_bad_input(services, statement, value):
    """SQLAlchemy's asyncpg dialect raises a plain DBAPIError for the driver's DataError: still bad input."""
    with pytest.raises(DBAPIError) as raised:
        async with services.db.unit_of_work() as uow:
            await uow.session.execute(text(statement), {"v": value})
    classified = classify(GraphQLError("x", original_error=raised.value), "request-1")
    assert classified.extensions == {"code": "BAD_USER_INPUT"}
    assert not is_store_outage(raised.value)


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"priceMin": "1e309"}, "priceMin"),
        ({"priceMax": "-Infinity"}, "priceMax"),
        ({"priceMin": "NaN"}, "priceMin"),
        ({"priceMax": "9" * 5000}, "priceMax"),
        ({"dateTo": "9999-12-31"}, "dateTo"),
        ({"dateFrom": "0001-01-01"}, "dateFrom"),
    ],
)
async def test_catalogue_bounds_no_launch_can_meet_are_bad_input(gql, filters, field):
    query = "query($f: CatalogueFilter) { launches(filter: $f) { edges { node { id } } } }"
    body = await gql(query, {"f": filters})
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == field


def test_the_largest_price_fits_the_largest_booking_and_the_largest_launch():
    amount_column_max = Decimal("9999999999.99")  # numeric(12, 2)
    assert booking_amount(MAX_PRICE, VIP_SEAT_LIMIT) <= amount_column_max
    assert booking_amount(MAX_PRICE, MAX_CAPACITY) <= amount_column_max  # its invoice's net revenue
    with pytest.raises(ValidationFailed):
        check_price(MAX_PRICE + Decimal("0.01"))


@pytest.mark.parametrize(
    "value", ["2031-05-01T12:00:00", "9999-12-31T23:59:59-14:00", "yesterday", "2031-02-30T00:00:00Z"]
)
async def test_every_datetime_input_needs_a_zone_and_a_representable_instant(gql, value):
    mutation = 'mutation($d: DateTime!) { delayLaunch(id: "x", newDate: $d, reason: "weather") { __typename } }'
    body = await gql(mutation, {"d": value})
    assert error_codes(body) == ["BAD_USER_INPUT"], body


def test_datetimes_are_read_in_utc():
    assert parse_datetime("2031-05-01T12:00:00+02:00") == datetime(2031, 5, 1, 10, tzinfo=UTC)
