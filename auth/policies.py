"""Who may see or change what: each rule a named, pure function of the caller and the facts it needs.

The callers (GraphQL fields, CSV routes, use cases) load the facts and raise the refusal; the decision is
made here, once, so every path applies the same rule. Facts that cost a query are passed as a `Fact` (an
async callable without arguments) and awaited only for the roles whose rule needs them: a financial reader
of a booking costs no query at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TypeGuard, TypeVar

from auth.principal import Principal, Role

T = TypeVar("T")
Fact = Callable[[], Awaitable[T]]


def has_role(principal: Principal, roles: Collection[str]) -> bool:
    """Operations reserved to some roles (placing bookings: travelers; managing rockets: agencies...)."""
    return principal.role in roles


def has_scope(principal: Principal | None, scope: str) -> bool:
    """A partner client reaches a field only with its scope; other callers pass (their role rules apply)."""
    if principal is None or principal.role != Role.CLIENT:
        return True
    return scope in principal.scopes


def is_partner_client(principal: Principal | None) -> TypeGuard[Principal]:
    """Partner clients (OAuth client credentials) run only the operations they registered."""
    return principal is not None and principal.role == Role.CLIENT


def is_agency_user(principal: Principal, agency_user_id: str | None) -> bool:
    """The caller is the agency whose account is `agency_user_id`."""
    return principal.role == Role.AGENCY and agency_user_id is not None and principal.id == agency_user_id


def is_owning_agency(agency_id: str | None, owner_agency_id: str) -> bool:
    """An agency changes only its own rockets and launches (`agency_id`: the caller's agency, if any)."""
    return agency_id is not None and agency_id == owner_agency_id


def may_read_agency_private(principal: Principal | None, agency_user_id: str) -> bool:
    """An agency's contact and tax data: the agency itself and AstroBookings staff, nobody else."""
    if principal is None:
        return False
    return principal.is_employee or is_agency_user(principal, agency_user_id)


def may_read_traveler(principal: Principal, traveler_user_id: str) -> bool:
    """A traveler's personal data: the traveler and AstroBookings staff."""
    return principal.is_employee or (principal.role == Role.TRAVELER and principal.id == traveler_user_id)


async def may_read_booking(
    principal: Principal, *, traveler_user_id: Fact[str | None], agency_user_id: Fact[str | None]
) -> bool:
    """A booking: financial staff, the traveler who made it, and the agency running its launch."""
    if principal.role == Role.FINANCIAL:
        return True
    if principal.role == Role.TRAVELER:
        return await traveler_user_id() == principal.id
    if principal.role == Role.AGENCY:
        return is_agency_user(principal, await agency_user_id())
    return False


async def owns_launch(principal: Principal | None, *, agency_user_id: Fact[str | None]) -> bool:
    """The launch's agency (`agency_user_id`: the account of the agency running it)."""
    if principal is None or principal.role != Role.AGENCY:
        return False
    return is_agency_user(principal, await agency_user_id())


async def may_read_status_history(
    principal: Principal, *, agency_user_id: Fact[str | None], holds_booking: Fact[bool]
) -> bool:
    """A launch's status history: its agency, and the travelers holding bookings on it."""
    if principal.role == Role.AGENCY:
        return await owns_launch(principal, agency_user_id=agency_user_id)
    if principal.role == Role.TRAVELER:
        return bool(await holds_booking())
    return False


def may_read_booking_reports(principal: Principal) -> bool:
    """Booking reports at all: agencies (of their own launches) and financial staff."""
    return principal.role in (Role.AGENCY, Role.FINANCIAL)


async def may_read_launch_report(
    principal: Principal, *, launch_agency_id: str, caller_agency_id: Fact[str | None]
) -> bool:
    """One launch's booking report: financial staff, and the agency running the launch."""
    if principal.role == Role.FINANCIAL:
        return True
    return principal.role == Role.AGENCY and is_owning_agency(await caller_agency_id(), launch_agency_id)


def may_schedule_launches(principal: Principal) -> bool:
    """An agency schedules launches only once its email address is confirmed."""
    return principal.email_confirmed


def may_read_user(principal: Principal, user_id: str) -> bool:
    """An account: its own user; `it` staff read anyone's."""
    return principal.role == Role.IT or principal.id == user_id


def may_manage_invoices(principal: Principal) -> bool:
    """Issuing invoices by hand and recording payments against them: financial staff."""
    return principal.role == Role.FINANCIAL


def may_read_invoices(principal: Principal) -> bool:
    """Invoices and the revenue report at all: financial staff (every agency's) and agencies (their own)."""
    return principal.role in (Role.FINANCIAL, Role.AGENCY)


def may_read_agency_finances(principal: Principal, *, agency_id: str, caller_agency_id: str | None) -> bool:
    """One agency's invoices and revenue figures: financial staff, and that agency itself."""
    if principal.role == Role.FINANCIAL:
        return True
    return principal.role == Role.AGENCY and is_owning_agency(caller_agency_id, agency_id)


def may_read_annual_report(principal: Principal) -> bool:
    """The platform's annual fee report and its chart: financial staff."""
    return principal.role == Role.FINANCIAL


def may_manage_notifications(principal: Principal) -> bool:
    """The notification queue and its templates: `it` staff only."""
    return principal.role == Role.IT


def may_read_notification(principal: Principal, recipient_id: str) -> bool:
    """A notification is its recipient's alone, IT staff included (they use the queue view)."""
    return principal.role != Role.CLIENT and principal.id == recipient_id


def may_operate_system(principal: Principal | None) -> bool:
    """System logs, synchronisation runs and system health: `it` employees only."""
    return principal is not None and principal.role == Role.IT


def may_administer_users(principal: Principal | None) -> bool:
    """Listing accounts, creating employees, disabling, enabling, re-sending emails: `it` employees only."""
    return principal is not None and principal.role == Role.IT


def may_close_own_account(principal: Principal | None) -> bool:
    """Closing one's own account (and exporting one's data): travelers and agencies, who registered
    themselves. Employees' accounts belong to the company: IT disables them."""
    return principal is not None and principal.role in (Role.TRAVELER, Role.AGENCY)


def may_export_own_data(principal: Principal | None) -> bool:
    """Everything the platform holds about a person: any signed-in user, about themself (not partner clients)."""
    return principal is not None and principal.role != Role.CLIENT


def may_change_account(actor_id: str, target_id: str, *, disabling_or_demoting: bool) -> bool:
    """An `it` user may not disable or demote themself: another `it` user must (so nobody locks the door
    from the inside by mistake)."""
    return not (disabling_or_demoting and actor_id == target_id)
