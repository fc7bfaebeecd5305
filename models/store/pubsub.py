"""Live messages for GraphQL subscriptions: published once, fanned out to every local subscriber.

With Redis, every process keeps ONE pub/sub connection on one channel and hands each message to the
subscribers of its topic in that process: a thousand subscribers cost a thousand in-memory queues, never a
thousand Redis connections. Without Redis (embedded mode) messages reach the subscribers of the one process.

Delivery is best effort: a subscriber that falls QUEUE_SIZE messages behind loses the oldest, and a
subscriber that reconnects after a gap refetches what it shows (the README says so).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import redis.asyncio as redis
from redis.exceptions import RedisError

from models.monitoring.telemetry import LIVE_SUBSCRIBERS
from models.store.cache import redis_connection_options

log = logging.getLogger("astro.live")

QUEUE_SIZE = 100  # messages one subscriber may fall behind before the oldest are dropped
RECONNECT_SECONDS = 1.0  # back-off of the pub/sub connection after Redis went away


class LiveBroker:
    """Process-local fan-out; `publish` reaches this process's subscribers only."""

    def __init__(self) -> None:
        self._topics: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}

    async def publish(self, topic: str, data: dict[str, Any]) -> None:
        self.deliver_locally(topic, data)

    async def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish (topic, data) pairs in order."""
        for topic, data in messages:
            self.deliver_locally(topic, data)

    async def start(self) -> None:
        """Ready to receive messages published from anywhere (nothing to do within one process)."""

    @contextlib.asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
        """The messages of `topic` published while the block runs, in order."""
        await self.start()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._topics.setdefault(topic, set()).add(queue)
        LIVE_SUBSCRIBERS.inc()
        try:
            yield _drain(queue)
        finally:
            LIVE_SUBSCRIBERS.dec()
            listeners = self._topics.get(topic, set())
            listeners.discard(queue)
            if not listeners:
                self._topics.pop(topic, None)

    def deliver_locally(self, topic: str, data: dict[str, Any]) -> None:
        for queue in self._topics.get(topic, ()):
            if queue.full():
                queue.get_nowait()  # a slow subscriber loses its oldest message, not the newest
            queue.put_nowait(data)

    def subscriber_count(self, topic: str | None = None) -> int:
        if topic is not None:
            return len(self._topics.get(topic, ()))
        return sum(len(listeners) for listeners in self._topics.values())

    async def close(self) -> None:
        self._topics.clear()


async def _drain(queue: asyncio.Queue[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    while True:
        yield await queue.get()


class RedisLiveBroker(LiveBroker):
    """Fan-out across processes: publishes on one Redis channel, listens on it with one connection."""

    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        self.channel = channel
        self._client = redis.Redis.from_url(url, **redis_connection_options())
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, topic: str, data: dict[str, Any]) -> None:
        await self.publish_many([(topic, data)])

    async def publish_many(self, messages: list[tuple[str, dict[str, Any]]]) -> None:
        """One round trip for all of them (a pipeline, in order)."""
        pipe = self._client.pipeline(transaction=False)
        for topic, data in messages:
            pipe.publish(self.channel, orjson.dumps({"topic": topic, "data": data}))
        try:
            await pipe.execute()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # An outage to the relay (an OSError): it retries the event without limit instead of giving up.
            raise ConnectionError(f"Redis unreachable for live messages: {exc}") from exc

    async def start(self) -> None:
        """Starts the process's one listener on first use and waits until Redis confirmed the subscription."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="live-broker")
        async with asyncio.timeout(5):
            await self._ready.wait()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    async for message in pubsub.listen():
                        self._receive(message)
            except (RedisError, OSError) as exc:
                self._ready.clear()
                log.warning("live pub/sub connection lost (%r); reconnecting", exc)
                await asyncio.sleep(RECONNECT_SECONDS)

    def _receive(self, message: dict[str, Any]) -> None:
        if message["type"] == "subscribe":
            self._ready.set()
        elif message["type"] == "message":
            try:
                decoded = orjson.loads(message["data"])
                self.deliver_locally(str(decoded["topic"]), dict(decoded["data"]))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                log.warning("malformed live message ignored")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._client.aclose()
        await super().close()


def build_broker(redis_url: str | None, namespace: str) -> LiveBroker:
    return RedisLiveBroker(redis_url, f"{namespace}:live") if redis_url else LiveBroker()
