"""The demo seed invoices its launched and aborted launches: some paid, some overdue; seeding again adds none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.base import utcnow
from models.finance.tables import Invoice
from models.launches.tables import Launch
from scripts.seed_bookings import seed_bookings
from scripts.seed_catalogue import seed_catalogue
from scripts.seed_finance import seed_finance
from scripts.seed_users import seed_users
from tests.support.builders import fetch


async def test_seed_invoices_paid_and_overdue(services: Any) -> None:
    users = await seed_users(services)
    catalogue = await seed_catalogue(services, users)
    await seed_bookings(services, users, catalogue)
    numbers = await seed_finance(services)
    assert len(numbers) == 3
    invoices = await fetch(services, select(Invoice))
    launches = {launch.id: launch for launch in await fetch(services, select(Launch))}
    statuses = {launches[i.launch_id].mission_name: i.status_at(utcnow()) for i in invoices}
    assert statuses == {"Aurora Orbit": "paid", "Olympus Mons Trek": "overdue", "Polar Night Hop": "overdue"}
    assert {launches[i.launch_id].status for i in invoices} == {"launched", "aborted"}
    assert await seed_finance(services) == {}
    assert len(await fetch(services, select(Invoice))) == 3
