"""Pure rules of traveler profiles: normalization, every problem at once, partial updates, phones."""

from __future__ import annotations

import pytest

from models.travelers.profiles import TravelerProfileInvalid, clean_profile


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
