"""The live publisher against a process-local broker and the memory cache: once per event id."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from models.store.cache import build_cache
from models.store.pubsub import LiveBroker, RedisLiveBroker
from models.sync.events import Aggregate, Event
from models.sync.outbox import OutboxEvent
from resolvers.sync.live import CATALOGUE_TOPIC, publish_live


@dataclass
class FakeServices:
    cache: object
    live: LiveBroker


async def test_a_redelivered_event_is_published_once() -> None:
    services = FakeServices(cache=build_cache(None, "live-test"), live=LiveBroker())
    event = OutboxEvent(
        id="e1", event_type=Event.LAUNCH_SCHEDULED, aggregate_type=Aggregate.LAUNCH, aggregate_id="l1",
        payload={}, created_at=datetime.now(UTC),
    )  # fmt: skip
    async with services.live.listen(CATALOGUE_TOPIC) as messages:
        await publish_live(services, [event])
        await publish_live(services, [event])  # at least once: the relay may deliver it again
        first = await anext(messages)
        assert first == {"event_id": "e1", "launch_id": "l1", "kind": "SCHEDULED"}
        assert services.live.subscriber_count(CATALOGUE_TOPIC) == 1
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await anext(messages)


async def test_redis_down_is_an_outage_the_relay_retries() -> None:
    broker = RedisLiveBroker("redis://127.0.0.1:1/0", "nowhere:live")
    with pytest.raises(OSError):
        await broker.publish(CATALOGUE_TOPIC, {"kind": "SCHEDULED"})
    await broker.close()
