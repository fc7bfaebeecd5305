"""Pure rules of agency management: rockets, profiles."""

from __future__ import annotations

import pytest

from models.agencies.tables import Destination, Rocket, check_rocket_terms, clean_profile
from models.errors import ValidationFailed


@pytest.mark.parametrize(
    ("range_", "reachable"),
    [("low_earth", {"low_earth"}), ("moon", {"low_earth", "moon"}), ("mars", {"low_earth", "moon", "mars"})],
)
def test_rocket_reaches_its_range_and_nearer(range_: str, reachable: set[str]) -> None:
    rocket = Rocket(agency_id="A", name="R", capacity=5, range=range_)
    assert {d.value for d in Destination if rocket.can_reach(d)} == reachable


@pytest.mark.parametrize(("capacity", "ok"), [(0, False), (1, True), (500, True), (501, False)])
def test_rocket_capacity_bounds(capacity: int, ok: bool) -> None:
    if ok:
        check_rocket_terms(name="R", capacity=capacity, range_="moon")
    else:
        with pytest.raises(ValidationFailed):
            check_rocket_terms(name="R", capacity=capacity, range_="moon")


def test_rocket_range_and_name() -> None:
    with pytest.raises(ValidationFailed):
        check_rocket_terms(name="R", capacity=1, range_="venus")
    with pytest.raises(ValidationFailed):
        check_rocket_terms(name="  ", capacity=1, range_="moon")


PROFILE = {
    "legal_name": "Orbital Ventures Inc.",
    "description": None,
    "contact_info": "+1 555 0100",
    "contact_email": "ops@orbital.example",
    "tax_id": "12-3456789",
    "legal_address": "1 Launch Way",
}


def test_profile_requires_everything_but_description() -> None:
    assert clean_profile(PROFILE, partial=False)["legal_name"] == "Orbital Ventures Inc."
    for name in ("legal_name", "contact_info", "contact_email", "tax_id", "legal_address"):
        with pytest.raises(ValidationFailed) as refused:
            clean_profile({**PROFILE, name: "  "}, partial=False)
        assert refused.value.details["field"] == name
        with pytest.raises(ValidationFailed):
            clean_profile({k: v for k, v in PROFILE.items() if k != name}, partial=False)
    assert clean_profile({"legal_name": "New"}, partial=True) == {"legal_name": "New"}


@pytest.mark.parametrize(
    ("name", "value"), [("contact_email", "not-an-email"), ("tax_id", "abc"), ("tax_id", "ABCDEF")]
)
def test_profile_formats(name: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_profile({**PROFILE, name: value}, partial=False)
    assert refused.value.details["field"] == name
