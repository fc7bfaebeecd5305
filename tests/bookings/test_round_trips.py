"""Round trips of one bookSeats request over HTTP: at most 5 to PostgreSQL and 2 to Redis."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from redis.asyncio.connection import AbstractConnection

from tests.support.builders import make_launch, make_traveler
from tests.support.sql import sql_statements

BOOK = """mutation Book($launchId: ID!, $key: String) {
  bookSeats(launchId: $launchId, paymentToken: "tok_success", idempotencyKey: $key,
            passengers: [{name: "Ada", birthDate: "1990-05-17"}, {name: "Alan", birthDate: "1991-06-23"}]) {
    __typename ... on BookSeatsSuccess { booking { id seats } }
  }
}"""


@contextmanager
def redis_round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every write to a Redis connection while the block runs: one per round trip (a pipeline writes once)."""
    sent: list[bytes] = []
    real = AbstractConnection.send_packed_command

    async def send(self: Any, command: Any, check_health: bool = True) -> None:
        sent.append(bytes(command[0] if isinstance(command, list) else command)[:60])
        await real(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send)
    yield sent
    monkeypatch.undo()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="counts Redis round trips")
async def test_a_booking_costs_at_most_5_postgresql_and_2_redis_round_trips(services, gql, monkeypatch):
    launch = await make_launch(services)
    ada = await make_traveler(services)
    warm = await gql(BOOK, {"launchId": launch.id, "key": "warm-up"}, token=ada.token)  # prepared statements
    assert warm["data"]["bookSeats"]["__typename"] == "BookSeatsSuccess"
    with sql_statements(services) as statements, redis_round_trips(monkeypatch) as redis:
        body = await gql(BOOK, {"launchId": launch.id, "key": "counted"}, token=ada.token)
    assert body["data"]["bookSeats"]["booking"]["seats"] == 2
    assert len(statements) <= 5, statements  # each one is its own transaction: no BEGIN/COMMIT trips either
    # the hold, the charge's record and the confirmation go to the driver directly, and are counted too
    assert [s for s in statements if "astro_hold_seats" in s or "seat_holds SET state = 'charged'" in s], statements
    assert [s for s in statements if s.lstrip().startswith("WITH launch AS")], statements
    assert len(redis) <= 2, redis  # revocation + rate limits in one pipeline; the catalogue tag bump
