"""A confirmed email is honoured at once: after the emailed link confirms the account, the same session
books without refreshing its token first."""

from __future__ import annotations

from models.accounts.users import mark_confirmed
from models.store.mongo import run_sync
from tests.support import journeys as j
from tests.support.builders import make_launch


async def test_booking_right_after_confirming_with_the_old_token(gql, services):
    launch = await make_launch(services)
    ada = await j.traveler(gql, services, confirmed=False)
    refused = await j.book(gql, ada, launch.id)
    assert refused["__typename"] == "EmailNotConfirmed"
    await run_sync(mark_confirmed, ada.user_id)  # what the link does, signed in or not
    booked = await j.book(gql, ada, launch.id)
    assert booked["__typename"] == "BookSeatsSuccess", booked
