"""The bookSeats scenario: 64 clients through the service against raw asyncpg, never oversold."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import httpx

from tests.bench import booking, dataset, setup_db
from tests.bench.measure import Result, drive, summarize

if TYPE_CHECKING:
    from tests.bench.run import Plan
    from tests.bench.steps import Row

CLIENTS = 64
POOL = 20  # the service keeps 2 workers x pool 10 (it may overflow to 40 under this load)
UNCACHED = "http://127.0.0.1:8103"


def _spec(tokens: list[str], targets: list[str], run: str) -> dict[str, Any]:
    book = {"tokens": tokens, "launches": targets, "run": run, "paymentToken": "tok_success"}
    return {
        "url": f"{UNCACHED}/graphql",
        "method": "POST",
        "headers": {"content-type": "application/json"},
        "connections": CLIENTS,
        "book": book,
    }


def _check_one(spec: dict[str, Any]) -> None:
    """One booking through the API must succeed before we measure thousands."""
    book = spec["book"]
    body = {
        "query": book.get("query") or _query(),
        "variables": {
            "launchId": book["launches"][0],
            "passengers": [{"name": "Check", "birthDate": "1990-05-17"}],
            "paymentToken": "tok_success",
            "key": f"{book['run']}-check",
        },
    }
    response = httpx.post(spec["url"], json=body, headers={"authorization": f"Bearer {book['tokens'][0]}"})
    payload = response.json()
    if payload.get("errors") or payload["data"]["bookSeats"]["__typename"] != "BookSeatsSuccess":
        raise RuntimeError(f"bookSeats check failed: {response.text[:500]}")


def _query() -> str:
    return (
        "mutation Book($launchId: ID!, $passengers: [PassengerInput!]!, $paymentToken: String!, $key: String) "
        "{ bookSeats(launchId: $launchId, passengers: $passengers, paymentToken: $paymentToken, "
        "idempotencyKey: $key) { __typename } }"
    )


def _service_run(spec: dict[str, Any], seconds: float, targets: list[str], checks: list[dict[str, int]]) -> dict:
    asyncio.run(booking.reset_targets(setup_db.DSN, targets))
    run = drive({**spec, "duration": seconds})
    state = asyncio.run(booking.oversold(setup_db.DSN, targets))
    checks.append(state)
    run["booked"] = state["seats_sold"]  # 1 seat per booking, including requests in flight at the end
    return run


def _baseline_run(seconds: float, targets: list[str]) -> dict[str, Any]:
    asyncio.run(booking.reset_targets(setup_db.DSN, targets))
    return asyncio.run(
        booking.asyncpg_baseline(setup_db.DSN, targets, seconds=seconds, clients=CLIENTS, pool_size=POOL)
    )


def book_seats(p: Plan) -> Row:
    from tests.bench.steps import Row  # noqa: PLC0415 - steps imports this module

    targets = asyncio.run(setup_db.add_booking_targets())
    started = time.perf_counter()
    # 1997 travelers (a prime: traveler and launch rotate independently); the last ones are left for counts.
    tokens = [setup_db.service_token(dataset.traveler_user_id(t), "traveler") for t in range(dataset.TRAVELERS - 3)]
    spec = _spec(tokens, targets, f"r{int(time.time())}")
    _check_one(spec)
    checks: list[dict[str, int]] = []
    _service_run(spec, p.timing.warmup_s, targets, checks)
    _baseline_run(p.timing.warmup_s, targets)
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for index in range(p.timing.runs):
        spec["book"]["run"] = f"r{int(started)}-{index}"
        ours.append(_service_run(spec, p.timing.duration_s, targets, checks))
        theirs.append(_baseline_run(p.timing.duration_s, targets))
    subject: Result = summarize(ours)
    baseline: Result = summarize(theirs)
    over = sum(c["over_capacity"] + c["sold_not_booked"] for c in checks)
    notes = [f"after each run, launches over capacity or with seats sold not matching their bookings: {over}"]
    short = sum(max(0, r["total"] - r["booked"]) for r in ours)
    notes.append(
        "req/s are completed bookSeats responses; "
        + (f"{short} of them were not bookings (refusals)" if short else "every one of them was a booking")
    )
    return Row(
        f"bookSeats, {CLIENTS} clients, 100 launches x 400 seats",
        subject,
        f"raw asyncpg UPDATE + INSERT, {CLIENTS} tasks, pool {POOL}",
        baseline,
        0.5,
        notes=notes,
    )
