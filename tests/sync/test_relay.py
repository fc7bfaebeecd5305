"""The outbox relay: delivery in order to every consumer, one log entry per event however often an event is
delivered (crashes between an effect and its mark, two relays at once), LISTEN/NOTIFY wake-up, statistics."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from models.sync import deliveries
from models.sync.events import Event
from models.sync.outbox import NOTIFY_CHANNEL, OutboxEvent
from resolvers.bookings.cancel_booking import cancel_booking
from resolvers.sync.consumers import CONSUMERS, refresh_catalogue, write_log_entries
from resolvers.sync.relay import MAX_ATTEMPTS, Relay
from tests.support.bookings import book
from tests.support.builders import ORIGIN, adults, make_launch, make_traveler
from tests.support.outbox import eventually, log_entries, outbox
from tests.support.sql import sql_statements

LOG_ONLY = {"log_entries": write_log_entries, "catalogue": refresh_catalogue}


class Crash(BaseException):
    """The relay process dying at a given point (a BaseException: nothing in the relay catches it)."""


async def some_events(services: Any) -> list[OutboxEvent]:
    launch = await make_launch(services)
    ada = await make_traveler(services)
    first = await book(services, ada, launch, adults(2))
    await book(services, ada, launch, adults(1))
    await cancel_booking(services.bundle(ada.principal, ORIGIN), booking_id=first.booking.id)
    return await outbox(services)


async def drain(relay: Relay) -> None:
    while await relay.deliver_pending():
        pass


async def assert_one_log_entry_per_event(services: Any) -> None:
    events = await outbox(services)
    entries = await log_entries(services)
    assert sorted(entry.id for entry in entries) == sorted(event.id for event in events)
    assert all(event.delivered_at is not None for event in events)


async def test_every_consumer_gets_every_event_in_order_and_the_log_has_one_entry_each(services):
    events = await some_events(services)
    assert {Event.BOOKING_CONFIRMED, Event.BOOKING_CANCELED} <= {e.event_type for e in events}
    seen: list[str] = []

    async def record(_: Any, batch: list[OutboxEvent]) -> None:
        seen.extend(event.id for event in batch)

    await drain(Relay(services, {**CONSUMERS, "recorder": record}))
    assert seen == [event.id for event in events]
    await assert_one_log_entry_per_event(services)
    entries = {entry.id: entry for entry in await log_entries(services)}
    canceled = next(e for e in events if e.event_type == Event.BOOKING_CANCELED)
    entry = entries[canceled.id]
    assert (entry.level, entry.action, entry.entity_type, entry.entity_id) == (
        "info",
        "booking_canceled",
        "Booking",
        canceled.aggregate_id,
    )
    assert (entry.actor, entry.request_id) == (canceled.origin_user, canceled.origin_request_id)
    assert entry.data == canceled.payload


def crash_at(point: str | None, occurrence: int) -> Any:
    calls = {"n": 0}

    async def checkpoint(reached: str) -> None:
        if reached == point:
            calls["n"] += 1
            if calls["n"] == occurrence:
                raise Crash(point)

    return checkpoint


async def half_then_crash(services: Any, batch: list[OutboxEvent]) -> None:
    """The process dying in the middle of a batch's effect: part of the entries are written."""
    await write_log_entries(services, batch[: len(batch) // 2])
    raise Crash("mid-batch")


@pytest.mark.parametrize(
    ("consumer", "point"),
    [
        (write_log_entries, "effect:log_entries"),
        (half_then_crash, None),
        (write_log_entries, "effects"),
    ],
    ids=["after-the-batch-effect", "mid-batch", "after-every-effect-before-the-marks"],
)
async def test_a_crash_between_effect_and_mark_redelivers_without_duplicates(services, consumer, point):
    await some_events(services)
    with pytest.raises(Crash):
        await Relay(services, {"log_entries": consumer}, checkpoint=crash_at(point, 1)).deliver_pending()
    assert await log_entries(services)  # the effect happened before the crash
    await drain(Relay(services, {"log_entries": write_log_entries}))
    await assert_one_log_entry_per_event(services)


async def test_a_crash_after_every_consumers_effect_redelivers_without_duplicates(services):
    events = await some_events(services)
    for name, consumer in CONSUMERS.items():
        with pytest.raises(Crash):
            await Relay(services, {name: consumer}, checkpoint=crash_at(f"effect:{name}", 1)).deliver_pending()
    await drain(Relay(services, CONSUMERS))
    await assert_one_log_entry_per_event(services)
    async with services.db.read() as session:
        rows = await session.execute(text("SELECT event_id, recipient_id, count(*) FROM notifications GROUP BY 1, 2"))
        counts = rows.all()
    booked = [event.id for event in events if event.event_type == Event.BOOKING_CONFIRMED]
    assert {event_id for event_id, _, _ in counts} >= set(booked)
    assert all(count == 1 for _, _, count in counts)


async def test_a_consumer_raising_after_its_effect_is_retried_without_duplicates(services):
    await some_events(services)
    failures: list[str] = []

    async def flaky(services: Any, batch: list[OutboxEvent]) -> None:
        await write_log_entries(services, batch)
        if len(failures) < 2:
            failures.append(batch[0].id)
            raise RuntimeError("lost the answer")

    for _ in range(4):  # a fresh relay each time: no in-memory back-off between attempts
        await drain(Relay(services, {"log_entries": flaky}))
    assert len(failures) == 2
    await assert_one_log_entry_per_event(services)


async def test_an_event_that_fails_holds_back_only_the_events_after_it(services):
    events = await some_events(services)
    bad = events[2]

    async def picky(services: Any, batch: list[OutboxEvent]) -> None:
        if bad in batch:
            raise ValueError("bug")

    await Relay(services, {"picky": picky}).deliver_pending()
    async with services.db.read() as session:
        rows = await session.execute(text("SELECT event_id, status, attempts FROM outbox_deliveries"))
        marks = {event_id: (status, attempts) for event_id, status, attempts in rows.all()}
    # the batch failed, then one event at a time: those before the bad one are done, it alone is blamed
    assert marks == {**{e.id: ("delivered", 0) for e in events[:2]}, bad.id: ("retrying", 1)}


async def test_two_relays_racing_write_each_log_entry_once(services):
    await some_events(services)
    first, second = Relay(services, LOG_ONLY, batch_size=2), Relay(services, LOG_ONLY, batch_size=2)
    for _ in range(6):
        await asyncio.gather(first.deliver_pending(), second.deliver_pending())
    await assert_one_log_entry_per_event(services)


async def test_one_relay_is_active_and_another_takes_over_when_it_dies(services):
    relays = [Relay(services, LOG_ONLY, poll_seconds=0.2, standby_seconds=0.05) for _ in range(2)]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:

        async def one_active() -> bool:
            return sum(relay.active for relay in relays) == 1

        await eventually(one_active)
        await some_events(services)
        await eventually(lambda: all_delivered(services))
        active = next(i for i, relay in enumerate(relays) if relay.active)
        tasks[active].cancel()  # its connection closes: the lock is released
        await eventually(lambda: relays[1 - active].active_now())
        await some_events(services)
        await eventually(lambda: all_delivered(services))
        await assert_one_log_entry_per_event(services)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def all_delivered(services: Any) -> bool:
    events = await outbox(services)
    return bool(events) and all(event.delivered_at for event in events)


async def test_notify_wakes_the_relay_long_before_its_poll(services):
    relay = Relay(services, LOG_ONLY, poll_seconds=120)
    task = asyncio.create_task(relay.run())
    try:

        async def idle() -> bool:
            return relay.active and relay.rounds >= 1

        await eventually(idle)
        await some_events(services)
        await eventually(lambda: all_delivered(services), within=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_statistics_show_lag_and_a_consumer_that_keeps_failing_is_given_up_after_bounded_attempts(services):
    events = await some_events(services)

    async def broken(_: Any, batch: list[OutboxEvent]) -> None:
        raise ValueError("bug")

    async with services.db.read() as session:
        before = await deliveries.outbox_stats(session)
    assert before.undelivered == len(events) and before.lag_seconds > 0
    for _ in range(MAX_ATTEMPTS):
        await Relay(services, {"broken": broken}).deliver_pending()
    async with services.db.read() as session:
        after = await deliveries.outbox_stats(session)
    # one failing event holds back the rest of its consumer (order), and is given up after MAX_ATTEMPTS
    assert after.dead == {"broken": 1}
    assert after.undelivered == len(events) - 1


async def test_notifies_asked_for_while_one_is_on_its_way_share_one_more(services):
    """Fifty commits at once wake the relay with one or two NOTIFYs, and one is sent after the last ask."""
    heard: list[str] = []
    listener = await asyncpg.connect(services.db.dsn)
    await listener.add_listener(NOTIFY_CHANNEL, lambda *args: heard.append(args[2]))
    try:
        with sql_statements(services) as seen:
            await asyncio.gather(*(services.db.notify_outbox() for _ in range(50)))

            async def sent() -> bool:
                return bool(heard) and not services.db.notifying

            await eventually(sent)
        notifies = [statement for statement in seen if statement.startswith("NOTIFY")]
        assert 1 <= len(notifies) <= 2, notifies
        heard.clear()
        await services.db.notify_outbox()  # a later ask is never folded into a NOTIFY already sent
        await eventually(sent)
        assert heard == [NOTIFY_CHANNEL]
    finally:
        await listener.close()


async def test_rounds_start_at_most_every_round_seconds_and_a_lone_event_goes_at_once(services):
    relay = Relay(services, LOG_ONLY, poll_seconds=120, round_seconds=0.4)
    starts: list[float] = []
    original = relay.deliver_pending

    async def timed() -> int:
        starts.append(asyncio.get_running_loop().time())
        return await original()

    relay.deliver_pending = timed  # type: ignore[method-assign]
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: relay.active_now())
        await asyncio.sleep(0.5)  # quiet: the next event is delivered as soon as it is announced
        quiet_from = len(starts)
        await some_events(services)  # three commits, three NOTIFYs in quick succession
        await eventually(lambda: all_delivered(services), within=5)
        gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
        assert all(gap >= 0.4 - 0.02 for gap in gaps), gaps
        assert len(starts) - quiet_from <= 3  # the burst shared rounds instead of one round per commit
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
