"""Who may see or change what (auth/policies.py): pure rules, tested without any store."""

from __future__ import annotations

from typing import Generic, TypeVar

import pytest

from auth import policies
from auth.principal import Principal, Role

ME = "user-me"
OTHER = "user-other"


T = TypeVar("T")


def who(
    role: Role, user_id: str = ME, *, email_confirmed: bool = False, scopes: frozenset[str] = frozenset()
) -> Principal:
    return Principal(id=user_id, role=role, email_confirmed=email_confirmed, scopes=scopes)


class Fact(Generic[T]):
    """A fact that remembers whether the policy asked for it (facts cost queries)."""

    def __init__(self, value: T) -> None:
        self.value = value
        self.asked = 0

    async def __call__(self) -> T:
        self.asked += 1
        return self.value


def test_has_role():
    assert policies.has_role(who(Role.AGENCY), ("agency", "it"))
    assert not policies.has_role(who(Role.TRAVELER), ("agency", "it"))
    assert not policies.has_role(who(Role.IT), ())


def test_partner_clients_need_the_scope_others_pass():
    partner = who(Role.CLIENT, scopes=frozenset({"catalogue:read"}))
    assert policies.has_scope(partner, "catalogue:read")
    assert not policies.has_scope(partner, "bookings:read")
    assert policies.has_scope(who(Role.TRAVELER), "bookings:read")
    assert policies.has_scope(None, "bookings:read")
    assert policies.is_partner_client(partner)
    assert not policies.is_partner_client(who(Role.IT)) and not policies.is_partner_client(None)


def test_an_agency_changes_only_its_own():
    assert policies.is_owning_agency("agency-1", "agency-1")
    assert not policies.is_owning_agency("agency-1", "agency-2")
    assert not policies.is_owning_agency(None, "agency-1")


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (None, False),
        (who(Role.AGENCY), True),
        (who(Role.AGENCY, OTHER), False),
        (who(Role.FINANCIAL, OTHER), True),
        (who(Role.IT, OTHER), True),
        (who(Role.TRAVELER), False),  # the same id under another role is not the agency
        (who(Role.CLIENT), False),
    ],
)
def test_agency_private_data(principal, allowed):
    assert policies.may_read_agency_private(principal, ME) is allowed


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (who(Role.TRAVELER), True),
        (who(Role.TRAVELER, OTHER), False),
        (who(Role.FINANCIAL, OTHER), True),
        (who(Role.IT, OTHER), True),
        (who(Role.AGENCY), False),
        (who(Role.CLIENT), False),
    ],
)
def test_traveler_profiles(principal, allowed):
    assert policies.may_read_traveler(principal, ME) is allowed


@pytest.mark.parametrize(
    ("principal", "traveler", "agency", "allowed"),
    [
        (who(Role.FINANCIAL), OTHER, OTHER, True),
        (who(Role.TRAVELER), ME, OTHER, True),
        (who(Role.TRAVELER), OTHER, ME, False),
        (who(Role.TRAVELER), None, ME, False),
        (who(Role.AGENCY), OTHER, ME, True),
        (who(Role.AGENCY), ME, OTHER, False),
        (who(Role.AGENCY), ME, None, False),
        (who(Role.IT), ME, ME, False),  # IT staff do not read bookings
        (who(Role.CLIENT), ME, ME, False),
    ],
)
async def test_bookings(principal, traveler, agency, allowed):
    traveler_user_id, agency_user_id = Fact(traveler), Fact(agency)
    decided = await policies.may_read_booking(
        principal,
        traveler_user_id=traveler_user_id,
        agency_user_id=agency_user_id,
    )
    assert decided is allowed
    # Only the fact the caller's role needs is loaded.
    assert traveler_user_id.asked == (principal.role == Role.TRAVELER)
    assert agency_user_id.asked == (principal.role == Role.AGENCY)


async def test_owning_a_launch():
    assert await policies.owns_launch(who(Role.AGENCY), agency_user_id=Fact(ME))
    assert not await policies.owns_launch(who(Role.AGENCY), agency_user_id=Fact(OTHER))
    assert not await policies.owns_launch(who(Role.AGENCY), agency_user_id=Fact(None))
    unasked = Fact(ME)
    assert not await policies.owns_launch(who(Role.TRAVELER), agency_user_id=unasked)
    assert not await policies.owns_launch(None, agency_user_id=unasked)
    assert unasked.asked == 0


@pytest.mark.parametrize(
    ("principal", "agency", "holds", "allowed"),
    [
        (who(Role.AGENCY), ME, False, True),
        (who(Role.AGENCY), OTHER, True, False),
        (who(Role.TRAVELER), ME, True, True),
        (who(Role.TRAVELER), ME, False, False),
        (who(Role.FINANCIAL), ME, True, False),
        (who(Role.IT), ME, True, False),
        (who(Role.CLIENT), ME, True, False),
    ],
)
async def test_status_history(principal, agency, holds, allowed):
    agency_user_id, holds_booking = Fact(agency), Fact(holds)
    decided = await policies.may_read_status_history(
        principal,
        agency_user_id=agency_user_id,
        holds_booking=holds_booking,
    )
    assert decided is allowed
    assert agency_user_id.asked == (principal.role == Role.AGENCY)
    assert holds_booking.asked == (principal.role == Role.TRAVELER)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.AGENCY, True), (Role.FINANCIAL, True), (Role.TRAVELER, False), (Role.IT, False), (Role.CLIENT, False)],
)
def test_booking_reports_at_all(role, allowed):
    assert policies.may_read_booking_reports(who(role)) is allowed


@pytest.mark.parametrize(
    ("role", "caller_agency", "allowed"),
    [
        (Role.FINANCIAL, None, True),
        (Role.AGENCY, "agency-1", True),
        (Role.AGENCY, "agency-2", False),
        (Role.AGENCY, None, False),  # an agency account without a profile yet
        (Role.TRAVELER, "agency-1", False),
    ],
)
async def test_one_launch_report(role, caller_agency, allowed):
    caller_agency_id = Fact(caller_agency)
    decided = await policies.may_read_launch_report(
        who(role),
        launch_agency_id="agency-1",
        caller_agency_id=caller_agency_id,
    )
    assert decided is allowed
    assert caller_agency_id.asked == (role == Role.AGENCY)


def test_scheduling_launches_needs_a_confirmed_email():
    assert policies.may_schedule_launches(who(Role.AGENCY, email_confirmed=True))
    assert not policies.may_schedule_launches(who(Role.AGENCY))


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (who(Role.TRAVELER), True),
        (who(Role.TRAVELER, OTHER), False),
        (who(Role.AGENCY, OTHER), False),
        (who(Role.FINANCIAL, OTHER), False),
        (who(Role.IT, OTHER), True),
    ],
)
def test_users(principal, allowed):
    assert policies.may_read_user(principal, ME) is allowed


@pytest.mark.parametrize("role", list(Role))
def test_finance_rules_by_role(role):
    principal = who(role)
    assert policies.may_manage_invoices(principal) == (role == Role.FINANCIAL)
    assert policies.may_read_invoices(principal) == (role in (Role.FINANCIAL, Role.AGENCY))
    assert policies.may_read_annual_report(principal) == (role == Role.FINANCIAL)


def test_agency_finances_are_read_by_their_agency_and_financial_staff():
    read = policies.may_read_agency_finances
    assert read(who(Role.FINANCIAL), agency_id="a1", caller_agency_id=None)
    assert read(who(Role.AGENCY), agency_id="a1", caller_agency_id="a1")
    assert not read(who(Role.AGENCY), agency_id="a1", caller_agency_id="a2")
    assert not read(who(Role.AGENCY), agency_id="a1", caller_agency_id=None)
    assert not read(who(Role.TRAVELER), agency_id="a1", caller_agency_id="a1")
    assert not read(who(Role.IT), agency_id="a1", caller_agency_id=None)


@pytest.mark.parametrize("role", list(Role))
def test_the_notification_queue_is_for_it_only(role):
    assert policies.may_manage_notifications(who(role)) is (role == Role.IT)


@pytest.mark.parametrize(
    ("principal", "allowed"),
    [
        (who(Role.TRAVELER), True),
        (who(Role.AGENCY), True),
        (who(Role.TRAVELER, OTHER), False),
        (who(Role.IT, OTHER), False),  # IT works the queue, not other people's inboxes
        (who(Role.CLIENT), False),
    ],
)
def test_notifications_are_their_recipients(principal, allowed):
    assert policies.may_read_notification(principal, ME) is allowed
