"""The outbox's consumers, registered by name. Each is an idempotent async function of a batch of events (in
insertion order), keyed by the event id: delivering an event twice changes nothing. Delivery is tracked per
name, so renaming a consumer makes it see only events that are not yet delivered to everyone."""

from __future__ import annotations

from typing import Any

from models.launches import catalogue_cache
from models.monitoring.logs import insert_once, without_secrets
from models.store import mongo
from models.sync.events import Event
from models.sync.outbox import OutboxEvent
from resolvers.notifications.consumer import notify_all
from resolvers.sync.live import publish_live
from resolvers.sync.relay import Consumer

WARNING_EVENTS = frozenset({Event.LAUNCH_ABORTED, Event.LAUNCH_FAILED, Event.PARTNER_CLIENT_REVOKED})
ERROR_EVENTS = frozenset({Event.SYNC_FAILED})
# Events whose change the public catalogue shows. The use case already bumped the tag after its commit;
# this bump covers the case where that one failed (cache down at the time).
CATALOGUE_EVENTS = frozenset(
    {Event.AGENCY_UPDATED, Event.ROCKET_UPDATED, Event.ROCKET_RETIRED, Event.ROCKET_DELETED, Event.LAUNCH_SCHEDULED}
    | {Event.LAUNCH_UPDATED, Event.BOOKING_CONFIRMED, Event.BOOKING_CANCELED}
    | {event for event in Event if event.startswith("launch_")}
)


def level_of(event_type: str) -> str:
    if event_type in ERROR_EVENTS:
        return "error"
    return "warning" if event_type in WARNING_EVENTS else "info"


def log_entry_of(event: OutboxEvent) -> dict[str, Any]:
    """The system log entry of an event, as LogEntry field values; its id is the event's id, so there is one
    entry per event."""
    return {
        "id": event.id,
        "at": event.created_at,
        "level": level_of(event.event_type),
        "action": event.event_type,
        "entity_type": event.aggregate_type,
        "entity_id": event.aggregate_id,
        "actor": event.origin_user,
        "request_id": event.origin_request_id,
        "message": f"{event.event_type} {event.aggregate_type} {event.aggregate_id}"
        + (f" by {event.origin_operation}" if event.origin_operation else ""),
        "data": without_secrets(event.payload),
    }


async def write_log_entries(services: Any, events: list[OutboxEvent]) -> None:
    await mongo.run_sync(insert_once, [log_entry_of(event) for event in events])


async def refresh_catalogue(services: Any, events: list[OutboxEvent]) -> None:
    if any(event.event_type in CATALOGUE_EVENTS for event in events):
        await catalogue_cache.invalidate(services.tags)  # a second bump only costs one cache refill


# Live publishing (GraphQL subscriptions) subscribes here: each publisher gets every event, at least once, in
# batches, and must itself ignore an event id it has already published.
PUBLISHERS: list[Consumer] = [publish_live]


async def publish(services: Any, events: list[OutboxEvent]) -> None:
    for publisher in PUBLISHERS:
        await publisher(services, events)


CONSUMERS: dict[str, Consumer] = {
    "log_entries": write_log_entries,
    "catalogue": refresh_catalogue,
    "publish": publish,
    "notifications": notify_all,
}


def register(name: str, consumer: Consumer) -> None:
    """Add a consumer under a stable name (delivery progress is kept per name)."""
    CONSUMERS[name] = consumer
