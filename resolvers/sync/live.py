"""The outbox's live publisher: turns delivered events into messages for GraphQL subscribers.

It runs as one of the `publish` consumer's PUBLISHERS, in whichever worker holds the relay, and publishes
through the process's broker (models/store/pubsub.py), which reaches every instance when Redis is set.
Topics: `launch:<id>` carries each status move of that launch; `catalogue` a public hint that the catalogue
moved (launch id and kind of change); `notifications:<user id>` each new notification of that user (published
by the notifications consumer once its rows are committed). A new live feed adds its topic and its messages
here and a subscription field that listens on it.
"""

from __future__ import annotations

from typing import Any

from models.sync.events import Event
from models.sync.outbox import OutboxEvent

CATALOGUE_TOPIC = "catalogue"
PUBLISHED_TTL_SECONDS = 24 * 3600  # an event id published within this window is not published again

STATUS_EVENTS = frozenset(
    {Event.LAUNCH_CONFIRMED, Event.LAUNCH_DELAYED, Event.LAUNCH_ABORTED, Event.LAUNCH_LAUNCHED, Event.LAUNCH_FAILED}
)

# Kind of catalogue change (the CatalogueChangeKind values) of each event the catalogue shows.
CATALOGUE_KINDS: dict[str, str] = {
    Event.LAUNCH_SCHEDULED: "SCHEDULED",
    Event.LAUNCH_UPDATED: "UPDATED",
    Event.BOOKING_CONFIRMED: "SEATS",
    Event.BOOKING_CANCELED: "SEATS",
    Event.AGENCY_UPDATED: "AGENCY",
    Event.ROCKET_UPDATED: "ROCKET",
    Event.ROCKET_RETIRED: "ROCKET",
    Event.ROCKET_DELETED: "ROCKET",
    **dict.fromkeys(STATUS_EVENTS, "STATUS"),
}


def launch_topic(launch_id: str) -> str:
    return f"launch:{launch_id}"


def notifications_topic(user_id: str) -> str:
    return f"notifications:{user_id}"


def live_messages(event: OutboxEvent) -> list[tuple[str, dict[str, Any]]]:
    """The (topic, message) pairs an event publishes; none for events nobody watches live."""
    messages: list[tuple[str, dict[str, Any]]] = []
    payload = event.payload
    if event.event_type in STATUS_EVENTS:
        change = {
            "event_id": event.id,
            "launch_id": event.aggregate_id,
            "from_status": payload.get("previous_status"),
            "to_status": payload.get("status"),
            "changed_at": payload.get("changed_at") or event.created_at.isoformat(),
            "changed_by": payload.get("changed_by") or (event.origin_user or "").partition(":")[2],
            "reason": payload.get("reason"),
        }
        messages.append((launch_topic(event.aggregate_id), change))
    kind = CATALOGUE_KINDS.get(event.event_type)
    if kind is not None:
        launch_id = event.aggregate_id if event.aggregate_type == "Launch" else payload.get("launch_id")
        messages.append((CATALOGUE_TOPIC, {"event_id": event.id, "launch_id": launch_id, "kind": kind}))
    return messages


async def publish_live(services: Any, events: list[OutboxEvent]) -> None:
    """Publishes each event's messages once: a redelivered event (the relay is at least once) is skipped.
    Marked after publishing, so a failed publish is retried with its batch (a crash in between may repeat a
    message, which subscribers treat as a hint anyway)."""
    batch = [(f"live:published:{event.id}", messages) for event in events if (messages := live_messages(event))]
    if not batch:
        return
    published = await services.cache.multi_get([key for key, _ in batch])
    fresh = [(key, messages) for (key, messages), done in zip(batch, published, strict=True) if done is None]
    if fresh:
        await services.live.publish_many([message for _, messages in fresh for message in messages])
        await services.cache.multi_set([(key, 1) for key, _ in fresh], ttl=PUBLISHED_TTL_SECONDS)
