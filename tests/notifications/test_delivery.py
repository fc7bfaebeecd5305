"""Events reach people: outbox event -> notifications (the consumer) -> email to a real SMTP peer (the
sender). The relay is played by `deliver`, which hands each outbox event to the consumer."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from models.notifications.mail import Mailer
from resolvers.launches.schedule_launch import LaunchTerms, schedule_launch
from resolvers.notifications.sender import send_due
from tests.support.builders import (
    ORIGIN,
    days,
    make_booking,
    make_launch,
    make_seller,
    make_traveler_profile,
    make_user,
    now,
)
from tests.support.graphql import GraphQLClient
from tests.support.journeys import PASSENGERS, agency, book, cancel, schedule, traveler
from tests.support.notifications import deliver, events, notifications
from tests.support.smtp import SmtpPeer

REGISTER = """
mutation($email: String!) {
  register(name: "Vera Rubin", email: $email, password: "Nebula-Drift-4471", role: TRAVELER) {
    __typename
  }
}"""


async def test_registering_emails_a_confirmation_link_that_confirms_the_account(
    services: Any, gql: GraphQLClient, http: Any, smtp: SmtpPeer, mailer: Mailer
):
    body = await gql(REGISTER, {"email": "vera@example.test"})
    assert body["data"]["register"]["__typename"] == "RegisterSuccess", body
    assert await deliver(services, "account_registered") == 1
    assert await send_due(services) == 1
    [mail] = smtp.to("vera@example.test")
    assert mail.subject == "Confirm your AstroBookings account"
    link = re.search(r"(http\S+/confirm\?token=\S+)", mail.body)
    assert link, mail.body
    assert link.group(1).startswith(services.settings.public_url)

    page = await http.get(link.group(1).removeprefix(services.settings.public_url))
    assert page.status_code == 200
    assert "confirmed" in page.text and "text/html" in page.headers["content-type"]
    assert "<script" not in page.text
    [user] = await _users(services, "vera@example.test")
    assert user.email_confirmed

    bad = await http.get("/confirm?token=forged")
    assert bad.status_code == 400 and "invalid" in bad.text


async def _users(services: Any, email: str) -> list[Any]:
    from models.accounts.users import find_user_by_email
    from models.store.mongo import run_sync

    found = await run_sync(find_user_by_email, email)
    return [found] if found else []


async def test_an_event_delivered_twice_notifies_each_recipient_once(services: Any, gql: GraphQLClient):
    seller = await agency(gql, services)
    launch_id = await schedule(gql, seller)
    who = await traveler(gql, services)
    assert (await book(gql, who, launch_id))["__typename"] == "BookSeatsSuccess"
    assert await deliver(services, "booking_confirmed") == 2  # the agency and the traveler
    assert await deliver(services, "booking_confirmed") == 0
    assert len(await notifications(services, event="booking_confirmed")) == 2


async def test_a_booking_emails_booking_confirmed_to_the_agency(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    seller = await agency(gql, services)
    launch_id = await schedule(gql, seller)
    who = await traveler(gql, services)
    assert (await book(gql, who, launch_id))["__typename"] == "BookSeatsSuccess"
    await deliver(services, "booking_confirmed")
    assert await send_due(services) == 2
    [to_agency] = smtp.to("ops@selene.example")
    assert to_agency.subject == "Booking confirmed: Moonrise"
    assert "Ada Voyager" in to_agency.body and f"{len(PASSENGERS)} seat(s)" in to_agency.body
    assert smtp.to("ada@example.test")  # the traveler hears of it too (booking events)
    assert {n.status for n in await notifications(services)} == {"sent"}


async def test_a_cancellation_emails_booking_canceled_to_the_traveler(
    services: Any, gql: GraphQLClient, smtp: SmtpPeer, mailer: Mailer
):
    seller = await agency(gql, services)
    launch_id = await schedule(gql, seller)
    who = await traveler(gql, services)
    booking_id = (await book(gql, who, launch_id))["booking"]["id"]
    assert (await cancel(gql, who, booking_id))["__typename"] == "BookingCancellation"
    await deliver(services, "booking_canceled")
    await send_due(services)
    [mail] = smtp.to("ada@example.test")
    assert mail.subject == "Booking canceled: Moonrise"
    assert booking_id in mail.body and "Refund: " in mail.body


async def test_launch_scheduled_reaches_vip_travelers_only_and_at_once(services: Any, smtp: SmtpPeer, mailer: Mailer):
    seller = await make_seller(services)
    vip_user, _ = await make_user(services, "traveler")
    plain_user, _ = await make_user(services, "traveler")
    vip = await make_traveler_profile(services, vip_user.id, "Valentina VIP", contact_email="vip@example.test")
    plain = await make_traveler_profile(services, plain_user.id, "Pat Plain", contact_email="plain@example.test")
    for launch in [await make_launch(services, seller.rocket), await make_launch(services, seller.rocket)]:
        await make_booking(services, launch, vip)
    await make_booking(services, launch, plain)  # one launch only: not a VIP

    agency_principal = _principal(seller.agency.user_id, "agency")
    call = replace(services.bundle(agency_principal, ORIGIN), vip_window=timedelta(hours=24))
    terms = LaunchTerms(seller.rocket.id, "Early Bird", "moon", now() + days(200), Decimal("900.00"), 1)
    await schedule_launch(call, terms=terms)
    assert await deliver(services, "launch_scheduled") == 2  # the agency and the one VIP
    assert await send_due(services) == 2
    [mail] = smtp.to("vip@example.test")
    assert mail.subject == "New launch: Early Bird to moon"
    assert "opens to everyone at" in mail.body
    assert smtp.to("plain@example.test") == []
    assert [e.event_type for e in await events(services, "launch_scheduled")] == ["launch_scheduled"]


def _principal(user_id: str, role: str) -> Any:
    from auth.principal import Principal, Role

    return Principal(id=user_id, role=Role(role), email_confirmed=True)


RESEND = "mutation { requestConfirmationEmail }"


async def test_the_confirmation_email_can_be_asked_for_again(services: Any, gql: GraphQLClient):
    unconfirmed, token = await make_user(services, "traveler", confirmed=False)
    assert (await gql(RESEND, token=token))["data"]["requestConfirmationEmail"] is True
    [event] = await events(services, "account_registered")
    assert event.payload["user_id"] == unconfirmed.id
    assert await deliver(services, "account_registered") == 1
    _, confirmed_token = await make_user(services, "agency")
    assert (await gql(RESEND, token=confirmed_token))["data"]["requestConfirmationEmail"] is False
    assert len(await events(services, "account_registered")) == 1
