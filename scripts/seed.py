"""Demo data: sample agencies, rockets, launches, travelers, bookings and one user of every role.

Each domain seeds its part: users first (their ids are needed by profiles), then the catalogue
(agencies, rockets, launches in every status), then travelers and bookings, then the invoices of the launched
and aborted launches.
"""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy import func, select

from graph.services import Services
from graph.settings import Settings
from models.agencies.tables import Agency
from scripts.seed_bookings import seed_bookings
from scripts.seed_catalogue import seed_catalogue
from scripts.seed_finance import seed_finance
from scripts.seed_users import seed_users


async def seed_demo(settings: Settings, *, if_empty: bool) -> None:
    services = Services.build(settings)
    try:
        if if_empty and await _has_data(services):
            typer.echo("demo data already present; not seeding")
            return
        users: dict[str, Any] = await seed_users(services)
        catalogue: dict[str, Any] = await seed_catalogue(services, users)
        await seed_bookings(services, users, catalogue)
        await seed_finance(services)
    finally:
        await services.close()


async def _has_data(services: Services) -> bool:
    async with services.db.unit_of_work() as uow:
        return bool((await uow.session.execute(select(func.count()).select_from(Agency))).scalar_one())
