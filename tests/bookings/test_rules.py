"""The booking rules as pure functions: refund tiers, ages, VIP, seat limits, fingerprints."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from models.bookings import rules
from models.bookings.rules import PassengerData

LAUNCH = datetime(2031, 6, 15, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("left", "ratio"),
    [
        (timedelta(days=400), "0.90"),
        (timedelta(days=365), "0.90"),
        (timedelta(days=365) - TICK, "0.70"),
        (timedelta(days=90), "0.70"),
        (timedelta(days=90) - TICK, "0.00"),
        (timedelta(hours=1), "0.00"),
    ],
)
def test_refund_ratio_tiers_at_their_exact_boundaries(left, ratio):
    assert rules.refund_ratio(LAUNCH, LAUNCH - left) == Decimal(ratio)


def test_refund_amounts_are_exact_cents():
    assert rules.refund_amount(Decimal("3333.33"), Decimal("0.70")) == Decimal("2333.33")
    assert rules.refund_amount(Decimal("0.05"), Decimal("0.90")) == Decimal("0.05")  # 0.045 rounds half up
    assert rules.booking_amount(Decimal("1234.56"), 3) == Decimal("3703.68")


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2013, 6, 15), date(2031, 6, 15), 18),  # 18th birthday on the launch date
        (date(2013, 6, 16), date(2031, 6, 15), 17),  # one day short
        (date(1960, 6, 15), date(2031, 6, 15), 71),  # 71st birthday on the launch date
        (date(1960, 6, 16), date(2031, 6, 15), 70),  # still 70 for one more day
        (date(2012, 2, 29), date(2030, 2, 28), 17),  # leap-day birthday: a year older on 1 March
        (date(2012, 2, 29), date(2030, 3, 1), 18),
    ],
)
def test_age_on_the_launch_date(birth, day, age):
    assert rules.age_on(birth, day) == age


def test_ages_18_to_70_inclusive():
    assert [rules.age_allowed(age) for age in (17, 18, 70, 71)] == [False, True, True, False]


def test_vip_needs_two_distinct_launches_and_raises_the_limit():
    assert [rules.is_vip(n) for n in (0, 1, 2, 3)] == [False, False, True, True]
    assert (rules.seat_limit(False), rules.seat_limit(True)) == (4, 6)


def test_fingerprint_covers_launch_and_passengers_in_order():
    ada, bob = PassengerData("Ada", date(1990, 1, 1)), PassengerData("Bob", date(1985, 3, 2))
    base = rules.request_fingerprint("L1", [ada, bob])
    assert base == rules.request_fingerprint("L1", [PassengerData("Ada", date(1990, 1, 1)), bob])
    assert base != rules.request_fingerprint("L2", [ada, bob])
    assert base != rules.request_fingerprint("L1", [bob, ada])
    assert base != rules.request_fingerprint("L1", [ada])
