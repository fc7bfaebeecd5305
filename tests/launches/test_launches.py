"""Launches through GraphQL and the use cases: scheduling rules, edits, every status move, the history,
the outbox, catalogue invalidation and the abort that refunds every booking in the same transaction."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from models.bookings.tables import Booking, Refund
from models.launches.errors import LaunchDateNotReached
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.store.cache import TagVersions, build_cache
from models.sync.outbox import OutboxEvent
from resolvers.launches.move_launch import move_launch
from tests.support.builders import (
    ORIGIN,
    Cast,
    days,
    fetch,
    make_agency,
    make_booking,
    make_launch,
    make_rocket,
    make_traveler_profile,
    make_user,
    now,
)
from tests.support.graphql import error_codes

SCHEDULE = """mutation($input: ScheduleLaunchInput!) {
  scheduleLaunch(input: $input) {
    id missionName destination launchAt pricePerSeat capacity seatsAvailable minimumPassengers status
    agency { legalName } rocket { name }
    statusHistory { fromStatus toStatus changedBy reason }
  }
}"""
UPDATE = """mutation($id: ID!, $input: UpdateLaunchInput!) {
  updateLaunch(id: $id, input: $input) { missionName pricePerSeat minimumPassengers destination }
}"""
RESULT = """
    __typename
    ... on LaunchMoved { launch { status launchAt } change { fromStatus toStatus reason } canceledBookings }
    ... on LaunchMoveRefusal { currentStatus requestedStatus message }
    ... on MinimumPassengersNotReached { seatsSold minimumPassengers }
    ... on LaunchDateNotReached { launchAt }
    ... on DelayMustMoveLater { launchAt }"""
CONFIRM = f"mutation($id: ID!) {{ confirmLaunch(id: $id) {{ {RESULT} }} }}"
DELAY = (
    f"mutation($id: ID!, $d: DateTime!, $r: String!) {{ delayLaunch(id: $id, newDate: $d, reason: $r) {{ {RESULT} }} }}"
)
ABORT = f"mutation($id: ID!, $r: String!) {{ abortLaunch(id: $id, reason: $r) {{ {RESULT} }} }}"
LAUNCHED = f"mutation($id: ID!) {{ markLaunched(id: $id) {{ {RESULT} }} }}"
FAILED = f"mutation($id: ID!) {{ markFailed(id: $id) {{ {RESULT} }} }}"
HISTORY = """query($r: [_Any!]!) {
  _entities(representations: $r) { ... on Launch { id status statusHistory { fromStatus toStatus reason } } }
}"""


def terms(cast: Cast, **changes: Any) -> dict[str, Any]:
    return {
        "rocketId": cast.rocket.id,
        "missionName": "Sea of Tranquility",
        "destination": "MOON",
        "launchAt": (now() + days(60)).isoformat(),
        "pricePerSeat": "250000.00",
        "minimumPassengers": 3,
        **changes,
    }


async def events(services: Any, aggregate_id: str) -> list[OutboxEvent]:
    statement = select(OutboxEvent).where(OutboxEvent.aggregate_id == aggregate_id).order_by(OutboxEvent.created_at)
    return await fetch(services, statement)


async def test_schedule_a_launch(services: Any, cast: Cast, http: Any) -> None:
    before = await services.tags.versions("catalogue")
    response = await http.post(
        "/graphql",
        json={"query": SCHEDULE, "variables": {"input": terms(cast)}},
        headers={"Authorization": f"Bearer {cast.tokens['agency']}", "X-Request-ID": "req-schedule-1"},
    )
    launch = response.json()["data"]["scheduleLaunch"]
    assert launch["status"] == "SCHEDULED" and launch["pricePerSeat"] == "250000.00"
    assert (launch["capacity"], launch["seatsAvailable"], launch["minimumPassengers"]) == (10, 10, 3)
    assert launch["agency"] == {"legalName": "Orbital Ventures"} and launch["rocket"] == {"name": "Falcon Heavy"}
    agency_user = cast.users["agency"].id
    assert launch["statusHistory"] == [
        {"fromStatus": None, "toStatus": "SCHEDULED", "changedBy": agency_user, "reason": None}
    ]
    (event,) = await events(services, launch["id"])
    assert (event.event_type, event.origin_operation, event.origin_request_id) == (
        "launch_scheduled",
        "scheduleLaunch",
        "req-schedule-1",
    )
    assert event.origin_user == f"agency:{agency_user}"
    assert await services.tags.versions("catalogue") > before


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"destination": "MARS"}, "BAD_USER_INPUT"),  # the rocket below is moon-range
        ({"launchAt": "in 23 hours"}, "BAD_USER_INPUT"),
        ({"pricePerSeat": "0"}, "BAD_USER_INPUT"),
        ({"pricePerSeat": "10.001"}, "BAD_USER_INPUT"),
        ({"minimumPassengers": 0}, "BAD_USER_INPUT"),
        ({"minimumPassengers": 6}, "BAD_USER_INPUT"),
        ({"missionName": " "}, "BAD_USER_INPUT"),
        ({"rocketId": "missing"}, "NOT_FOUND"),
        ({"rocketId": "other"}, "FORBIDDEN"),
    ],
)
async def test_schedule_refusals(services: Any, cast: Cast, gql: Any, changes: dict[str, Any], code: str) -> None:
    moon = await make_rocket(services, cast.agency, capacity=5, range_="moon", name="Moon Hopper")
    other = await make_rocket(services, cast.other_agency, name="Theirs")
    if changes.get("launchAt") == "in 23 hours":
        changes["launchAt"] = (now() + timedelta(hours=23)).isoformat()
    if changes.get("rocketId") == "other":
        changes["rocketId"] = other.id
    body = await gql(SCHEDULE, {"input": terms(cast, rocketId=moon.id) | changes}, token=cast.tokens["agency"])
    assert error_codes(body) == [code]


async def test_an_unconfirmed_agency_cannot_schedule(services: Any, cast: Cast, gql: Any) -> None:
    user, token = await make_user(services, "agency", confirmed=False)
    agency = await make_agency(services, user.id, "Fresh Agency")
    rocket = await make_rocket(services, agency)
    body = await gql(SCHEDULE, {"input": terms(cast, rocketId=rocket.id)}, token=token)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_edit_while_not_final_new_price_for_new_bookings_only(services: Any, cast: Cast, gql: Any) -> None:
    token = cast.tokens["agency"]
    body = await gql(
        UPDATE, {"id": cast.launch.id, "input": {"pricePerSeat": "1500.50", "missionName": "Renamed"}}, token=token
    )
    assert body["data"]["updateLaunch"] == {
        "missionName": "Renamed",
        "pricePerSeat": "1500.50",
        "minimumPassengers": 2,
        "destination": "MOON",
    }
    async with services.db.unit_of_work() as uow:
        booking = await uow.session.get(Booking, cast.booking.id)
        assert booking is not None and booking.price_per_seat == Decimal("1000.00")
    assert error_codes(await gql(UPDATE, {"id": cast.launch.id, "input": {"minimumPassengers": 11}}, token=token)) == [
        "BAD_USER_INPUT"
    ]
    done = await make_launch(services, cast.rocket, status="launched", launch_at=now() - days(1))
    refused = await gql(UPDATE, {"id": done.id, "input": {"missionName": "Late"}}, token=token)
    assert error_codes(refused) == ["CONFLICT"] and refused["errors"][0]["extensions"]["currentStatus"] == "launched"
    other = await gql(
        UPDATE, {"id": cast.launch.id, "input": {"missionName": "Mine"}}, token=cast.tokens["other_agency"]
    )
    assert error_codes(other) == ["FORBIDDEN"]


async def test_status_moves_through_graphql(services: Any, cast: Cast, gql: Any) -> None:
    token = cast.tokens["agency"]
    thin = await make_launch(services, cast.rocket, seats_sold=1, minimum=3)
    refused = (await gql(CONFIRM, {"id": thin.id}, token=token))["data"]["confirmLaunch"]
    assert refused == {
        "__typename": "MinimumPassengersNotReached",
        "currentStatus": "SCHEDULED",
        "requestedStatus": "CONFIRMED",
        "message": "1 seats sold; confirming needs 3",
        "seatsSold": 1,
        "minimumPassengers": 3,
    }
    launch = cast.launch  # 2 sold, minimum 2, in 30 days
    confirmed = (await gql(CONFIRM, {"id": launch.id}, token=token))["data"]["confirmLaunch"]
    assert confirmed["__typename"] == "LaunchMoved" and confirmed["change"]["fromStatus"] == "SCHEDULED"
    earlier = (now() + days(29)).isoformat()
    not_later = (await gql(DELAY, {"id": launch.id, "d": earlier, "r": "weather"}, token=token))["data"]["delayLaunch"]
    assert (not_later["__typename"], not_later["currentStatus"]) == ("DelayMustMoveLater", "CONFIRMED")
    assert error_codes(await gql(DELAY, {"id": launch.id, "d": earlier, "r": " "}, token=token)) == ["BAD_USER_INPUT"]
    later = now() + days(40)
    delayed = (await gql(DELAY, {"id": launch.id, "d": later.isoformat(), "r": "weather"}, token=token))["data"][
        "delayLaunch"
    ]
    assert delayed["launch"]["status"] == "DELAYED" and delayed["change"]["reason"] == "weather"
    early = (await gql(LAUNCHED, {"id": launch.id}, token=token))["data"]["markLaunched"]
    assert (early["__typename"], early["currentStatus"]) == ("LaunchDateNotReached", "DELAYED")
    assert (await gql(FAILED, {"id": launch.id}, token=token))["data"]["markFailed"][
        "__typename"
    ] == "LaunchDateNotReached"
    history = await gql(HISTORY, {"r": [{"__typename": "Launch", "id": launch.id}]}, token=token)
    moves = [(h["fromStatus"], h["toStatus"]) for h in history["data"]["_entities"][0]["statusHistory"]]
    assert moves == [(None, "SCHEDULED"), ("SCHEDULED", "CONFIRMED"), ("CONFIRMED", "DELAYED")]
    assert [e.event_type for e in await events(services, launch.id)] == ["launch_confirmed", "launch_delayed"]


@pytest.mark.parametrize("document", [LAUNCHED, FAILED])
async def test_launched_or_failed_after_the_date_then_final(services: Any, cast: Cast, gql: Any, document: str) -> None:
    token = cast.tokens["agency"]
    past = await make_launch(services, cast.rocket, status="confirmed", launch_at=now() - timedelta(minutes=5))
    moved = await gql(document, {"id": past.id}, token=token)
    result = next(iter(moved["data"].values()))
    assert result["__typename"] == "LaunchMoved"
    final = result["launch"]["status"]
    for again in (CONFIRM, LAUNCHED, FAILED):
        refused = next(iter((await gql(again, {"id": past.id}, token=token))["data"].values()))
        assert (refused["__typename"], refused["currentStatus"]) == ("InvalidStatusTransition", final)
    aborted = (await gql(ABORT, {"id": past.id, "r": "too late"}, token=token))["data"]["abortLaunch"]
    assert aborted["__typename"] == "InvalidStatusTransition"


async def test_use_cases_take_a_clock(services: Any, cast: Cast) -> None:
    launch = await make_launch(services, cast.rocket, status="delayed", launch_at=now() + days(10))
    principal = cast.principal("agency")

    async def move(target: LaunchStatus, at: Any) -> Any:
        return await move_launch(services.bundle(principal, ORIGIN), launch_id=launch.id, target=target, now=at)

    with pytest.raises(LaunchDateNotReached):
        await move(LaunchStatus.LAUNCHED, now() + days(10) - timedelta(seconds=1))
    moved = await move(LaunchStatus.LAUNCHED, now() + days(10) + timedelta(seconds=1))
    assert moved.launch.status == "launched" and moved.change.from_status == "delayed"


async def test_abort_cancels_every_booking_with_a_full_refund_atomically(services: Any, cast: Cast, gql: Any) -> None:
    other = await make_traveler_profile(services, (await make_user(services, "traveler"))[0].id, "Cy")
    launch = await make_launch(services, cast.rocket, seats_sold=5, minimum=1, price="100.00")
    first = await make_booking(services, launch, cast.traveler, seats=2)
    second = await make_booking(services, launch, other, seats=3)
    body = await gql(ABORT, {"id": launch.id, "r": "engine trouble"}, token=cast.tokens["agency"])
    result = body["data"]["abortLaunch"]
    assert result["__typename"] == "LaunchMoved" and result["canceledBookings"] == 2
    assert result["launch"]["status"] == "ABORTED" and result["change"]["reason"] == "engine trouble"
    async with services.db.unit_of_work() as uow:
        stored = await uow.session.get(Launch, launch.id)
        assert stored is not None and stored.seats_sold == 0
        bookings = (await uow.session.execute(select(Booking).where(Booking.launch_id == launch.id))).scalars().all()
        assert {b.status for b in bookings} == {"canceled"}
        refunds = (await uow.session.execute(select(Refund.booking_id, Refund.amount))).all()
        assert dict(refunds) == {first.id: Decimal("200.00"), second.id: Decimal("300.00")}
    assert "launch_aborted" in [e.event_type for e in await events(services, launch.id)]
    # The travelers of an aborted launch still read why it was aborted.
    history = await gql(HISTORY, {"r": [{"__typename": "Launch", "id": launch.id}]}, token=cast.tokens["traveler"])
    assert history["data"]["_entities"][0]["statusHistory"][-1]["reason"] == "engine trouble"


async def test_a_cache_outage_does_not_fail_a_committed_change(services: Any, cast: Cast) -> None:
    broken = copy.copy(services.db)  # the same database, whose units of work bump tags in an unreachable cache
    broken.tags = TagVersions(build_cache("redis://127.0.0.1:1/0", "broken"))
    call = replace(services.bundle(cast.principal("agency"), ORIGIN), db=broken)
    moved = await move_launch(call, launch_id=cast.launch.id, target=LaunchStatus.CONFIRMED)
    assert moved.launch.status == "confirmed"
    async with services.db.unit_of_work() as uow:
        history = (
            (
                await uow.session.execute(
                    select(LaunchStatusChange.to_status).where(LaunchStatusChange.launch_id == cast.launch.id)
                )
            )
            .scalars()
            .all()
        )
    assert list(history) == ["scheduled", "confirmed"]


MOVES = {
    "confirmLaunch": (CONFIRM, {}),
    "delayLaunch": (DELAY, {"d": "2099-01-01T00:00:00+00:00", "r": "r"}),
    "abortLaunch": (ABORT, {"r": "r"}),
    "markLaunched": (LAUNCHED, {}),
    "markFailed": (FAILED, {}),
    "scheduleLaunch": (SCHEDULE, None),
    "updateLaunch": (UPDATE, {"input": {"missionName": "New name"}}),
}
DENIED = {
    "visitor": "UNAUTHENTICATED",
    "traveler": "FORBIDDEN",
    "other_traveler": "FORBIDDEN",
    "financial": "FORBIDDEN",
    "it": "FORBIDDEN",
    "other_agency": "FORBIDDEN",
}


@pytest.mark.parametrize("operation", MOVES)
@pytest.mark.parametrize("who", ["visitor", "traveler", "other_traveler", "agency", "other_agency", "financial", "it"])
async def test_launch_mutation_authorization_matrix(
    services: Any, cast: Cast, gql: Any, operation: str, who: str
) -> None:
    document, extra = MOVES[operation]
    variables = {"input": terms(cast)} if extra is None else {"id": cast.launch.id, **extra}
    body = await gql(document, variables, token=cast.tokens[who])
    if who == "other_agency" and operation == "scheduleLaunch":
        assert error_codes(body) == ["FORBIDDEN"]  # another agency's rocket
    elif who in DENIED:
        assert error_codes(body) == [DENIED[who]], body
    else:
        assert "errors" not in body, body
    (stored,) = await fetch(services, select(Launch).where(Launch.id == cast.launch.id))
    if who != "agency":
        assert (stored.status, stored.mission_name) == ("scheduled", "Artemis Tour")


@pytest.mark.parametrize("who", ["visitor", "traveler", "other_traveler", "agency", "other_agency", "financial", "it"])
async def test_status_history_readers(cast: Cast, gql: Any, who: str) -> None:
    body = await gql(HISTORY, {"r": [{"__typename": "Launch", "id": cast.launch.id}]}, token=cast.tokens[who])
    entity = body["data"]["_entities"][0]
    assert entity["status"] == "SCHEDULED"  # public launch fields are public
    if who in ("agency", "traveler"):
        assert "errors" not in body and entity["statusHistory"] == [
            {"fromStatus": None, "toStatus": "SCHEDULED", "reason": None}
        ]
    else:
        assert error_codes(body) == ["UNAUTHENTICATED" if who == "visitor" else "FORBIDDEN"]
        assert entity["statusHistory"] is None


async def test_a_traveler_who_canceled_still_reads_the_history_of_that_launch(
    services: Any, cast: Cast, gql: Any
) -> None:
    launch = await make_launch(services, cast.rocket)
    await make_booking(services, launch, cast.traveler, status="canceled", refunded="900.00", seats_released=True)
    kept = await make_launch(services, cast.rocket, seats_sold=1)
    await make_booking(services, kept, cast.traveler, status="canceled", seats_released=False)
    never = await make_launch(services, cast.rocket)
    reps = [{"__typename": "Launch", "id": i} for i in (launch.id, kept.id, never.id)]
    body = await gql(HISTORY, {"r": reps}, token=cast.tokens["traveler"])
    assert error_codes(body) == ["FORBIDDEN"]  # only the launch they never booked
    assert body["data"]["_entities"][0]["statusHistory"] is not None
    assert body["data"]["_entities"][1]["statusHistory"] is not None
    assert body["data"]["_entities"][2]["statusHistory"] is None
