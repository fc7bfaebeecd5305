"""Under concurrency, on the real PostgreSQL with many connections: never oversold, never charged twice,
with the seats held (not locked) while the gateway is called."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from auth.principal import Principal
from models.bookings import errors as refusals
from models.bookings.gateway import SimulatedGateway
from models.bookings.tables import Booking, BookingStatus
from models.launches.tables import Launch
from models.store.db import Database
from resolvers.bookings.book_seats import BookingConfirmed, book_seats
from tests.support.builders import ORIGIN, adults, make_launch, make_profiles, make_seller, make_traveler

RACERS, TRIALS, LAST_SEATS = 200, 20, 5


@pytest.fixture
async def wide_db(settings: Any, services: Any) -> AsyncIterator[Database]:
    """Its own engine with a bigger pool (up to 2 x 15 connections), so the racers really run at once."""
    db = Database(settings.database_url, tags=services.tags, pool_size=15)
    yield db
    await db.dispose()


async def attempt(
    services: Any, db: Database, principal: Principal, launch_id: str, gateway: SimulatedGateway, **kw: Any
) -> Any:
    call = replace(services.bundle(principal, ORIGIN), db=db, payments=gateway)
    return await book_seats(
        call,
        launch_id=launch_id,
        passengers=adults(kw.pop("seats", 1)),
        payment_token="tok_success",
        idempotency_key=kw.pop("key", None),
    )


async def ledger(db: Database, launch_id: str) -> tuple[int, int, int]:
    """(capacity, seats sold, seats of the launch's confirmed bookings)."""
    async with db.unit_of_work() as uow:
        launch = (
            await uow.session.execute(select(Launch.capacity, Launch.seats_sold).where(Launch.id == launch_id))
        ).one()
        active = select(func.coalesce(func.sum(Booking.seats), 0)).where(
            Booking.launch_id == launch_id, Booking.status == BookingStatus.CONFIRMED
        )
        return launch.capacity, launch.seats_sold, (await uow.session.execute(active)).scalar_one()


async def test_200_concurrent_bookings_race_for_the_last_5_seats_20_times(services, wide_db):
    racers = await make_profiles(services, RACERS)
    early = [await make_profiles(services, 2) for _ in range(TRIALS)]
    seller = await make_seller(services)
    for trial in range(TRIALS):
        launch = await make_launch(services, seller.rocket, capacity=7 + LAST_SEATS)
        for principal, seats in zip(early[trial], (4, 3), strict=True):  # 7 seats sold before the race
            await attempt(services, wide_db, principal, launch.id, services.payments, seats=seats)
        gateway = SimulatedGateway(latency_seconds=0.005 if trial % 2 else 0.0)  # charges overlap the holds
        outcomes = await asyncio.gather(
            *(attempt(services, wide_db, p, launch.id, gateway) for p in racers), return_exceptions=True
        )
        winners = [o for o in outcomes if isinstance(o, BookingConfirmed)]
        losers = [o for o in outcomes if not isinstance(o, BookingConfirmed)]
        assert len(winners) == LAST_SEATS, f"trial {trial}"
        assert all(isinstance(o, refusals.NotEnoughSeats) for o in losers), {type(o).__name__ for o in losers}
        capacity, sold, active = await ledger(wide_db, launch.id)
        assert sold == capacity == active, f"trial {trial}: sold {sold}, capacity {capacity}, bookings {active}"
        assert len(gateway.charges) == LAST_SEATS


async def test_the_same_idempotency_key_20_times_at_once_books_and_charges_once(services, wide_db):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    gateway = SimulatedGateway(latency_seconds=0.05)  # the 19 others arrive while the first one's hold is paying
    outcomes = await asyncio.gather(
        *(attempt(services, wide_db, ada.principal, launch.id, gateway, seats=2, key="pay-once") for _ in range(20))
    )
    assert {o.booking.id for o in outcomes} == {outcomes[0].booking.id}
    assert sorted(o.replayed for o in outcomes) == [False] + [True] * 19
    assert len(gateway.charges) == 1
    assert await ledger(wide_db, launch.id) == (20, 2, 2)
