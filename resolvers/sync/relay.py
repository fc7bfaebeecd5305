"""The outbox relay: delivers committed events to every registered consumer, at least once, in order per
aggregate (in fact in insertion order per consumer), tracking delivery per consumer.

Each round hands every consumer its oldest unfinished events as one batch (up to `batch_size`, in insertion
order), then records every consumer's progress (one statement per consumer) and stamps the events everyone
is done with, in one transaction. A batch that raises is retried one event at a time, so the events before
the failing one are marked, the failure is kept against the event that caused it, and the events after it
wait (order per aggregate).

One relay is active at a time among every worker on every machine: it holds a PostgreSQL advisory lock on
a connection of its own (which also LISTENs for the unit of work's NOTIFY); the others stand by and take
the lock when that connection dies. Consumers are idempotent (keyed by the event id), so a crash between
an effect and its delivered mark, or a relay that lost its lock without noticing yet, doubles nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import asyncpg
from pymongo.errors import ConnectionFailure

from models.monitoring import telemetry
from models.store.cache import TagVersions
from models.store.db import Database
from models.sync import deliveries
from models.sync.deliveries import DEAD, DELIVERED, RETRYING
from models.sync.outbox import NOTIFY_CHANNEL, OutboxEvent

log = logging.getLogger("astro.relay")

RELAY_LOCK = 0x61737472_6F_72  # pg_advisory_lock key of the active relay ("astro r")
MAX_ATTEMPTS = 10  # a consumer that keeps raising on one event gives up on it (dead, kept for IT)
MAX_BACKOFF_SECONDS = 30.0
# A store that is down: retried without limit (and without counting attempts), the consumer backing off.
OUTAGES: tuple[type[BaseException], ...] = (ConnectionFailure, OSError, asyncpg.PostgresConnectionError)


class WorkerServices(Protocol):
    """What consumers and periodic tasks may use (graph.services.Services provides it)."""

    db: Database
    tags: TagVersions


# A consumer takes a batch of events in insertion order and handles each of them, idempotently by event id.
Consumer = Callable[[Any, list[OutboxEvent]], Awaitable[object]]
Checkpoint = Callable[[str], Awaitable[None]]
Failure = tuple[OutboxEvent, BaseException]  # the event a consumer failed on, and its error


async def _no_checkpoint(point: str) -> None:
    return None


class Relay:
    """Delivers pending events; `run` keeps doing so while it holds the relay lock."""

    def __init__(
        self,
        services: WorkerServices,
        consumers: Mapping[str, Consumer],
        *,
        poll_seconds: float = 5.0,
        standby_seconds: float = 2.0,
        batch_size: int = 200,
        round_seconds: float = 0.0,
        checkpoint: Checkpoint = _no_checkpoint,
    ) -> None:
        self.services = services
        self.consumers = dict(consumers)
        self.poll_seconds = poll_seconds
        self.standby_seconds = standby_seconds
        self.batch_size = batch_size
        # Rounds start at most this often: under a steady stream of events (a NOTIFY per commit) they gather
        # into batches instead of one round each; a lone event after a quiet spell is delivered at once.
        self.round_seconds = round_seconds
        self.checkpoint = checkpoint  # called between effects and marks; tests make it raise ("crash")
        self.active = False  # holds the lock
        self.rounds = 0  # delivery rounds completed (tests wait on it instead of sleeping)
        self._wake = asyncio.Event()
        self._backoff: dict[str, tuple[float, float]] = {}  # consumer -> (retry at, current back-off)

    async def deliver_pending(self) -> int:
        """One round: every consumer takes its oldest unfinished events, then one transaction records what
        each did and stamps the events every consumer is done with. Returns the largest batch taken (a full
        batch means there may be more)."""
        names = [name for name in self.consumers if not self._backing_off(name)]
        outcomes = await asyncio.gather(*(self._deliver_to(name) for name in names))
        await self.checkpoint("effects")
        touched: set[str] = set()
        async with self.services.db.unit_of_work() as uow:
            for name, _, done, failure in outcomes:
                await deliveries.mark(uow.session, name, done, DELIVERED, None)
                if done:
                    telemetry.RELAY_DELIVERIES.labels(name, "delivered").inc(len(done))
                touched.update(done)
                if failure:
                    touched.update(await self._record_failure(uow.session, name, *failure))
            # an idle round sweeps every undelivered event (one whose last mark came from another relay)
            await deliveries.complete(uow.session, sorted(touched) or None, list(self.consumers))
            await uow.session.commit()
        for name, _, _, failure in outcomes:
            if failure is None:
                self._backoff.pop(name, None)
        self.rounds += 1
        return max((taken for _, taken, _, _ in outcomes), default=0)

    async def _deliver_to(self, name: str) -> tuple[str, int, list[str], Failure | None]:
        """The consumer's oldest unfinished events: (name, how many it took, the ids handled, the failure)."""
        async with self.services.db.read() as session:
            events = await deliveries.pending_for(session, name, self.batch_size)
        if not events:
            return name, 0, [], None
        done, failure = await self._handle(name, events)
        if done:
            await self.checkpoint(f"effect:{name}")
        return name, len(events), done, failure

    async def _handle(self, name: str, events: list[OutboxEvent]) -> tuple[list[str], Failure | None]:
        """The whole batch at once; when it raises (and its store is not simply down), one event at a time
        to find the event that fails: the ids handled, and the failing event with its error."""
        consumer = self.consumers[name]
        try:
            with telemetry.origin_of(events):
                await consumer(self.services, events)
            return [event.id for event in events], None
        except Exception as error:
            if len(events) == 1 or isinstance(error, OUTAGES):
                return [], (events[0], error)
        done: list[str] = []
        for event in events:
            try:
                with telemetry.origin_of([event]):
                    await consumer(self.services, [event])
            except Exception as error:
                return done, (event, error)  # later events wait: order per aggregate holds
            done.append(event.id)
        return done, None

    async def _record_failure(self, session: Any, name: str, event: OutboxEvent, error: BaseException) -> list[str]:
        """Keep the error; give up on the event after MAX_ATTEMPTS unless it is a store outage."""
        self._back_off(name)
        message = f"{type(error).__name__}: {error}"[:2000]
        telemetry.RELAY_DELIVERIES.labels(name, "outage" if isinstance(error, OUTAGES) else "failed").inc()
        if isinstance(error, OUTAGES):
            with telemetry.origin_of([event]):
                log.warning("consumer %s waits for its store: %s", name, message)
            await deliveries.mark(session, name, [event.id], RETRYING, message)
            return []
        attempts = (await deliveries.attempts_of(session, name, [event.id])).get(event.id, 0) + 1
        status = DEAD if attempts >= MAX_ATTEMPTS else RETRYING
        with telemetry.origin_of([event]):
            log.error("consumer %s failed on event %s (attempt %d): %s", name, event.id, attempts, message)
        await deliveries.mark(session, name, [event.id], status, message)
        return [event.id] if status == DEAD else []

    def _backing_off(self, name: str) -> bool:
        retry_at, _ = self._backoff.get(name, (0.0, 0.0))
        return asyncio.get_running_loop().time() < retry_at

    def _back_off(self, name: str) -> None:
        _, current = self._backoff.get(name, (0.0, 0.0))
        delay = min(MAX_BACKOFF_SECONDS, max(0.5, current * 2))
        self._backoff[name] = (asyncio.get_running_loop().time() + delay, delay)

    async def active_now(self) -> bool:
        return self.active

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Stand by until this relay holds the lock, then deliver until cancelled; start over when the
        lock's connection is lost (the lock went with it)."""
        while True:
            try:
                await self._hold_lock_and_deliver()
            except OUTAGES as error:
                log.warning("relay lost PostgreSQL (%s); standing by", error)
            finally:
                self.active = False
            await asyncio.sleep(self.standby_seconds)

    async def _hold_lock_and_deliver(self) -> None:
        conn = await asyncpg.connect(self.services.db.dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK):  # noqa: ASYNC110
                await asyncio.sleep(self.standby_seconds)  # polling a lock: no event to wait on
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            self.active = True
            log.info("relay active")
            while not conn.is_closed():
                await self._deliver_then_wait(conn)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(conn.close(timeout=2))

    async def _deliver_then_wait(self, conn: asyncpg.Connection) -> None:
        started = asyncio.get_running_loop().time()
        self._wake.clear()  # before reading: a NOTIFY arriving during the round triggers another
        try:
            full = await self.deliver_pending() >= self.batch_size
        except OUTAGES:
            raise
        except Exception:
            log.exception("relay round failed")
            full = False
        if not full:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._next_wait())
        await conn.execute("SELECT 1")  # notices a lost connection (and so a lost lock) each round
        rest = self.round_seconds - (asyncio.get_running_loop().time() - started)
        if rest > 0:
            await asyncio.sleep(rest)

    def _next_wait(self) -> float:
        """The poll interval, shortened to the earliest consumer back-off end."""
        now = asyncio.get_running_loop().time()
        ends = [retry_at - now for retry_at, _ in self._backoff.values() if retry_at > now]
        return min([self.poll_seconds, *ends])
