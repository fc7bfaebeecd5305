"""Recipients exactly as DOMAIN.md names them, for the events not covered by the delivery walk-throughs;
and exactly one notification per (event, recipient) when consumers race on the same event."""

from __future__ import annotations

import asyncio
from typing import Any

from auth.principal import Principal, Role
from models.launches.status import LaunchStatus
from models.sync.events import Aggregate, Event
from models.sync.outbox import OutboxEvent, record_event
from resolvers.bookings.cancel_booking import cancel_booking
from resolvers.launches.move_launch import move_launch
from resolvers.notifications.consumer import notify
from tests.support.builders import (
    ORIGIN,
    make_booking,
    make_launch,
    make_seller,
    make_traveler_profile,
    make_user,
)
from tests.support.notifications import deliver, notifications


async def _record(services: Any, event: Event, aggregate: tuple[Aggregate, str], payload: dict) -> OutboxEvent:
    async with services.db.unit_of_work() as uow:
        recorded = record_event(uow.session, ORIGIN, event, aggregate, payload)
        await uow.commit()
    return recorded


async def _traveler(services: Any, name: str) -> Any:
    user, _ = await make_user(services, "traveler")
    return await make_traveler_profile(services, user.id, name, contact_email=f"{name.lower()}@example.test")


async def test_launch_events_reach_the_agency_and_travelers_with_an_active_booking(services: Any):
    seller = await make_seller(services)
    launch = await make_launch(services, seller.rocket, seats_sold=3)
    booked, canceled_earlier, elsewhere = [await _traveler(services, n) for n in ("Booked", "Gone", "Other")]
    await make_booking(services, launch, booked, seats=2)
    await make_booking(services, launch, canceled_earlier, status="canceled")
    await make_booking(services, await make_launch(services, seller.rocket), elsewhere)
    agency = Principal(id=seller.agency.user_id, role=Role.AGENCY, email_confirmed=True)
    await move_launch(services.bundle(agency, ORIGIN), launch_id=launch.id, target=LaunchStatus.ABORTED, reason="Wx")

    assert await deliver(services, "launch_aborted") == 2
    got = {n.recipient_id: n for n in await notifications(services, event="launch_aborted")}
    assert set(got) == {seller.agency.user_id, booked.user_id}  # the abort canceled Booked's booking
    assert "Reason: Wx" in got[booked.user_id].body
    assert await deliver(services, "booking_canceled") == 2  # Booked and the agency, about the refund


async def test_refund_issued_makes_no_mail_of_its_own(services: Any):
    seller = await make_seller(services)
    launch = await make_launch(services, seller.rocket, seats_sold=1)
    traveler = await _traveler(services, "Solo")
    booking = await make_booking(services, launch, traveler)
    principal = Principal(id=traveler.user_id, role=Role.TRAVELER, email_confirmed=True)
    await cancel_booking(services.bundle(principal, ORIGIN), booking_id=booking.id)
    assert await deliver(services, "refund_issued") == 0  # part of booking_canceled, no mail of its own
    assert {n.recipient_id for n in await notifications(services)} == set()


async def test_invoice_events_reach_the_agency(services: Any):
    seller = await make_seller(services)
    payload = {
        "agency_id": seller.agency.id,
        "invoice_number": "INV-2026-0001",
        "amount": "120.00",
        "due_date": "2026-12-31",
    }
    event = await _record(services, Event.INVOICE_ISSUED, (Aggregate.INVOICE, "inv-1"), payload)
    assert await notify(services, event) == 1
    [note] = await notifications(services)
    assert (note.recipient_id, note.to_address) == (seller.agency.user_id, seller.agency.contact_email)
    assert note.subject == "Invoice INV-2026-0001" and "2026-12-31" in note.body


async def test_sync_failed_reaches_every_it_user(services: Any):
    staff = [(await make_user(services, "it"))[0] for _ in range(2)]
    await make_user(services, "financial")
    event = await _record(
        services, Event.SYNC_FAILED, (Aggregate.SYNC_JOB, "job-7"), {"job": "partners", "error": "timeout"}
    )
    assert await notify(services, event) == 2
    assert {n.recipient_id for n in await notifications(services)} == {user.id for user in staff}


async def test_consumers_racing_on_one_event_create_each_notification_once(services: Any):
    staff = [(await make_user(services, "it"))[0] for _ in range(3)]
    event = await _record(services, Event.SYNC_FAILED, (Aggregate.SYNC_JOB, "job-8"), {"job": "j", "error": "e"})
    created = await asyncio.gather(*(notify(services, event) for _ in range(4)))
    assert sum(created) == len(staff)
    assert len(await notifications(services)) == len(staff)


async def test_events_nobody_hears_of_make_nothing(services: Any):
    event = await _record(services, Event.ROCKET_ADDED, (Aggregate.ROCKET, "r-1"), {})
    assert await notify(services, event) == 0
