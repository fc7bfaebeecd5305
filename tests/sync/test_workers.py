"""Workers: MongoDB down stops only the log consumer (bookings succeed, entries arrive after recovery),
`astro serve`'s in-process worker delivers, and periodic tasks run (one worker at a time when single)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from secantus import SecantusDBServer
from starlette.applications import Starlette

from graph.app import create_app
from graph.settings import Settings
from models.store import mongo
from models.sync import deliveries
from resolvers.sync.consumers import CONSUMERS
from resolvers.sync.relay import Relay
from resolvers.sync.tasks import Periodic
from resolvers.sync.worker import Worker
from tests.support.bookings import book
from tests.support.builders import adults, make_launch, make_traveler
from tests.support.faults import broken_invariants
from tests.support.outbox import eventually, log_entries, outbox


@pytest.fixture
async def own_app(settings: Settings, tmp_path, app: Starlette) -> AsyncIterator[tuple[Starlette, Any]]:
    """An app on the shared PostgreSQL (emptied by `app`) with a MongoDB server of its own, which the test
    may stop and start again on the same port and data. The mongoengine connection is process-wide: it is
    given back to `app` afterwards."""
    storage = str(tmp_path / "mongo")
    servers = [SecantusDBServer(host="127.0.0.1", port=0, storage_path=storage)]
    servers[0].start()
    port = servers[0].address[1]

    def restart() -> None:
        servers.append(SecantusDBServer(host="127.0.0.1", port=port, storage_path=storage))
        servers[-1].start()

    application = create_app(settings.model_copy(update={"mongodb_url": servers[0].uri}))
    try:
        async with application.router.lifespan_context(application):
            yield application, (servers, restart)
    finally:
        mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
        servers[-1].stop()


async def test_mongodb_down_bookings_succeed_and_log_entries_arrive_after_recovery(own_app):
    application, (servers, restart) = own_app
    services = application.state.services
    relay = Relay(services, CONSUMERS, poll_seconds=0.2)
    task = asyncio.create_task(relay.run())
    try:
        launch = await make_launch(services)
        travelers = [await make_traveler(services) for _ in range(5)]
        servers[0].stop()  # the fixture stops only the last server it started
        for traveler in travelers:
            await book(services, traveler, launch, adults(1))  # PostgreSQL only: succeeds with MongoDB down

        async def catalogue_done_log_waiting() -> bool:
            async with services.db.read() as session:
                stats = await deliveries.outbox_stats(session)
            return stats.retrying.get("log_entries", 0) >= 1 and stats.undelivered == len(await outbox(services))

        await eventually(catalogue_done_log_waiting, within=20)
        restart()

        async def all_logged() -> bool:
            events = await outbox(services)
            try:
                entries = await log_entries(services)
            except Exception:
                return False
            return sorted(e.id for e in entries) == sorted(e.id for e in events) and all(e.delivered_at for e in events)

        await eventually(all_logged, within=40, step=0.2)
        assert len(await outbox(services)) >= 5  # 0 lost: every event has its entry (checked above)
        assert await broken_invariants(services.settings.database_url) == {}  # seats, payments, passengers
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_serve_runs_a_worker_in_process_that_delivers(settings, app):
    served = create_app(settings.model_copy(update={"run_worker": True, "worker_poll_seconds": 0.2}))
    try:
        async with served.router.lifespan_context(served):
            services = served.state.services
            launch = await make_launch(services)
            await book(services, await make_traveler(services), launch, adults(1))

            async def logged() -> bool:
                return len(await log_entries(services)) == len(await outbox(services))

            await eventually(logged)
    finally:
        mongo.connect(settings.mongodb_url or "", settings.mongodb_db)


async def test_periodic_tasks_run_and_a_single_one_never_on_two_workers_at_once(services):
    running, runs = [0], [0]

    async def job(_: Any) -> None:
        running[0] += 1
        assert running[0] == 1, "ran on two workers at once"
        await asyncio.sleep(0.02)  # holds the work so the other worker would overlap
        runs[0] += 1
        running[0] -= 1

    workers = [Worker(services, consumers={}, periodic=[Periodic("exclusive", 0.01, job, single=True)]) for _ in "ab"]
    counted: list[int] = []
    workers[0].every(0.01, lambda _: _count(counted))
    for worker in workers:
        await worker.start()
    try:

        async def ran_often() -> bool:
            return runs[0] >= 5 and len(counted) >= 3

        await eventually(ran_often)
    finally:
        for worker in workers:
            await worker.stop()


async def _count(counted: list[int]) -> None:
    counted.append(1)
