"""A cursor comes back from the client. One that decodes but carries what no store can compare with (a NUL
character, a date-time without a zone or outside what UTC can represent, seat counts no launch has) is
BAD_USER_INPUT on `after` before any store is touched; odd but comparable keys (huge or non-finite numbers)
answer an empty page or the same refusal. Never an internal error or an outage, on every paged list that
PostgreSQL answers (the user and log lists page MongoDB, which keeps any text)."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest

from tests.support.builders import make_cast
from tests.support.graphql import error_codes

BAD_DATES = ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2030-01-01T00:00:00"]
GOOD_DATE = "2030-01-01T00:00:00+00:00"
ODD_NUMBERS = ["NaN", "-Infinity", "1e309", "9" * 5000]


def encoded(raw: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(raw)).decode()


def catalogue(sort: str, key: Any, launch_id: str = "x") -> str:
    return encoded([sort, False, key, launch_id]).rstrip("=")


def keyed(sort: str, key: Any, row_id: str = "x") -> str:
    return encoded({"s": sort, "k": key, "i": row_id})


LAUNCHES = "query($a: String, $s: CatalogueSort!) { launches(first: 2, after: $a, sort: $s) { edges { cursor } } }"
MY_LAUNCHES = "query($a: String, $s: OccupancySort!) { myLaunches(first: 2, after: $a, sort: $s) { edges { cursor } } }"
INVOICES = "query($a: String, $s: InvoiceSort!) { invoices(first: 2, after: $a, sort: $s) { edges { cursor } } }"

REFUSED = (
    [("visitor", LAUNCHES, "DATE", catalogue("date", date)) for date in BAD_DATES]
    + [("visitor", LAUNCHES, "DATE", catalogue("date", GOOD_DATE, "x\x00y"))]
    + [("visitor", LAUNCHES, "PRICE", catalogue("price", "1", "x\x00y"))]
    + [("agency", MY_LAUNCHES, "DATE", keyed("date", date)) for date in BAD_DATES]
    + [("agency", MY_LAUNCHES, "DATE", keyed("date", GOOD_DATE, "x\x00y"))]
    + [("agency", MY_LAUNCHES, "OCCUPANCY", keyed("occupancy", key)) for key in ([2**62, 2**62], [1, 0], [-1, 5])]
    + [("financial", INVOICES, "ISSUED_AT", keyed("issued_at", date)) for date in BAD_DATES]
    + [("financial", INVOICES, "DUE_AT", keyed("due_at", GOOD_DATE, "x\x00y"))]
)
TYPED = (
    [("visitor", LAUNCHES, "PRICE", catalogue("price", key)) for key in ODD_NUMBERS]
    + [("visitor", LAUNCHES, "SEATS_AVAILABLE", catalogue("seats_available", key)) for key in (2**63 - 1, -(2**63))]
    + [("financial", INVOICES, "AMOUNT", keyed("amount", key)) for key in ODD_NUMBERS]
)


@pytest.fixture
async def ask(edge):
    app = await edge()
    cast = await make_cast(app.services)

    async def ask(who: str, query: str, sort: str, after: str) -> dict[str, Any]:
        token = cast.tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return (await app.post({"query": query, "variables": {"a": after, "s": sort}}, **headers)).json()

    return ask


@pytest.mark.parametrize(("who", "query", "sort", "after"), REFUSED)
async def test_a_cursor_no_store_can_compare_with_is_bad_input(ask, who, query, sort, after):
    body = await ask(who, query, sort, after)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["field"] == "after"


@pytest.mark.parametrize(("who", "query", "sort", "after"), TYPED)
async def test_odd_but_comparable_cursor_keys_get_typed_answers(ask, who, query, sort, after):
    body = await ask(who, query, sort, after)
    assert error_codes(body) in ([], ["BAD_USER_INPUT"]), body
