"""Overdue reminders: at most one `invoice_overdue` per invoice per 7 days, however many runs and workers."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from models.launches.tables import LaunchStatus
from models.sync.outbox import OutboxEvent
from resolvers.finance.reminders import send_overdue_reminders
from tests.support.builders import days, fetch, make_launch, now
from tests.support.finance import make_agency_user, make_invoice

pytestmark = pytest.mark.usefixtures("app")


async def reminders(services):
    statement = select(OutboxEvent).where(OutboxEvent.event_type == "invoice_overdue")
    return await fetch(services, statement.order_by(OutboxEvent.created_at))


async def test_three_runs_within_seven_days_send_one_then_another_after_seven(services):
    seller = await make_agency_user(services)
    issued = now() - days(40)  # due 10 days ago
    overdue = await make_invoice(
        services,
        await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED),
        number="INV-2026-00001",
        amount="1000.00",
        issued_at=issued,
        paid="250.00",
    )
    await make_invoice(  # paid in full: never reminded
        services,
        await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED),
        number="INV-2026-00002",
        amount="1000.00",
        issued_at=issued,
        paid="1000.00",
    )
    await make_invoice(  # not due yet
        services,
        await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED),
        number="INV-2026-00003",
        amount="1000.00",
        issued_at=now() - days(5),
    )
    start = now()
    sent = [await send_overdue_reminders(services, now=start + days(offset)) for offset in (0, 1, 6.9)]
    assert sent == [1, 0, 0]
    assert await send_overdue_reminders(services, now=start + days(7)) == 1
    events = await reminders(services)
    assert [e.aggregate_id for e in events] == [overdue.id, overdue.id]
    assert events[0].payload["outstanding"] == "750.00" and events[0].payload["agency_id"] == seller.agency.id


async def test_many_workers_at_once_send_one(services):
    seller = await make_agency_user(services)
    for n in range(1, 6):
        launch = await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED)
        await make_invoice(services, launch, number=f"INV-2026-{n:05d}", amount="10.00", issued_at=now() - days(31))
    at = now()
    sent = await asyncio.gather(*(send_overdue_reminders(services, now=at, batch=2) for _ in range(6)))
    assert sum(sent) == 5
    events = await reminders(services)
    assert len({e.aggregate_id for e in events}) == len(events) == 5
