"""A worker: the outbox relay (active on one worker at a time) plus the periodic tasks. `astro worker`
runs one as a process; `astro serve` runs one in-process unless ASTRO_RUN_WORKER=false."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import zlib
from collections.abc import Mapping

from models.base import utcnow
from models.ids import new_id
from models.sync import workers
from resolvers.monitoring.logs import record
from resolvers.sync.consumers import CONSUMERS
from resolvers.sync.relay import Consumer, Relay, WorkerServices
from resolvers.sync.runs import run_queued
from resolvers.sync.tasks import PERIODIC, Periodic, Task

log = logging.getLogger("astro.worker")


class Worker:
    def __init__(
        self,
        services: WorkerServices,
        *,
        consumers: Mapping[str, Consumer] | None = None,
        periodic: list[Periodic] | None = None,
        poll_seconds: float = 5.0,
        standby_seconds: float = 2.0,
        round_seconds: float = 0.0,
    ) -> None:
        self.services = services
        self.relay = Relay(
            services,
            CONSUMERS if consumers is None else consumers,
            poll_seconds=poll_seconds,
            standby_seconds=standby_seconds,
            round_seconds=round_seconds,
        )
        self.periodic = list(PERIODIC if periodic is None else periodic)
        self._tasks: list[asyncio.Task[None]] = []
        # Names this worker in the system log, in heartbeats and on the sync runs it claims.
        self.id = f"{socket.gethostname()}:{os.getpid()}:{new_id()[-8:]}"
        settings = getattr(services, "settings", None)
        if periodic is None and settings is not None:
            self.every(settings.sync_poll_seconds, self._run_syncs, name="sync_runs")
            self.every(settings.worker_heartbeat_seconds, self.heartbeat, name="heartbeat")

    def every(self, seconds: float, task: Task, *, name: str | None = None, single: bool = False) -> None:
        """Run `task(services)` every `seconds` (register before `start`)."""
        self.periodic.append(Periodic(name or task.__name__, seconds, task, single))

    async def _run_syncs(self, services: WorkerServices) -> None:
        await run_queued(services, self.id)

    async def heartbeat(self, services: WorkerServices | None = None) -> None:
        """Record that this worker is alive (the `workers` table; health shows it)."""
        async with self.services.db.unit_of_work() as uow:
            await workers.beat(
                uow.session,
                self.id,
                host=socket.gethostname()[:100],
                pid=os.getpid(),
                now=utcnow(),
                relay_active=self.relay.active,
            )
            await uow.commit()

    async def _forget(self) -> None:
        try:
            async with self.services.db.unit_of_work() as uow:
                await workers.forget(uow.session, self.id)
                await uow.commit()
        except Exception:
            log.warning("worker %s: heartbeat row not removed", self.id, exc_info=True)

    async def start(self) -> None:
        await record("info", "worker_started", f"worker {self.id} started", actor=f"worker:{self.id}")
        self._tasks = [asyncio.create_task(self.relay.run(), name="relay")]
        self._tasks += [asyncio.create_task(self._repeat(job), name=job.name) for job in self.periodic]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if any(job.name == "heartbeat" for job in self.periodic):
            await self._forget()
        if self._tasks:
            await record("info", "worker_stopped", f"worker {self.id} stopped", actor=f"worker:{self.id}")
        self._tasks = []

    async def run_forever(self) -> None:
        await self.start()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.stop()

    async def _repeat(self, job: Periodic) -> None:
        while True:
            try:
                await (self._run_single(job) if job.single else job.task(self.services))
            except Exception:
                log.exception("periodic task %s failed", job.name)
            await asyncio.sleep(job.seconds)

    async def _run_single(self, job: Periodic) -> None:
        key = zlib.crc32(job.name.encode())
        async with self.services.db.engine.connect() as conn:
            locked = (await conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({key})")).scalar()
            if not locked:
                return  # another worker is running it
            try:
                await job.task(self.services)
            finally:
                await conn.exec_driver_sql(f"SELECT pg_advisory_unlock({key})")
                await conn.commit()
