"""With the cache unreachable (REDIS_URL pointing at a closed port) the catalogue is served from PostgreSQL,
correctly and at once, and bookings still go through."""

from __future__ import annotations

import socket
import time

import pytest

from graph.settings import Settings
from resolvers.bookings.book_seats import book_seats
from tests.support.builders import ORIGIN, adults, make_launch, make_traveler

VIEW = "query { launches(first: 10) { edges { node { id seatsAvailable agency { legalName } } } } }"


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed_port()}/0"})


async def test_catalogue_is_served_from_postgresql_when_the_cache_is_down(services, http, caplog):
    launch = await make_launch(services)
    started = time.monotonic()
    first = await http.post("/graphql", json={"query": VIEW})
    assert first.status_code == 200, first.text
    assert first.json()["data"]["launches"]["edges"] == [
        {"node": {"id": launch.id, "seatsAvailable": 20, "agency": {"legalName": "Orbital Lines"}}}
    ]
    ada = await make_traveler(services)
    await book_seats(  # the booking commits; its cache bump fails quietly
        services.bundle(ada.principal, ORIGIN),
        launch_id=launch.id,
        passengers=adults(3),
        payment_token="tok_success",
        idempotency_key=None,
    )
    second = await http.post("/graphql", json={"query": VIEW})
    assert second.json()["data"]["launches"]["edges"][0]["node"]["seatsAvailable"] == 17
    assert time.monotonic() - started < 5, "cache failures must not slow the catalogue down"
    assert any("unavailable" in record.getMessage() for record in caplog.records)
