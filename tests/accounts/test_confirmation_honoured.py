"""A confirmed email is honoured at once: after the emailed link is opened (not signed in, as a person clicking
it in a mail client would), the same session books or schedules without refreshing its token first."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from resolvers.accounts.users import confirmation_link
from tests.support import journeys as j
from tests.support.builders import ORIGIN, make_launch, make_user, now
from tests.support.graphql import error_codes


async def open_link(http, services, user) -> None:
    link = urlsplit(confirmation_link(services.bundle(None, ORIGIN).auth, user.id, user.email))
    page = await http.get(f"{link.path}?{link.query}")  # no Authorization: a browser opened from the mail
    assert page.status_code == 200 and "is confirmed" in page.text, page.text


async def test_booking_right_after_confirming_with_the_old_token(gql, http, services):
    launch = await make_launch(services)
    user, token = await make_user(services, "traveler", confirmed=False)
    assert (await gql(j.TRAVELER_PROFILE, {"input": j.PROFILE}, token=token))["data"]
    ada = j.Traveler(token, user.id)
    assert (await j.book(gql, ada, launch.id))["__typename"] == "EmailNotConfirmed"
    await open_link(http, services, user)
    booked = await j.book(gql, ada, launch.id)
    assert booked["__typename"] == "BookSeatsSuccess", booked


async def test_scheduling_right_after_confirming_with_the_old_token(gql, http, services):
    user, token = await make_user(services, "agency", confirmed=False)
    assert (await gql(j.AGENCY_PROFILE, token=token))["data"]
    rocket = (await gql(j.ADD_ROCKET, {"name": "Selene I"}, token=token))["data"]["addRocket"]["id"]
    variables = {"rocket": rocket, "at": (now() + timedelta(days=60)).isoformat(), "price": "1500.00"}
    assert error_codes(await gql(j.SCHEDULE, variables, token=token)) == ["FORBIDDEN"]
    await open_link(http, services, user)
    scheduled = await gql(j.SCHEDULE, variables, token=token)
    assert scheduled["data"]["scheduleLaunch"]["id"], scheduled
