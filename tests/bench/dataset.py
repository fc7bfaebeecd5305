"""The deterministic benchmark data set, written with generate_series straight into the tables.

Launch n (0-based) always gets the same id, agency, rocket, date, price and status, so a data set of 1k
launches is the first 1k rows of the 1M one and can be grown in place: 1k -> 10k -> 100k -> 1M.
"""

from __future__ import annotations

import asyncpg

AGENCIES = 50
ROCKETS_PER_AGENCY = 4
TRAVELERS = 2000
BOOKED_LAUNCHES = 20_000  # launches n < this carry 3 bookings each (bookings, passengers, payments)
BOOKING_LAUNCHES = 100  # bookSeats targets: capacity 400 each, dated before every catalogue launch
KIND = {"user": 1, "agency": 2, "rocket": 3, "launch": 4, "traveler": 5, "booking": 6, "passenger": 7, "pay": 8}

FUNCTIONS = """
CREATE SCHEMA IF NOT EXISTS bench;
-- A UUIDv7-shaped id that is a pure function of (kind, n): ordered by n, unique per kind.
CREATE OR REPLACE FUNCTION bench.id(kind int, n bigint) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$
  SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || lpad(to_hex(kind), 3, '0') || '-8000-'
         || lpad(to_hex(n), 12, '0')
  FROM (SELECT lpad(to_hex(1893456000000 + n), 12, '0') AS h) AS t
$$;
"""

BASE = f"""
INSERT INTO agencies (id, user_id, legal_name, description, contact_info, contact_email, tax_id, legal_address,
                      created_at, updated_at)
SELECT bench.id({KIND["agency"]}, a), bench.id({KIND["user"]}, a), 'Agency ' || a, 'Bench agency ' || a,
       'Mission control ' || a, 'agency' || a || '@bench.example', 'TAX-' || a, a || ' Launch Road',
       timestamptz '2026-01-01', timestamptz '2026-01-01'
FROM generate_series(0, {AGENCIES - 1}) AS a;

INSERT INTO rockets (id, agency_id, name, capacity, range, created_at)
SELECT bench.id({KIND["rocket"]}, r), bench.id({KIND["agency"]}, r / {ROCKETS_PER_AGENCY}), 'Rocket ' || r,
       100 + (r % {ROCKETS_PER_AGENCY}) * 100, 'mars', timestamptz '2026-01-01'
FROM generate_series(0, {AGENCIES * ROCKETS_PER_AGENCY - 1}) AS r;

INSERT INTO travelers (id, user_id, name, contact_email, phone, created_at, updated_at)
SELECT bench.id({KIND["traveler"]}, t), bench.id({KIND["user"]}, 1000000 + t), 'Traveler ' || t,
       'traveler' || t || '@bench.example', '+1555' || lpad(t::text, 7, '0'),
       timestamptz '2026-01-01', timestamptz '2026-01-01'
FROM generate_series(0, {TRAVELERS - 1}) AS t;
"""

# Launch n: agency n % 50, that agency's rocket (n / 50) % 4, one launch every 7 minutes from 2031.
LAUNCHES = f"""
INSERT INTO launches (id, agency_id, rocket_id, mission_name, destination, launch_at, price_per_seat,
                      minimum_passengers, capacity, seats_sold, status, created_at, updated_at)
SELECT bench.id({KIND["launch"]}, n), bench.id({KIND["agency"]}, n % {AGENCIES}),
       bench.id({KIND["rocket"]}, (n % {AGENCIES}) * {ROCKETS_PER_AGENCY} + (n / {AGENCIES}) % {ROCKETS_PER_AGENCY}),
       'Mission ' || n, (ARRAY['low_earth', 'moon', 'mars'])[1 + n % 3],
       timestamptz '2031-01-01' + n * interval '7 minutes', 1000 + (n % 500) * 100, 1 + n % 5,
       100 + ((n / {AGENCIES}) % {ROCKETS_PER_AGENCY}) * 100, 0,
       (ARRAY['scheduled','scheduled','scheduled','scheduled','scheduled','scheduled','confirmed','confirmed',
              'delayed','aborted'])[1 + n % 10],
       timestamptz '2026-01-01', timestamptz '2026-01-01'
FROM generate_series($1::bigint, $2::bigint - 1) AS n;
"""

# Booking b = 3 * n + j on launch n (n < BOOKED_LAUNCHES, not aborted): 1-3 seats, one passenger per seat.
BOOKINGS = f"""
INSERT INTO bookings (id, launch_id, traveler_id, seats, price_per_seat, amount, status, seats_released,
                      created_at)
SELECT bench.id({KIND["booking"]}, 3 * l.n + j), bench.id({KIND["launch"]}, l.n),
       bench.id({KIND["traveler"]}, (3 * l.n + j) % {TRAVELERS}), 1 + (l.n + j) % 3,
       l.price, l.price * (1 + (l.n + j) % 3), 'confirmed', false, timestamptz '2026-02-01'
FROM (SELECT n, 1000 + (n % 500) * 100 AS price FROM generate_series($1::bigint, $2::bigint - 1) AS n
      WHERE n % 10 <> 9) AS l
CROSS JOIN generate_series(0, 2) AS j;

INSERT INTO passengers (id, booking_id, name, birth_date)
SELECT bench.id({KIND["passenger"]}, b.seq * 3 + s), b.id, 'Passenger ' || b.seq || '-' || s, date '1990-05-17'
FROM (SELECT id, ('x' || right(id, 12))::bit(48)::bigint AS seq, seats FROM bookings
      WHERE launch_id BETWEEN bench.id({KIND["launch"]}, $1) AND bench.id({KIND["launch"]}, $2 - 1)) AS b
CROSS JOIN LATERAL generate_series(0, b.seats - 1) AS s;

INSERT INTO payments (id, booking_id, amount, gateway_reference, created_at)
SELECT bench.id({KIND["pay"]}, ('x' || right(id, 12))::bit(48)::bigint), id, amount, 'sim_' || right(id, 12),
       created_at
FROM bookings WHERE launch_id BETWEEN bench.id({KIND["launch"]}, $1) AND bench.id({KIND["launch"]}, $2 - 1);

UPDATE launches AS l SET seats_sold = s.sold
FROM (SELECT launch_id, sum(seats) AS sold FROM bookings
      WHERE launch_id BETWEEN bench.id({KIND["launch"]}, $1) AND bench.id({KIND["launch"]}, $2 - 1)
      GROUP BY launch_id) AS s
WHERE l.id = s.launch_id;
"""

# The bookSeats targets: the last agency's 500-seat rocket (agency 0 is the one the agency scenario reads),
# dated in 2030, before every catalogue launch.
BOOKING_TARGETS = f"""
INSERT INTO launches (id, agency_id, rocket_id, mission_name, destination, launch_at, price_per_seat,
                      minimum_passengers, capacity, seats_sold, status, created_at, updated_at)
SELECT bench.id({KIND["launch"]}, 900000000 + k), bench.id({KIND["agency"]}, {AGENCIES - 1}),
       bench.id({KIND["rocket"]}, {AGENCIES * ROCKETS_PER_AGENCY - 1}), 'Booking target ' || k, 'moon',
       timestamptz '2030-06-01' + k * interval '1 hour', 2500, 1, 400, 0, 'scheduled',
       timestamptz '2026-01-01', timestamptz '2026-01-01'
FROM generate_series(0, {BOOKING_LAUNCHES - 1}) AS k
ON CONFLICT (id) DO NOTHING;
"""


# The hot launch: every client books on it at once (bookSeats on ONE launch). Capacity far above a run's
# bookings, so the run measures bookings, not "sold out" refusals.
HOT_TARGET = f"""
INSERT INTO launches (id, agency_id, rocket_id, mission_name, destination, launch_at, price_per_seat,
                      minimum_passengers, capacity, seats_sold, status, created_at, updated_at)
VALUES (bench.id({KIND["launch"]}, 900000000 + {BOOKING_LAUNCHES}), bench.id({KIND["agency"]}, {AGENCIES - 1}),
        bench.id({KIND["rocket"]}, {AGENCIES * ROCKETS_PER_AGENCY - 1}), 'Hot launch', 'moon',
        timestamptz '2030-05-01', 2500, 1, 1000000, 0, 'scheduled', timestamptz '2026-01-01',
        timestamptz '2026-01-01')
ON CONFLICT (id) DO NOTHING;
"""


def launch_id(n: int) -> str:
    return _id(KIND["launch"], n)


def agency_user_id(a: int) -> str:
    return _id(KIND["user"], a)


def agency_id(a: int) -> str:
    return _id(KIND["agency"], a)


def traveler_user_id(t: int) -> str:
    return _id(KIND["user"], 1_000_000 + t)


def booking_target_ids() -> list[str]:
    return [launch_id(900_000_000 + k) for k in range(BOOKING_LAUNCHES)]


def _id(kind: int, n: int) -> str:
    """Python twin of bench.id()."""
    h = f"{1893456000000 + n:012x}"
    return f"{h[:8]}-{h[8:12]}-7{kind:03x}-8000-{n:012x}"


async def create_base(conn: asyncpg.Connection) -> None:
    await conn.execute(FUNCTIONS)
    await conn.execute(BASE)


async def add_launches(conn: asyncpg.Connection, start: int, end: int) -> None:
    """Launches [start, end) and, for those below BOOKED_LAUNCHES, their bookings."""
    async with conn.transaction():
        await conn.execute(LAUNCHES.replace("$1", str(start)).replace("$2", str(end)))
        booked_end = min(end, BOOKED_LAUNCHES)
        if start < booked_end:
            await conn.execute(BOOKINGS.replace("$1", str(start)).replace("$2", str(booked_end)))
    await conn.execute("ANALYZE launches; ANALYZE bookings; ANALYZE passengers")


async def add_booking_targets(conn: asyncpg.Connection) -> list[str]:
    await conn.execute(BOOKING_TARGETS)
    return booking_target_ids()


async def add_hot_target(conn: asyncpg.Connection) -> str:
    await conn.execute(HOT_TARGET)
    return launch_id(900_000_000 + BOOKING_LAUNCHES)
