"""The bookSeats scenarios: 64 clients through the service against raw asyncpg, and one hot launch against
100 launches with a real gateway's latency; never oversold."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractContextManager as ContextManager
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx

from tests.bench import booking, dataset, setup_db
from tests.bench.measure import drive, summarize

if TYPE_CHECKING:
    from tests.bench.run import Plan
    from tests.bench.steps import Row

CLIENTS = 64
POOL = 20  # the baseline's; the service's cache-off instance keeps 2 workers x 14 connections (tests/bench/run.py)
UNCACHED = "http://127.0.0.1:8103"
MIN_SECONDS = 10.0
GATEWAY_LATENCY_MS = 100
LATENCY_ENV = "ASTRO_SIMULATED_GATEWAY_LATENCY_MS"


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


def _baseline_run(seconds: float, targets: list[str], *, rules: bool) -> dict[str, Any]:
    asyncio.run(booking.reset_targets(setup_db.DSN, targets))
    return asyncio.run(
        booking.asyncpg_baseline(setup_db.DSN, targets, seconds=seconds, clients=CLIENTS, pool_size=POOL, rules=rules)
    )


def _timing(p: Plan) -> tuple[float, float, int]:
    """(warm-up, duration, runs): bookSeats runs last at least 10 s even in --quick (1 s was noise)."""
    return min(p.timing.warmup_s, 2.0), max(p.timing.duration_s, MIN_SECONDS), 1 if p.quick else p.timing.runs


def _notes(ours: list[dict[str, Any]], checks: list[dict[str, int]]) -> list[str]:
    over = sum(c["over_capacity"] + c["sold_not_booked"] for c in checks)
    held = sum(c.get("holds_left", 0) for c in checks)
    notes = [
        f"after each run, launches over capacity or with seats sold not matching their bookings and holds: "
        f"{over}; seat holds left: {held}"
    ]
    short = sum(max(0, r["total"] - r["booked"]) for r in ours)
    notes.append(
        "req/s are completed bookSeats responses; "
        + (f"{short} of them were not bookings (refusals)" if short else "every one of them was a booking")
    )
    return notes


DELIVERY = """
SELECT count(*) AS events,
       count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
       extract(epoch FROM max(delivered_at) - min(created_at)) AS span_s,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at)) AS p50_s,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM delivered_at - created_at)) AS p99_s,
       (SELECT count(*) FROM notifications n WHERE n.created_at >= to_timestamp($1)) AS notifications
FROM outbox_events WHERE origin_operation = 'bookSeats' AND created_at >= to_timestamp($1)
"""


async def _delivery(since: int, deadline_s: float = 120) -> dict[str, Any]:
    """Once the relay has caught up (or the deadline passed): how the service's booking events were delivered
    while the bookings came in (the in-process worker of `astro serve`, one active relay)."""
    conn = await asyncpg.connect(setup_db.DSN)
    try:
        deadline = time.monotonic() + deadline_s
        while True:
            row = dict(await conn.fetchrow(DELIVERY, since))
            if row["delivered"] == row["events"] or time.monotonic() > deadline:
                return row
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def _delivery_note(row: dict[str, Any]) -> str:
    span = float(row["span_s"] or 0) or 1.0
    return (
        "event delivery under this load (one `astro worker` process): "
        f"{row['delivered']} of {row['events']} booking events "
        f"delivered, {row['delivered'] / span:.0f} events/s, lag commit -> delivered p50 "
        f"{float(row['p50_s'] or 0):.2f} s, p99 {float(row['p99_s'] or 0):.2f} s; "
        f"{row['notifications'] / span:.0f} notifications created/s (goal: lag p99 under 2 s)"
    )


def book_seats(p: Plan, with_latency: Callable[[dict[str, str]], ContextManager[Any]]) -> list[Row]:
    """Three rows: the service against raw asyncpg doing the same rules (and the older UPDATE + INSERT
    baseline, for reference), then ONE hot launch against 100 launches with a real gateway's latency."""
    from tests.bench.steps import Row  # noqa: PLC0415 - steps imports this module

    targets = asyncio.run(setup_db.add_booking_targets())
    hot = [asyncio.run(setup_db.add_hot_target())]
    warmup, seconds, runs = _timing(p)
    started = int(time.time())
    # 1997 travelers (a prime: traveler and launch rotate independently); the last ones are left for counts.
    tokens = [setup_db.service_token(dataset.traveler_user_id(t), "traveler") for t in range(dataset.TRAVELERS - 3)]
    spec = _spec(tokens, targets, f"r{started}")
    _check_one(spec)
    checks: list[dict[str, int]] = []
    _service_run(spec, warmup, targets, checks)
    _baseline_run(warmup, targets, rules=True)
    ours, rules, raw = [], [], []
    for index in range(runs):
        spec["book"]["run"] = f"r{started}-{index}"
        ours.append(_service_run(spec, seconds, targets, checks))
        rules.append(_baseline_run(seconds, targets, rules=True))
        raw.append(_baseline_run(seconds, targets, rules=False))
    service = summarize(ours)
    delivery = _delivery_note(asyncio.run(_delivery(started)))
    rows = [
        Row(
            f"bookSeats, {CLIENTS} clients, 100 launches x 400 seats",
            service,
            f"raw asyncpg, same rule set (traveler lock, key, seat limit, reserve, booking, passenger, payment, "
            f"outbox), {CLIENTS} tasks, pool {POOL}",
            summarize(rules),
            0.5,
            notes=[*_notes(ours, checks), delivery],
        ),
        Row(
            f"bookSeats, {CLIENTS} clients, 100 launches x 400 seats (reference)",
            service,
            f"raw asyncpg UPDATE + INSERT, {CLIENTS} tasks, pool {POOL}",
            summarize(raw),
            0.5,
        ),
    ]
    rows.append(_hot_launch(p, tokens, targets, hot, with_latency, (warmup, seconds, runs), started))
    return rows


def _hot_launch(
    p: Plan,
    tokens: list[str],
    targets: list[str],
    hot: list[str],
    with_latency: Callable[[dict[str, str]], ContextManager[Any]],
    timing: tuple[float, float, int],
    started: int,
) -> Row:
    from tests.bench.steps import Row  # noqa: PLC0415 - steps imports this module

    warmup, seconds, runs = timing
    checks: list[dict[str, int]] = []
    spread = _spec(tokens, targets, f"s{started}")
    one = _spec(tokens, hot, f"h{started}")
    spreads, hots = [], []
    with with_latency({LATENCY_ENV: str(GATEWAY_LATENCY_MS)}):
        _check_one(one)
        _service_run(one, warmup, hot, checks)
        for index in range(runs):
            spread["book"]["run"], one["book"]["run"] = f"s{started}-{index}", f"h{started}-{index}"
            hots.append(_service_run(one, seconds, hot, checks))
            spreads.append(_service_run(spread, seconds, targets, checks))
    return Row(
        f"bookSeats, {CLIENTS} clients, all on ONE launch, gateway latency {GATEWAY_LATENCY_MS} ms",
        summarize(hots),
        f"the same service, {CLIENTS} clients on 100 launches, gateway latency {GATEWAY_LATENCY_MS} ms",
        summarize(spreads),
        0.8,
        notes=_notes(hots + spreads, checks),
    )
