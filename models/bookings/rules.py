"""The booking rules as pure functions: refund ratio, VIP status, passenger ages, seat limits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import orjson

from models.base import money

MIN_AGE, MAX_AGE = 18, 70
SEAT_LIMIT, VIP_SEAT_LIMIT = 4, 6
VIP_MIN_LAUNCHES = 2
FULL_REFUND, NO_REFUND = Decimal("1.00"), Decimal("0.00")
# Time left until the launch -> share of the amount paid that is refunded (first match wins).
REFUND_TIERS = ((timedelta(days=365), Decimal("0.90")), (timedelta(days=90), Decimal("0.70")))


@dataclass(frozen=True)
class PassengerData:
    name: str
    birth_date: date


def refund_ratio(launch_at: datetime, now: datetime) -> Decimal:
    """90 % with 365 days or more left, 70 % with 90 days or more, nothing below."""
    left = launch_at - now
    return next((ratio for threshold, ratio in REFUND_TIERS if left >= threshold), NO_REFUND)


def refund_amount(amount: Decimal, ratio: Decimal) -> Decimal:
    return money(amount * ratio)


def booking_amount(price_per_seat: Decimal, seats: int) -> Decimal:
    return money(price_per_seat * seats)


def is_vip(distinct_confirmed_launches: int) -> bool:
    """VIP: confirmed (not canceled) bookings on at least two distinct launches, finished ones included."""
    return distinct_confirmed_launches >= VIP_MIN_LAUNCHES


def seat_limit(vip: bool) -> int:
    return VIP_SEAT_LIMIT if vip else SEAT_LIMIT


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (someone born on 29 February gets a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_allowed(age: int) -> bool:
    return MIN_AGE <= age <= MAX_AGE


def request_fingerprint(launch_id: str, passengers: list[PassengerData]) -> str:
    """What an idempotency key promises not to change: the launch and the passengers, in order.
    The payment token is left out on purpose: processors issue single-use tokens, so a retry of the
    same booking may carry a fresh token for the same card."""
    canonical = [launch_id, [[p.name, p.birth_date.isoformat()] for p in passengers]]
    return hashlib.sha256(orjson.dumps(canonical)).hexdigest()
