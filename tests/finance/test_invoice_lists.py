"""Invoice lists: filters (agency, status, period), sorting, cursor pagination; an agency sees its own."""

from __future__ import annotations

from datetime import UTC, datetime

from models.launches.tables import LaunchStatus
from tests.support.builders import days, make_launch, now
from tests.support.finance import make_agency_user, make_invoice
from tests.support.graphql import error_codes

LIST = """
query($filter: InvoiceFilter, $sort: InvoiceSort, $descending: Boolean, $first: Int, $after: String) {
  invoices(filter: $filter, sort: $sort, descending: $descending, first: $first, after: $after) {
    edges { cursor node { number status amount agencyName missionName } }
    pageInfo { hasNextPage endCursor }
  }
}"""
DETAILS = "query($id: ID!) { invoice(id: $id) { number status outstanding payments { amount } } }"


async def books(services):
    alpha = await make_agency_user(services, "Alpha Launches")
    beta = await make_agency_user(services, "Beta Orbital")
    specs = [  # (agency, number, amount, issued, paid)
        (alpha, "INV-2026-00001", "300.00", now() - days(45), "0.00"),  # overdue
        (alpha, "INV-2026-00002", "100.00", now() - days(3), "40.00"),  # partially paid
        (beta, "INV-2026-00003", "200.00", now() - days(2), "0.00"),  # pending
        (beta, "INV-2026-00004", "50.00", now() - days(50), "50.00"),  # paid
        (beta, "INV-2025-00001", "1000.00", datetime(2025, 12, 1, tzinfo=UTC), "0.00"),  # overdue, 2025
    ]
    invoices = {}
    for seller, number, amount, issued, paid in specs:
        launch = await make_launch(services, seller.rocket, status=LaunchStatus.LAUNCHED, mission=f"Mission {number}")
        invoices[number] = await make_invoice(
            services, launch, number=number, amount=amount, issued_at=issued, paid=paid
        )
    return alpha, beta, invoices


def numbers(body):
    return [edge["node"]["number"] for edge in body["data"]["invoices"]["edges"]]


async def test_filters_sorting_and_pages(services, gql, cast):
    alpha, beta, _ = await books(services)
    token = cast.tokens["financial"]
    by_amount = await gql(LIST, {"sort": "AMOUNT", "descending": False}, token=token)
    assert numbers(by_amount) == [
        "INV-2026-00004",
        "INV-2026-00002",
        "INV-2026-00003",
        "INV-2026-00001",
        "INV-2025-00001",
    ]
    seen, after = [], None
    while True:
        page = await gql(LIST, {"sort": "AMOUNT", "descending": False, "first": 2, "after": after}, token=token)
        seen += numbers(page)
        info = page["data"]["invoices"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == numbers(by_amount)
    overdue = await gql(LIST, {"filter": {"statuses": ["OVERDUE"]}}, token=token)
    assert sorted(numbers(overdue)) == ["INV-2025-00001", "INV-2026-00001"]
    open_ = await gql(LIST, {"filter": {"statuses": ["PENDING", "PARTIALLY_PAID"]}}, token=token)
    assert numbers(open_) == ["INV-2026-00003", "INV-2026-00002"]  # newest issue first by default
    of_beta = await gql(LIST, {"filter": {"agencyId": beta.agency.id, "period": {"year": 2025}}}, token=token)
    assert numbers(of_beta) == ["INV-2025-00001"]
    first = (await gql(LIST, {"first": 1}, token=token))["data"]["invoices"]["edges"][0]["node"]
    assert first == {
        "number": "INV-2026-00003",
        "status": "PENDING",
        "amount": "200.00",
        "agencyName": "Beta Orbital",
        "missionName": "Mission INV-2026-00003",
    }
    bad = await gql(LIST, {"sort": "DUE_AT", "after": page["data"]["invoices"]["edges"][0]["cursor"]}, token=token)
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_an_agency_sees_its_own_invoices_only(services, gql, cast):
    alpha, beta, invoices = await books(services)
    own = await gql(LIST, {}, token=alpha.token)
    assert sorted(numbers(own)) == ["INV-2026-00001", "INV-2026-00002"]
    assert error_codes(await gql(LIST, {"filter": {"agencyId": beta.agency.id}}, token=alpha.token)) == ["FORBIDDEN"]
    mine = await gql(DETAILS, {"id": invoices["INV-2026-00002"].id}, token=alpha.token)
    assert mine["data"]["invoice"]["outstanding"] == "60.00"
    theirs = await gql(DETAILS, {"id": invoices["INV-2026-00003"].id}, token=alpha.token)
    assert error_codes(theirs) == ["FORBIDDEN"]
    for who, code in (("traveler", "FORBIDDEN"), ("it", "FORBIDDEN"), ("visitor", "UNAUTHENTICATED")):
        assert error_codes(await gql(LIST, {}, token=cast.tokens[who])) == [code], who
