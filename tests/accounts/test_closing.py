"""Closing an account: refused while bookings on launches to come are active; then no personal value is left
in any PostgreSQL column or MongoDB document, while the revenue figures stay; and the data export."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy import select, text
from sqlmodel import col

from models.bookings.tables import Booking, Passenger
from models.launches.tables import Launch
from models.notifications.mail import Mailer
from resolvers.sync.consumers import write_log_entries
from tests.support.accounts import LOGIN, ME
from tests.support.builders import TEST_PASSWORD, fetch, make_user
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.journeys import TRAVELER_PROFILE, Traveler, agency, book, cancel, ok, schedule
from tests.support.lifecycle import CLOSE, EXPORT, USERS, mongo_holding, postgres_holding
from tests.support.notifications import deliver
from tests.support.outbox import outbox
from tests.support.smtp import SmtpPeer
from tests.support.stores import admin_dsn

PASSWORD = "Cepheid-Variable-Ruler-12"
REGISTER = """
mutation($name: String!, $email: String!, $password: String!) {
  register(name: $name, email: $email, password: $password, role: TRAVELER) { __typename }
}"""
PROFILE = {
    "name": "Henrietta Swanleavitt",
    "contactEmail": "henrietta.contact@harvard-plates.example",
    "phone": "+34611222333",
    "emergencyContact": {"name": "Annie Jumpcannon", "phone": "+34622333444"},
    "taxId": "ES99887766Q",
    "travelPreferences": "Window seat facing the Magellanic Clouds",
}
PASSENGERS = [{"name": "Williamina Flemingstar", "birthDate": "1957-05-15"}]
ISSUE_INVOICE = "mutation($id: ID!) { issueInvoice(launchId: $id) { __typename } }"
PERSONAL = [
    "henrietta@harvard-plates.example",
    "Henrietta Swanleavitt",
    "Henrietta Leavitt",
    "henrietta.contact@harvard-plates.example",
    "+34611222333",
    "Annie Jumpcannon",
    "+34622333444",
    "ES99887766Q",
    "Magellanic Clouds",
    "Williamina Flemingstar",
    "1957-05-15",
]


async def _traveler_with_history(services: Any, gql: GraphQLClient) -> tuple[str, str, str]:
    """A traveler registered through the API, with a profile, a booking and its emails and log entries;
    returns the access token, the user id and the booking id."""
    email = "henrietta@harvard-plates.example"
    registered = await gql(REGISTER, {"name": "Henrietta Leavitt", "email": email, "password": PASSWORD})
    assert registered["data"]["register"]["__typename"] == "RegisterSuccess"
    session = ok(await gql(LOGIN, {"email": email, "password": PASSWORD}))["login"]
    token, user_id = session["accessToken"], session["user"]["id"]
    saved = ok(await gql(TRAVELER_PROFILE, {"input": PROFILE}, token=token))["createTravelerProfile"]
    assert saved["__typename"] == "TravelerProfileSaved", saved
    await _confirm(services, user_id)
    token = ok(await gql(LOGIN, {"email": email, "password": PASSWORD}))["login"]["accessToken"]
    seller = await agency(gql, services)
    launch_id = await schedule(gql, seller)
    booked = await book(gql, Traveler(token, user_id), launch_id, passengers=PASSENGERS)
    assert booked["__typename"] == "BookSeatsSuccess", booked
    await gql(LOGIN, {"email": email, "password": "Wrong-Password-000"})  # a login_failed entry naming the email
    _, it_token = await make_user(services, "it")
    ok(await gql(USERS, {"filter": {"text": email}, "first": 5}, token=it_token))  # IT looked the person up
    for event in ("account_registered", "booking_confirmed"):
        await deliver(services, event)
    for written in await outbox(services):
        await write_log_entries(services, [written])
    return token, user_id, booked["booking"]["id"]


async def _confirm(services: Any, user_id: str) -> None:
    from models.accounts.users import mark_confirmed
    from models.store.mongo import run_sync

    await run_sync(mark_confirmed, user_id)


async def _launches_done(services: Any) -> None:
    async with services.db.unit_of_work() as uow:
        await uow.session.execute(text("UPDATE launches SET status = 'launched'"))
        await uow.commit()


async def _revenue(http: Any, token: str, year: int) -> str:
    response = await http.get(f"/reports/revenue.csv?year={year}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.text


async def _records(database_url: str) -> dict[str, list[str]]:
    """Every row of the tables the agencies' and finance's records are made of, whole."""
    conn = await asyncpg.connect(admin_dsn(database_url))
    try:
        found = {}
        for table in ("bookings", "payments", "refunds", "invoices"):
            rows = await conn.fetch(f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY id")  # noqa: S608
            found[table] = [row[0] for row in rows]
        return found
    finally:
        await conn.close()


async def test_closing_leaves_no_personal_value_anywhere_and_keeps_the_figures(
    services: Any, gql: GraphQLClient, http: Any, database_url: str, smtp: SmtpPeer, mailer: Mailer
):
    token, user_id, booking_id = await _traveler_with_history(services, gql)
    for value in PERSONAL:  # the search finds what is there, so its empty answers below mean something
        assert await postgres_holding(database_url, value) or await mongo_holding(value), value

    [first] = await fetch(services, select(Booking).where(col(Booking.id) == booking_id))
    who = Traveler(token, user_id)
    second = await book(gql, who, first.launch_id, passengers=PASSENGERS)
    refused = (await gql(CLOSE, {"password": PASSWORD}, token=token))["data"]["closeAccount"]
    assert refused["__typename"] == "ActiveBookingsRemain"
    assert sorted(refused["bookingIds"]) == sorted([booking_id, second["booking"]["id"]])  # each one listed
    assert error_codes(await gql(CLOSE, {"password": "Not-My-Password-9"}, token=token)) == ["INVALID_CREDENTIALS"]
    canceled = await cancel(gql, who, second["booking"]["id"])  # canceled first, as asked: a refund
    assert canceled["__typename"] == "BookingCancellation" and canceled["refund"]["amount"] == "1350.00"
    refused = (await gql(CLOSE, {"password": PASSWORD}, token=token))["data"]["closeAccount"]
    assert refused["bookingIds"] == [booking_id]

    await _launches_done(services)  # the first booking's launch flew: nothing active is left
    _, financial = await make_user(services, "financial")
    issued = await gql(ISSUE_INVOICE, {"id": first.launch_id}, token=financial)
    assert issued["data"]["issueInvoice"]["__typename"] == "InvoiceIssued", issued
    [launch] = await fetch(services, select(Launch).where(col(Launch.id) == first.launch_id))
    years = sorted({launch.launch_at.year, datetime.now(UTC).year})  # the launch's revenue, the invoice's fee
    before = [await _revenue(http, financial, year) for year in years]
    assert any(",1650.00," in report for report in before), before  # 2 x 1500 paid - 1350 refunded
    records = await _records(database_url)
    assert all(records.values()), records  # a booking, a payment, a refund and an invoice to keep
    closed = (await gql(CLOSE, {"password": PASSWORD}, token=token))["data"]["closeAccount"]
    assert closed == {"__typename": "AccountClosure", "userId": user_id}

    for value in PERSONAL:
        assert await postgres_holding(database_url, value) == [], value
        assert await mongo_holding(value) == [], value
    for passenger in await fetch(services, select(Passenger)):
        assert passenger.name == "Anonymous passenger" and passenger.birth_date.isoformat() != "1957-05-15"
    # Bookings, payments, refunds and invoices keep every amount and date; the reports keep their figures.
    assert await _records(database_url) == records
    assert [await _revenue(http, financial, year) for year in years] == before
    assert error_codes(await gql(ME, token=token)) == ["UNAUTHENTICATED"]
    again = await gql(LOGIN, {"email": "henrietta@harvard-plates.example", "password": PASSWORD})
    assert error_codes(again) == ["INVALID_CREDENTIALS"]


async def test_the_export_holds_everything_about_the_caller(services: Any, gql: GraphQLClient):
    token, user_id, booking_id = await _traveler_with_history(services, gql)
    data = ok(await gql(EXPORT, token=token))["exportMyData"]
    assert data["account"]["id"] == user_id and data["account"]["email"] == "henrietta@harvard-plates.example"
    assert "password_hash" not in str(data) and "passwordHash" not in str(data)
    assert data["travelerProfile"]["phone"] == "+34611222333"
    [booking] = data["bookings"]
    assert booking["id"] == booking_id and booking["payments"][0]["amount"] == booking["amount"]
    assert [p["name"] for p in booking["passengers"]] == ["Williamina Flemingstar"]
    assert {n["event"] for n in data["notifications"]} == {"account_registered", "booking_confirmed"}
    actions = {entry["action"] for entry in data["logEntries"]}
    assert {"account_registered", "traveler_profile_created", "booking_confirmed"} <= actions


async def test_an_agency_with_unfinished_launches_must_finish_them_first(
    services: Any, gql: GraphQLClient, database_url: str
):
    seller = await agency(gql, services)
    launch_id = await schedule(gql, seller)
    refused = (await gql(CLOSE, {"password": TEST_PASSWORD}, token=seller.token))["data"]["closeAccount"]
    assert refused["__typename"] == "ActiveLaunchesRemain" and refused["launchIds"] == [launch_id]
    await _launches_done(services)
    closed = (await gql(CLOSE, {"password": TEST_PASSWORD}, token=seller.token))["data"]["closeAccount"]
    assert closed["__typename"] == "AccountClosure"
    assert await postgres_holding(database_url, "ops@selene.example") == []  # the contact address goes
    assert "agencies.legal_name" in await postgres_holding(database_url, "Selene Spaceways")  # the company stays
