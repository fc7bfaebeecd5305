"""What each outbox event publishes to live subscribers (pure: no stores)."""

from __future__ import annotations

from datetime import UTC, datetime

from models.sync.events import Aggregate, Event
from models.sync.outbox import OutboxEvent
from resolvers.sync.live import CATALOGUE_TOPIC, launch_topic, live_messages

AT = datetime(2026, 5, 1, tzinfo=UTC)


def event(kind: Event, aggregate: Aggregate, aggregate_id: str, **payload: object) -> OutboxEvent:
    return OutboxEvent(
        id="e1", event_type=kind, aggregate_type=aggregate, aggregate_id=aggregate_id, payload=payload, created_at=AT
    )


def test_a_status_move_reaches_the_launch_topic_and_the_catalogue() -> None:
    moved = event(
        Event.LAUNCH_DELAYED,
        Aggregate.LAUNCH,
        "l1",
        previous_status="scheduled",
        status="delayed",
        reason="Wind",
        changed_at=AT.isoformat(),
        changed_by="u1",
    )
    assert live_messages(moved) == [
        (
            launch_topic("l1"),
            {
                "event_id": "e1",
                "launch_id": "l1",
                "from_status": "scheduled",
                "to_status": "delayed",
                "changed_at": AT.isoformat(),
                "changed_by": "u1",
                "reason": "Wind",
            },
        ),
        (CATALOGUE_TOPIC, {"event_id": "e1", "launch_id": "l1", "kind": "STATUS"}),
    ]


def test_bookings_hint_their_launch_and_agency_edits_name_no_launch() -> None:
    booked = event(Event.BOOKING_CONFIRMED, Aggregate.BOOKING, "b1", launch_id="l1")
    assert live_messages(booked) == [(CATALOGUE_TOPIC, {"event_id": "e1", "launch_id": "l1", "kind": "SEATS"})]
    edited = event(Event.AGENCY_UPDATED, Aggregate.AGENCY, "a1")
    assert live_messages(edited) == [(CATALOGUE_TOPIC, {"event_id": "e1", "launch_id": None, "kind": "AGENCY"})]


def test_events_nobody_watches_publish_nothing() -> None:
    assert live_messages(event(Event.TRAVELER_PROFILE_CREATED, Aggregate.TRAVELER, "t1")) == []
