"""Pure rules of launches: the status machine, scheduling terms, catalogue cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models.errors import ValidationFailed
from models.launches.catalogue import CatalogueSort, decode_cursor
from models.launches.errors import (
    DelayMustMoveLater,
    InvalidStatusTransition,
    LaunchDateNotReached,
    LaunchMoveRefused,
    MinimumPassengersNotReached,
)
from models.launches.tables import Launch, LaunchStatus, check_launch_date, check_minimum_passengers, check_price

S = LaunchStatus
NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
ALLOWED = {
    (S.SCHEDULED, S.CONFIRMED),
    (S.SCHEDULED, S.DELAYED),
    (S.SCHEDULED, S.ABORTED),
    (S.CONFIRMED, S.DELAYED),
    (S.CONFIRMED, S.ABORTED),
    (S.CONFIRMED, S.LAUNCHED),
    (S.CONFIRMED, S.FAILED),
    (S.DELAYED, S.CONFIRMED),
    (S.DELAYED, S.DELAYED),
    (S.DELAYED, S.ABORTED),
    (S.DELAYED, S.LAUNCHED),
    (S.DELAYED, S.FAILED),
}
EVERY_PAIR = [(a, b) for a in S for b in S]


def launch(status: S, *, launch_at: datetime = NOW, sold: int = 5, minimum: int = 5) -> Launch:
    return Launch(
        id="L1",
        agency_id="A",
        rocket_id="R",
        mission_name="M",
        destination="moon",
        launch_at=launch_at,
        price_per_seat=Decimal("10.00"),
        minimum_passengers=minimum,
        capacity=10,
        seats_sold=sold,
        status=status.value,
    )


def move(current: S, target: S) -> Launch:
    """Try the move with every other condition met: viable, date reached, delay to a later date."""
    subject = launch(current)
    subject.move_to(
        target, now=NOW, by="u1", reason="r", new_date=NOW + timedelta(days=3) if target == S.DELAYED else None
    )
    return subject


@pytest.mark.parametrize(("current", "target"), EVERY_PAIR, ids=lambda s: s.value)
def test_every_status_pair_is_allowed_or_refused_naming_the_current_status(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        assert move(current, target).status == target
        return
    with pytest.raises(InvalidStatusTransition) as refused:
        move(current, target)
    assert (refused.value.current, refused.value.requested) == (current, target)
    assert refused.value.details == {"currentStatus": current.value, "requestedStatus": target.value}


def test_final_statuses_allow_no_move() -> None:
    for final in (S.LAUNCHED, S.FAILED, S.ABORTED):
        assert not any(launch(final).can_move_to(target) for target in S)


@pytest.mark.parametrize("current", [S.SCHEDULED, S.DELAYED])
def test_confirm_needs_minimum_passengers(current: S) -> None:
    with pytest.raises(MinimumPassengersNotReached) as refused:
        launch(current, sold=4, minimum=5).move_to(S.CONFIRMED, now=NOW, by="u1")
    assert refused.value.current == current and refused.value.seats_sold == 4
    assert launch(current, sold=5, minimum=5).move_to(S.CONFIRMED, now=NOW, by="u1").to_status == "confirmed"


@pytest.mark.parametrize("target", [S.LAUNCHED, S.FAILED])
@pytest.mark.parametrize("current", [S.CONFIRMED, S.DELAYED])
def test_launched_and_failed_only_at_or_after_the_date(current: S, target: S) -> None:
    with pytest.raises(LaunchDateNotReached) as refused:
        launch(current, launch_at=NOW + timedelta(seconds=1)).move_to(target, now=NOW, by="u1")
    assert refused.value.current == current
    assert launch(current, launch_at=NOW).move_to(target, now=NOW, by="u1").to_status == target
    assert launch(current, launch_at=NOW - timedelta(days=1)).move_to(target, now=NOW, by="u1").to_status == target


@pytest.mark.parametrize("current", [S.SCHEDULED, S.CONFIRMED, S.DELAYED])
def test_delay_must_move_the_date_later(current: S) -> None:
    date = NOW + timedelta(days=10)
    for new_date in (None, date, date - timedelta(seconds=1), NOW - timedelta(days=1)):
        with pytest.raises(DelayMustMoveLater) as refused:
            launch(current, launch_at=date).move_to(S.DELAYED, now=NOW, by="u1", new_date=new_date)
        assert refused.value.current == current
    subject = launch(current, launch_at=date)
    change = subject.move_to(S.DELAYED, now=NOW, by="u1", reason="weather", new_date=date + timedelta(seconds=1))
    assert subject.launch_at == date + timedelta(seconds=1) and subject.status == "delayed"
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        current,
        "delayed",
        "u1",
        "weather",
    )


def test_a_past_due_launch_cannot_be_delayed_into_the_past() -> None:
    overdue = launch(S.SCHEDULED, launch_at=NOW - timedelta(days=5))
    with pytest.raises(DelayMustMoveLater):
        overdue.move_to(S.DELAYED, now=NOW, by="u1", new_date=NOW - timedelta(days=1))


def test_a_refused_move_changes_nothing() -> None:
    subject = launch(S.SCHEDULED, sold=0)
    with pytest.raises(LaunchMoveRefused):
        subject.move_to(S.CONFIRMED, now=NOW, by="u1")
    assert subject.status == "scheduled"


def test_launch_date_needs_24_hours_and_a_time_zone() -> None:
    check_launch_date(NOW + timedelta(hours=24), NOW)
    with pytest.raises(ValidationFailed):
        check_launch_date(NOW + timedelta(hours=24) - timedelta(seconds=1), NOW)
    with pytest.raises(ValidationFailed):
        check_launch_date(datetime(2031, 1, 1), NOW)


@pytest.mark.parametrize("price", ["0", "-1", "0.001", "NaN", "10000000000"])
def test_bad_prices(price: str) -> None:
    with pytest.raises(ValidationFailed):
        check_price(Decimal(price))


def test_good_price_and_minimum_passengers() -> None:
    assert check_price(Decimal("0.01")) == Decimal("0.01")
    check_minimum_passengers(1, 1)
    check_minimum_passengers(10, 10)
    for bad in (0, 11):
        with pytest.raises(ValidationFailed):
            check_minimum_passengers(bad, 10)


@pytest.mark.parametrize("cursor", ["", "not-base64!", "W10", "WyJkYXRlIiwgZmFsc2UsICJ4IiwgIjEiXQ"])
def test_tampered_cursors_are_bad_input(cursor):
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor or "x", CatalogueSort.DATE, False)
