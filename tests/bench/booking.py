"""bookSeats: the raw asyncpg baseline, the reset between runs and the never-oversold check."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import asyncpg

from models.ids import new_id
from tests.bench import dataset

RESERVE = """
UPDATE launches SET seats_sold = seats_sold + $2
WHERE id = $1 AND seats_sold + $2 <= capacity AND status = ANY($3::varchar[]) AND launch_at > now()
RETURNING price_per_seat
"""
INSERT_BOOKING = """
INSERT INTO bookings (id, launch_id, traveler_id, seats, price_per_seat, amount, status, seats_released,
                      idempotency_key, created_at)
VALUES ($1, $2, $3, 1, $4, $4, 'confirmed', false, $5, now())
"""
BOOKABLE = ["scheduled", "confirmed", "delayed"]

# The same rule set as the service's bookSeats, one statement per rule, in one transaction per booking.
LOCK_TRAVELER = "SELECT id FROM travelers WHERE id = $1 FOR UPDATE"
KEY_USED = "SELECT id FROM bookings WHERE traveler_id = $1 AND idempotency_key = $2"
SEATS_HELD = """
SELECT count(DISTINCT launch_id), coalesce(sum(seats) FILTER (WHERE launch_id = $2), 0)
FROM bookings WHERE traveler_id = $1 AND status = 'confirmed'
"""
INSERT_KEYED_BOOKING = """
INSERT INTO bookings (id, launch_id, traveler_id, seats, price_per_seat, amount, status, seats_released,
                      idempotency_key, request_fingerprint, created_at)
VALUES ($1, $2, $3, 1, $4, $4, 'confirmed', false, $5, 'raw', now())
"""
INSERT_PASSENGER = "INSERT INTO passengers (id, booking_id, name, birth_date) VALUES ($1, $2, 'Raw', '1990-05-17')"
INSERT_PAYMENT = (
    "INSERT INTO payments (id, booking_id, amount, gateway_reference, created_at) VALUES ($1, $2, $3, $4, now())"
)
# Written already delivered: the relay then measures its lag on the service's own bookings, not on a
# backlog of the baseline's (which has no consumers' work to stand for); the statement is the same INSERT.
INSERT_EVENT = """
INSERT INTO outbox_events (id, event_type, aggregate_type, aggregate_id, payload, origin_operation, created_at,
                           delivered_at)
VALUES ($1, 'booking_confirmed', 'booking', $2, jsonb_build_object('booking_id', $3::text), 'bench', now(), now())
"""


async def settle(conn: asyncpg.Connection, targets: list[str], deadline_s: float = 30) -> None:
    """Wait until requests still in flight when the load generator stopped have finished booking."""
    count = "SELECT count(*) FROM bookings WHERE launch_id = ANY($1::varchar[])"
    previous, started = -1, time.perf_counter()
    while time.perf_counter() - started < deadline_s:
        current = await conn.fetchval(count, targets)
        if current == previous:
            return
        previous = current
        await asyncio.sleep(0.3)


async def reset_targets(dsn: str, targets: list[str]) -> None:
    """Empty the bookSeats target launches again so every run has the same 400 free seats on each."""
    conn = await asyncpg.connect(dsn)
    try:
        await settle(conn, targets)
        async with conn.transaction():
            booked = "SELECT id FROM bookings WHERE launch_id = ANY($1::varchar[])"
            await conn.execute("DELETE FROM seat_holds WHERE launch_id = ANY($1::varchar[])", targets)
            for table in ("passengers", "payments", "refunds"):
                await conn.execute(f"DELETE FROM {table} WHERE booking_id IN ({booked})", targets)  # noqa: S608
            await conn.execute("DELETE FROM bookings WHERE launch_id = ANY($1::varchar[])", targets)
            await conn.execute("UPDATE launches SET seats_sold = 0 WHERE id = ANY($1::varchar[])", targets)
    finally:
        await conn.close()


async def oversold(dsn: str, targets: list[str]) -> dict[str, int]:
    """Launches over capacity, and launches whose seats sold differ from their confirmed bookings' seats."""
    conn = await asyncpg.connect(dsn)
    try:
        await settle(conn, targets)
        row = await conn.fetchrow(
            """SELECT count(*) FILTER (WHERE l.seats_sold > l.capacity) AS over,
                      count(*) FILTER (WHERE l.seats_sold <> coalesce(b.seats, 0) + coalesce(h.seats, 0))
                        AS mismatched,
                      coalesce(sum(l.seats_sold), 0) AS sold, coalesce(sum(h.seats), 0) AS held
               FROM launches AS l
               LEFT JOIN (SELECT launch_id, sum(seats) AS seats FROM bookings
                          WHERE status = 'confirmed' GROUP BY launch_id) AS b ON b.launch_id = l.id
               LEFT JOIN (SELECT launch_id, sum(seats) AS seats FROM seat_holds GROUP BY launch_id) AS h
                 ON h.launch_id = l.id
               WHERE l.id = ANY($1::varchar[])""",
            targets,
        )
    finally:
        await conn.close()
    return {
        "over_capacity": row["over"],
        "sold_not_booked": row["mismatched"],
        "seats_sold": int(row["sold"]) - int(row["held"]),
        "holds_left": int(row["held"]),
    }


async def _book_once(pool: asyncpg.Pool, launch: str, traveler: str) -> bool:
    async with pool.acquire() as conn, conn.transaction():
        price = await conn.fetchval(RESERVE, launch, 1, BOOKABLE)
        if price is None:
            return False
        await conn.execute(INSERT_BOOKING, new_id(), launch, traveler, price, new_id())
        return True


async def _book_with_rules(pool: asyncpg.Pool, launch: str, traveler: str) -> bool:
    """Traveler lock, idempotency check, seat limit, conditional reserve, booking, passenger, payment, outbox."""
    key, booking_id = new_id(), new_id()
    async with pool.acquire() as conn, conn.transaction():
        await conn.fetchval(LOCK_TRAVELER, traveler)
        if await conn.fetchval(KEY_USED, traveler, key) is not None:
            return False
        launches, held = await conn.fetchrow(SEATS_HELD, traveler, launch)
        if held + 1 > (6 if launches >= 2 else 4):
            return False
        price = await conn.fetchval(RESERVE, launch, 1, BOOKABLE)
        if price is None:
            return False
        await conn.execute(INSERT_KEYED_BOOKING, booking_id, launch, traveler, price, key)
        await conn.execute(INSERT_PASSENGER, new_id(), booking_id)
        await conn.execute(INSERT_PAYMENT, new_id(), booking_id, price, f"ch_raw_{booking_id}")
        await conn.execute(INSERT_EVENT, new_id(), booking_id, booking_id)
    return True


async def asyncpg_baseline(
    dsn: str, targets: list[str], *, seconds: float, clients: int, pool_size: int, rules: bool = False
) -> dict:
    """`clients` tasks book 1 seat each in a tight loop for `seconds`, rotating travelers and launches the
    way the load generator does: the reservation UPDATE + booking INSERT in one transaction each, or with
    `rules` the whole rule set of the service's bookSeats (no payment gateway)."""
    book_once = _book_with_rules if rules else _book_once
    travelers = [dataset._id(dataset.KIND["traveler"], t) for t in range(dataset.TRAVELERS - 3)]
    latencies: list[float] = []
    counter = iter(range(10**9))
    booked = 0
    pool = await asyncpg.create_pool(dsn, min_size=pool_size, max_size=pool_size)
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal booked
        while time.perf_counter() < deadline:
            n = next(counter)
            started = time.perf_counter()
            ok = await book_once(pool, targets[n % len(targets)], travelers[n % len(travelers)])
            booked += ok  # after the await: `booked += await ...` would read `booked` before it
            latencies.append((time.perf_counter() - started) * 1000)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return _summary(booked, len(latencies), elapsed, latencies)


def _summary(booked: int, attempts: int, elapsed: float, latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies) or [0.0]
    return {
        "rps": booked / elapsed,
        "total": attempts,
        "booked": booked,
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "non2xx": 0,
        "errors": attempts - booked,
        "timeouts": 0,
        "mismatches": 0,
    }
