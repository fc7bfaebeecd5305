"""Revenue and annual reports against hand-computed figures; authorization; CSV, SVG and PNG exports.

The books of year Y (all amounts USD):
- Alpha (new: 1 launched launch): L1 launched 10 Feb, 2 seats x 1000 paid -> invoice 20.00 issued 11 Feb,
  paid 5 Mar; L2 aborted 20 Feb -> invoice 1000.00 issued 21 Feb, 400.00 paid 25 Feb (600.00 pending);
  L3 scheduled 15 May, 3 seats x 500 sold -> projected 1 % of 1500 = 15.00.
- Beta (reliable: 2 launched launches in January, no bookings): L4 scheduled 3 May, 1 seat x 1234.56 ->
  projected 0.8 % = 9.87648 -> 9.88; L5 confirmed 10 Jun, a 2-seat booking of 2000 canceled with 1800
  refunded -> net 200 -> projected 1.60.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from PIL import Image

from models.bookings.tables import BookingStatus
from models.launches.tables import LaunchStatus
from tests.support.builders import make_booking, make_launch, make_traveler, now
from tests.support.finance import make_agency_user, make_invoice, pay_invoice
from tests.support.graphql import error_codes

Y = now().year + 2


def at(month, day):
    return datetime(Y, month, day, 12, tzinfo=UTC)


@pytest.fixture
async def books(services):
    alpha = await make_agency_user(services, "Alpha Launches")
    beta = await make_agency_user(services, "Beta Orbital")
    traveler = (await make_traveler(services)).traveler
    l1 = await make_launch(services, alpha.rocket, status=LaunchStatus.LAUNCHED, launch_at=at(2, 10), seats_sold=2)
    await make_booking(services, l1, traveler, seats=2)
    i1 = await make_invoice(services, l1, number=f"INV-{Y}-00001", amount="20.00", issued_at=at(2, 11), paid="20.00")
    await pay_invoice(services, i1, "20.00", at(3, 5))
    l2 = await make_launch(services, alpha.rocket, status=LaunchStatus.ABORTED, launch_at=at(2, 20))
    i2 = await make_invoice(
        services, l2, number=f"INV-{Y}-00002", amount="1000.00", issued_at=at(2, 21), paid="400.00", kind="abort_fee"
    )
    await pay_invoice(services, i2, "400.00", at(2, 25))
    l3 = await make_launch(services, alpha.rocket, launch_at=at(5, 15), price="500.00", seats_sold=3)
    await make_booking(services, l3, traveler, seats=3)
    for day in (5, 20):
        await make_launch(services, beta.rocket, status=LaunchStatus.LAUNCHED, launch_at=at(1, day))
    l4 = await make_launch(services, beta.rocket, launch_at=at(5, 3), price="1234.56", seats_sold=1)
    await make_booking(services, l4, traveler)
    l5 = await make_launch(services, beta.rocket, status=LaunchStatus.CONFIRMED, launch_at=at(6, 10))
    await make_booking(services, l5, traveler, seats=2, status=BookingStatus.CANCELED, refunded="1800.00")
    return alpha, beta


REVENUE = """
query($period: PeriodInput!, $agencyId: ID) {
  agencyRevenueReport(period: $period, agencyId: $agencyId) {
    period agencies { agencyName launches launched aborted bookingsRevenue feesInvoiced feesPaid reliable }
  }
}"""
ANNUAL = (
    "query($year: Int!) { annualReport(year: $year) { year months { month totals { paid pending projected } "
    "agencies { agencyName figures { paid pending projected } } } } }"
)


def line(name, launches, launched, aborted, revenue, invoiced, paid, reliable):
    return {
        "agencyName": name,
        "launches": launches,
        "launched": launched,
        "aborted": aborted,
        "bookingsRevenue": revenue,
        "feesInvoiced": invoiced,
        "feesPaid": paid,
        "reliable": reliable,
    }


async def test_agency_revenue_report_figures(gql, cast, books):
    token = cast.tokens["financial"]
    q1 = await gql(REVENUE, {"period": {"year": Y, "quarter": 1}}, token=token)
    report = q1["data"]["agencyRevenueReport"]
    assert report["period"] == f"{Y}-Q1"
    by_name = {row["agencyName"]: row for row in report["agencies"]}
    assert by_name["Alpha Launches"] == line("Alpha Launches", 2, 1, 1, "2000.00", "1020.00", "420.00", False)
    assert by_name["Beta Orbital"] == line("Beta Orbital", 2, 2, 0, "0.00", "0.00", "0.00", True)
    march = await gql(REVENUE, {"period": {"year": Y, "month": 3}}, token=token)
    by_name = {row["agencyName"]: row for row in march["data"]["agencyRevenueReport"]["agencies"]}
    assert by_name["Alpha Launches"] == line("Alpha Launches", 0, 0, 0, "0.00", "0.00", "20.00", False)
    year = await gql(REVENUE, {"period": {"year": Y}}, token=token)
    by_name = {row["agencyName"]: row for row in year["data"]["agencyRevenueReport"]["agencies"]}
    assert by_name["Alpha Launches"] == line("Alpha Launches", 3, 1, 1, "3500.00", "1020.00", "420.00", False)
    assert by_name["Beta Orbital"] == line("Beta Orbital", 4, 2, 0, "1434.56", "0.00", "0.00", True)


async def test_revenue_report_authorization(gql, cast, books, services):
    alpha, beta = books
    period = {"year": Y, "quarter": 1}
    own = await gql(REVENUE, {"period": period}, token=alpha.token)
    assert [row["agencyName"] for row in own["data"]["agencyRevenueReport"]["agencies"]] == ["Alpha Launches"]
    other = await gql(REVENUE, {"period": period, "agencyId": beta.agency.id}, token=alpha.token)
    assert error_codes(other) == ["FORBIDDEN"]
    for who, code in (("traveler", "FORBIDDEN"), ("it", "FORBIDDEN"), ("visitor", "UNAUTHENTICATED")):
        assert error_codes(await gql(REVENUE, {"period": period}, token=cast.tokens[who])) == [code], who
    bad = await gql(REVENUE, {"period": {"year": Y, "month": 13}}, token=cast.tokens["financial"])
    assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_annual_report_figures(gql, cast, books):
    body = await gql(ANNUAL, {"year": Y}, token=cast.tokens["financial"])
    months = {m["month"]: m for m in body["data"]["annualReport"]["months"]}
    assert len(months) == 12
    zero = {"paid": "0.00", "pending": "0.00", "projected": "0.00"}
    expected = {
        2: {"paid": "400.00", "pending": "600.00", "projected": "0.00"},
        3: {"paid": "20.00", "pending": "0.00", "projected": "0.00"},
        5: {"paid": "0.00", "pending": "0.00", "projected": "24.88"},
        6: {"paid": "0.00", "pending": "0.00", "projected": "1.60"},
    }
    assert {m: months[m]["totals"] for m in months} == {m: expected.get(m, zero) for m in range(1, 13)}
    may = {line["agencyName"]: line["figures"]["projected"] for line in months[5]["agencies"]}
    assert may == {"Alpha Launches": "15.00", "Beta Orbital": "9.88"}
    assert [line["agencyName"] for line in months[1]["agencies"]] == []


async def test_annual_report_is_for_financial_staff(gql, cast, http, books):
    for who, code in (("agency", "FORBIDDEN"), ("traveler", "FORBIDDEN"), ("visitor", "UNAUTHENTICATED")):
        assert error_codes(await gql(ANNUAL, {"year": Y}, token=cast.tokens[who])) == [code], who
    for path in (f"/reports/annual/{Y}.png", f"/reports/annual/{Y}.svg", f"/reports/annual/{Y}.csv"):
        assert (await http.get(path)).status_code == 401
        headers = {"Authorization": f"Bearer {cast.tokens['agency']}"}
        assert (await http.get(path, headers=headers)).status_code == 403


def read_csv(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_csv_exports_carry_the_same_figures(http, cast, books):
    alpha, _ = books
    headers = {"Authorization": f"Bearer {cast.tokens['financial']}"}
    rows = read_csv(await http.get(f"/reports/revenue.csv?year={Y}&quarter=1", headers=headers))
    alpha_row = next(row for row in rows if row["agency_name"] == "Alpha Launches")
    assert (alpha_row["bookings_revenue"], alpha_row["fees_invoiced"], alpha_row["fees_paid"]) == (
        "2000.00",
        "1020.00",
        "420.00",
    )
    own = read_csv(await http.get(f"/reports/revenue.csv?year={Y}", headers={"Authorization": f"Bearer {alpha.token}"}))
    assert [row["agency_name"] for row in own] == ["Alpha Launches"]
    annual = read_csv(await http.get(f"/reports/annual/{Y}.csv", headers=headers))
    totals = {int(row["month"]): row for row in annual if row["agency_id"] == "TOTAL"}
    assert (totals[2]["fees_paid"], totals[2]["fees_pending"], totals[5]["fees_projected"]) == (
        "400.00",
        "600.00",
        "24.88",
    )
    beta_may = next(r for r in annual if r["agency_name"] == "Beta Orbital" and r["month"] == "5")
    assert beta_may["fees_projected"] == "9.88"
    bad = await http.get("/reports/revenue.csv?year=abc", headers=headers)
    assert bad.status_code == 400


async def test_the_chart_as_png_and_svg(http, cast, books):
    headers = {"Authorization": f"Bearer {cast.tokens['financial']}"}
    png = await http.get(f"/reports/annual/{Y}.png", headers=headers)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    image.load()
    assert image.size[0] > 300 and image.size[1] > 200
    colors = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colors is not None and len(colors) > 10  # axes, bars, legend and text, not a blank canvas
    svg = await http.get(f"/reports/annual/{Y}.svg", headers=headers)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)  # noqa: S314 - our own rendering, parsed to prove it is well-formed
    assert root.tag.endswith("svg")
    assert f"platform fees {Y}" in svg.text and "Projected" in svg.text
    assert (await http.get(f"/reports/annual/{Y}.gif", headers=headers)).status_code == 404


async def test_travelers_read_no_invoices(gql, cast):
    body = await gql("{ invoices { edges { node { number } } } }", token=cast.tokens["traveler"])
    assert error_codes(body) == ["FORBIDDEN"]
