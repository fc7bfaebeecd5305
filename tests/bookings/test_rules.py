"""The booking rules as pure functions: refund tiers, ages, VIP, seat limits, fingerprints, profiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from models.bookings import rules
from models.bookings.rules import PassengerData
from models.errors import ValidationFailed
from models.launches.catalogue import CatalogueSort, decode_cursor
from models.travelers.profiles import TravelerProfileInvalid, clean_profile

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


def test_profile_is_normalized():
    cleaned = clean_profile(
        {
            "name": " Ada ",
            "contact_email": "Ada@Example.TEST",
            "phone": "+34 (600) 123-456",
            "tax_id": "es-1234.5678 z",
            "emergency_contact_phone": "+1 555 010 0199",
        },
        partial=False,
    )
    assert cleaned == {
        "name": "Ada",
        "contact_email": "ada@example.test",
        "phone": "+34600123456",
        "tax_id": "ES12345678Z",
        "emergency_contact_phone": "+15550100199",
    }


def test_profile_reports_every_problem_at_once():
    with pytest.raises(TravelerProfileInvalid) as raised:
        clean_profile({"name": "", "contact_email": "nope", "phone": "600123456", "tax_id": "1234"}, partial=False)
    assert [(p.field, p.message.split()[0]) for p in raised.value.problems] == [
        ("contact_email", "is"),
        ("name", "is"),
        ("phone", "must"),
        ("tax_id", "must"),
    ]


def test_partial_profile_checks_only_given_fields_but_required_ones_cannot_be_cleared():
    assert clean_profile({"travel_preferences": "window seat"}, partial=True) == {"travel_preferences": "window seat"}
    assert clean_profile({"tax_id": None}, partial=True) == {"tax_id": None}
    with pytest.raises(TravelerProfileInvalid):
        clean_profile({"phone": None}, partial=True)


@pytest.mark.parametrize("value", ["+1234567", "+0123456789", "+1234567890123456", "0034600123456"])
def test_phone_must_be_e164(value):
    with pytest.raises(TravelerProfileInvalid):
        clean_profile({"phone": value}, partial=True)


@pytest.mark.parametrize("cursor", ["", "not-base64!", "W10", "WyJkYXRlIiwgZmFsc2UsICJ4IiwgIjEiXQ"])
def test_tampered_cursors_are_bad_input(cursor):
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor or "x", CatalogueSort.DATE, False)
