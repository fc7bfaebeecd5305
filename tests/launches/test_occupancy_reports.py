"""The occupancy view (filters, sorts, keyset cursors), the booking report and its CSV, their authorization
(the statement count of launches with their bookings is in test_no_n_plus_one)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from models.launches.tables import Launch
from models.travelers.tables import Traveler
from tests.support.builders import WHO, Cast, days, make_booking, make_launch, make_rocket, now
from tests.support.graphql import error_codes

OCCUPANCY = """query($filter: OccupancyFilter, $sort: OccupancySort!, $desc: Boolean!, $first: Int!, $after: String) {
  myLaunches(filter: $filter, sort: $sort, descending: $desc, first: $first, after: $after) {
    edges {
      cursor
      node { launch { id missionName status } seatsSold capacity occupancyPercent minimumPassengers viable }
    }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"""
REPORT = """query($id: ID!) {
  launchBookingReport(launchId: $id) {
    launch { id } seatsSold activeBookings amountPaid amountRefunded revenue
    lines { travelerName travelerEmail seats status pricePerSeat amountPaid amountRefunded revenue seatsReleased }
  }
}"""


async def occupancy(gql: Any, token: str | None, **variables: Any) -> dict[str, Any]:
    defaults = {"filter": None, "sort": "DATE", "desc": False, "first": 20, "after": None}
    return await gql(OCCUPANCY, {**defaults, **variables}, token=token)


def names(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["launch"]["missionName"] for edge in body["data"]["myLaunches"]["edges"]]


@pytest.fixture
async def fleet(services: Any, cast: Cast) -> dict[str, Launch]:
    """Besides cast.launch ("Artemis Tour": 2/10 sold, in 30 days): four more launches of the agency and
    one of the other agency."""
    big = await make_rocket(services, cast.agency, capacity=4, name="Small")
    made = {
        "A": await make_launch(services, big, mission="A", seats_sold=4, minimum=2, launch_at=now() + days(5)),
        "B": await make_launch(services, cast.rocket, mission="B", seats_sold=5, minimum=6, launch_at=now() + days(10)),
        "C": await make_launch(
            services, cast.rocket, mission="C", seats_sold=0, status="delayed", launch_at=now() + days(50)
        ),
        "D": await make_launch(services, big, mission="D", seats_sold=2, status="launched", launch_at=now() - days(3)),
    }
    theirs = await make_rocket(services, cast.other_agency, name="Theirs")
    await make_launch(services, theirs, mission="Not mine", launch_at=now() + days(1))
    return made


async def test_occupancy_figures_and_viability(cast: Cast, gql: Any, fleet: dict[str, Launch]) -> None:
    body = await occupancy(gql, cast.tokens["agency"])
    nodes = {edge["node"]["launch"]["missionName"]: edge["node"] for edge in body["data"]["myLaunches"]["edges"]}
    assert list(nodes) == ["D", "A", "B", "Artemis Tour", "C"]  # by date
    assert nodes["A"] | {"launch": None} == {
        "launch": None,
        "seatsSold": 4,
        "capacity": 4,
        "occupancyPercent": "100.00",
        "minimumPassengers": 2,
        "viable": True,
    }
    assert (nodes["B"]["occupancyPercent"], nodes["B"]["viable"]) == ("50.00", False)
    assert nodes["Artemis Tour"]["occupancyPercent"] == "20.00"


async def test_occupancy_filters_and_sorts(cast: Cast, gql: Any, fleet: dict[str, Launch]) -> None:
    token = cast.tokens["agency"]
    by_status = await occupancy(gql, token, filter={"statuses": ["DELAYED", "LAUNCHED"]})
    assert names(by_status) == ["D", "C"]
    window = {"launchFrom": (now() + days(4)).isoformat(), "launchTo": (now() + days(31)).isoformat()}
    assert names(await occupancy(gql, token, filter=window)) == ["A", "B", "Artemis Tour"]
    assert names(await occupancy(gql, token, sort="OCCUPANCY", desc=True)) == ["A", "D", "B", "Artemis Tour", "C"]
    assert names(await occupancy(gql, token, sort="OCCUPANCY")) == ["C", "Artemis Tour", "B", "D", "A"]
    assert names(await occupancy(gql, token, desc=True)) == ["C", "Artemis Tour", "B", "A", "D"]


@pytest.mark.parametrize(("sort", "desc"), [("DATE", False), ("DATE", True), ("OCCUPANCY", False), ("OCCUPANCY", True)])
async def test_cursor_pages_walk_the_whole_list_once(
    cast: Cast, gql: Any, fleet: dict[str, Launch], sort: str, desc: bool
) -> None:
    token = cast.tokens["agency"]
    everything = names(await occupancy(gql, token, sort=sort, desc=desc, first=100))
    walked, after, pages = [], None, 0
    while True:
        body = await occupancy(gql, token, sort=sort, desc=desc, first=2, after=after)
        walked += names(body)
        info, pages = body["data"]["myLaunches"]["pageInfo"], pages + 1
        assert info["hasPreviousPage"] == (after is not None)
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert walked == everything and pages == 3


async def test_bad_cursor_and_page_size(cast: Cast, gql: Any) -> None:
    token = cast.tokens["agency"]
    assert error_codes(await occupancy(gql, token, after="garbage")) == ["BAD_USER_INPUT"]
    date_cursor = (await occupancy(gql, token))["data"]["myLaunches"]["pageInfo"]["endCursor"]
    assert error_codes(await occupancy(gql, token, sort="OCCUPANCY", after=date_cursor)) == ["BAD_USER_INPUT"]
    assert error_codes(await occupancy(gql, token, first=0)) == ["BAD_USER_INPUT"]
    assert error_codes(await occupancy(gql, token, first=201)) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("who", WHO)
async def test_occupancy_is_for_agencies_and_only_their_own(
    cast: Cast, gql: Any, fleet: dict[str, Launch], who: str
) -> None:
    body = await occupancy(gql, cast.tokens[who])
    if who == "agency":
        assert len(names(body)) == 5
    elif who == "other_agency":
        assert names(body) == ["Not mine"]
    else:
        assert error_codes(body) == ["UNAUTHENTICATED" if who == "visitor" else "FORBIDDEN"]


async def test_booking_report_amounts(services: Any, cast: Cast, gql: Any) -> None:
    launch = cast.launch  # cast.booking: 2 seats at 1000.00, confirmed
    canceled = await make_booking(
        services, launch, cast.traveler, seats=1, status="canceled", refunded="700.00", seats_released=True
    )
    assert canceled.amount == Decimal("1000.00")
    report = (await gql(REPORT, {"id": launch.id}, token=cast.tokens["financial"]))["data"]["launchBookingReport"]
    assert {k: report[k] for k in ("seatsSold", "activeBookings", "amountPaid", "amountRefunded", "revenue")} == {
        "seatsSold": 2,
        "activeBookings": 1,
        "amountPaid": "3000.00",
        "amountRefunded": "700.00",
        "revenue": "2300.00",
    }
    assert [(line["status"], line["seats"], line["revenue"]) for line in report["lines"]] == [
        ("confirmed", 2, "2000.00"),
        ("canceled", 1, "300.00"),
    ]


@pytest.mark.parametrize("who", WHO)
async def test_booking_report_and_csv_authorization(cast: Cast, gql: Any, http: Any, who: str) -> None:
    body = await gql(REPORT, {"id": cast.launch.id}, token=cast.tokens[who])
    token = cast.tokens[who]
    response = await http.get(
        f"/reports/launches/{cast.launch.id}/bookings.csv",
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    if who in ("agency", "financial"):
        assert (
            "errors" not in body and body["data"]["launchBookingReport"]["lines"][0]["travelerName"] == "Ada Traveler"
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:4] == ["booking_id", "traveler_name", "traveler_email", "seats"]
        assert rows[1][1:5] == ["Ada Traveler", cast.traveler.contact_email, "2", "confirmed"]
        assert rows[-1][0] == "TOTAL" and len(rows) == 3
    else:
        code = "UNAUTHENTICATED" if who == "visitor" else "FORBIDDEN"
        assert error_codes(body) == [code]
        assert response.status_code == (401 if who == "visitor" else 403)
        assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_csv_of_a_missing_launch_and_formula_cells(services: Any, cast: Cast, http: Any) -> None:
    headers = {"Authorization": f"Bearer {cast.tokens['agency']}"}
    assert (await http.get("/reports/launches/nope/bookings.csv", headers=headers)).status_code == 404
    cast.traveler.name = "=HYPERLINK(1)"
    async with services.db.unit_of_work() as uow:
        traveler = await uow.session.get(Traveler, cast.traveler.id)
        assert traveler is not None
        traveler.name = "=HYPERLINK(1)"
        await uow.commit()
    rows = list(
        csv.reader(
            io.StringIO((await http.get(f"/reports/launches/{cast.launch.id}/bookings.csv", headers=headers)).text)
        )
    )
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[-1] == ["TOTAL", "", "", "2", "", "", "2000.00", "0.00", "2000.00", "", ""]
