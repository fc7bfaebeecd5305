"""bookSeats, cancelBooking and myBookings over GraphQL: result unions and error codes."""

from __future__ import annotations

from datetime import timedelta

from models.base import utcnow
from tests.support import journeys as j
from tests.support.graphql import error_codes

MY_BOOKINGS = """
{ myBookings { id seats amount pricePerSeat status seatsReleased canceledAt passengers { name birthDate }
               refund { amount ratio }
               launch { id status statusHistory { fromStatus toStatus reason } } } }"""


async def test_booking_refusals_are_union_members(services, gql):
    seller = await j.agency(gql, services)
    launch_id = await j.schedule(gql, seller, price="2000.00")
    ada = await j.traveler(gql, services)
    assert (await j.book(gql, await j.traveler(gql, services, confirmed=False), launch_id))["__typename"] == (
        "EmailNotConfirmed"
    )
    assert (await j.book(gql, await j.traveler(gql, services, profile=False), launch_id))["__typename"] == (
        "TravelerProfileRequired"
    )
    assert (await j.book(gql, ada, launch_id, payment="tok_declined"))["reason"] == "card_declined"
    assert (await j.book(gql, ada, launch_id, payment="tok_timeout"))["__typename"] == "PaymentFailed"
    young = [{"name": "Kid", "birthDate": (utcnow() + timedelta(days=400 - 17 * 365)).date().isoformat()}]
    assert (await j.book(gql, ada, launch_id, passengers=young))["__typename"] == "PassengerAgeOutOfRange"
    booked = await j.book(gql, ada, launch_id, key="k-1")
    assert booked["__typename"] == "BookSeatsSuccess" and not booked["replayed"]
    assert (booked["booking"]["amount"], booked["booking"]["launch"]["seatsAvailable"]) == ("4000.00", 8)
    replay = await j.book(gql, ada, launch_id, key="k-1")
    assert (replay["replayed"], replay["booking"]["id"]) == (True, booked["booking"]["id"])
    assert (await j.book(gql, ada, launch_id, key="k-1", passengers=j.PASSENGERS[:1]))["__typename"] == (
        "IdempotencyKeyReused"
    )
    three = [*j.PASSENGERS, {"name": "Cy", "birthDate": "1980-01-01"}]
    assert (await j.book(gql, ada, launch_id, passengers=three)) | {"message": None} == {
        "__typename": "SeatLimitExceeded",
        "message": None,
        "limit": 4,
        "alreadyBooked": 2,
        "vip": False,
    }
    bob = await j.traveler(gql, services)
    for _ in range(4):  # 2 + 4 x 2: the launch's 10 seats are sold
        assert (await j.book(gql, await j.traveler(gql, services), launch_id))["__typename"] == "BookSeatsSuccess"
    assert (await j.book(gql, bob, launch_id)) | {"message": None} == {
        "__typename": "NotEnoughSeats",
        "message": None,
        "requested": 2,
        "seatsAvailable": 0,
    }
    assert error_codes(
        await gql(j.BOOK, {"launch": "nope", "passengers": j.PASSENGERS, "token": "tok_success"}, token=ada.token)
    ) == ["NOT_FOUND"]
    assert error_codes(
        await gql(j.BOOK, {"launch": launch_id, "passengers": [], "token": "tok_success"}, token=ada.token)
    ) == ["BAD_USER_INPUT"]


async def test_my_bookings_show_the_launch_status_history_cancellations_and_abort_refunds(services, gql):
    seller = await j.agency(gql, services)
    far, near = await j.schedule(gql, seller), await j.schedule(gql, seller, at=utcnow() + timedelta(days=30))
    ada = await j.traveler(gql, services)
    kept = await j.book(gql, ada, far)
    late = await j.book(gql, ada, near)
    canceled = await j.cancel(gql, ada, late["booking"]["id"])  # 30 days before: no refund, seats stay sold
    assert (canceled["refund"], canceled["booking"]["seatsReleased"]) == (None, False)
    assert (await j.cancel(gql, ada, late["booking"]["id"]))["__typename"] == "BookingAlreadyCanceled"
    abort = 'mutation($id: ID!) { abortLaunch(id: $id, reason: "engine") { ... on LaunchMoved { canceledBookings } } }'
    assert j.ok(await gql(abort, {"id": far}, token=seller.token))["abortLaunch"] == {"canceledBookings": 1}
    mine = {b["id"]: b for b in j.ok(await gql(MY_BOOKINGS, token=ada.token))["myBookings"]}
    aborted = mine[kept["booking"]["id"]]
    assert (aborted["status"], aborted["seatsReleased"], aborted["refund"]) == (
        "CANCELED",
        True,
        {"amount": "3000.00", "ratio": "1.00"},
    )
    assert aborted["passengers"] == j.PASSENGERS
    assert aborted["launch"]["status"] == "ABORTED"
    assert [(h["fromStatus"], h["toStatus"], h["reason"]) for h in aborted["launch"]["statusHistory"]][-1] == (
        "SCHEDULED",
        "ABORTED",
        "engine",
    )
    assert mine[late["booking"]["id"]]["launch"]["status"] == "SCHEDULED"
    assert list(mine) == [late["booking"]["id"], kept["booking"]["id"]]  # newest first
