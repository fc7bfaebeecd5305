"""Who hears about an event (DOMAIN.md section 4) and the values its template may use.

Every function reads the current rows the event is about: the launch's agency for launch, booking and
invoice events; every traveler with an active booking for launch events; the booking's traveler for
booking events; VIP travelers for `launch_scheduled`; IT users for `sync_failed`; the new account for
`account_registered`; the account's own login address for the account-service emails (password reset,
password changed, employee invitation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import col

from models.accounts.users import find_user, find_users_by_role
from models.agencies.tables import Agency
from models.bookings import rules
from models.bookings.tables import Booking, BookingStatus
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.store.db import SqlUnitOfWork
from models.store.mongo import run_sync
from models.sync.outbox import OutboxEvent
from models.travelers.tables import Traveler


@dataclass(frozen=True)
class Recipient:
    user_id: str
    address: str
    name: str


@dataclass
class Audience:
    recipients: list[Recipient]
    values: dict[str, Any]


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _agency(agency: Agency) -> Recipient:
    return Recipient(agency.user_id, agency.contact_email, agency.legal_name)


def _traveler(traveler: Traveler) -> Recipient:
    return Recipient(traveler.user_id, traveler.contact_email, traveler.name)


def launch_values(launch: Launch, agency: Agency, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "mission_name": launch.mission_name,
        "destination": launch.destination,
        "launch_at": when(launch.launch_at),
        "agency_name": agency.legal_name,
        "status": launch.status,
        "public_at": when(launch.public_at) or when(launch.created_at),
        "reason": payload.get("reason") or "",
    }


async def _launch_and_agency(uow: SqlUnitOfWork, launch_id: str) -> tuple[Launch, Agency] | None:
    statement = select(Launch, Agency).join(Agency, col(Agency.id) == col(Launch.agency_id))
    row = (await uow.session.execute(statement.where(col(Launch.id) == launch_id))).first()
    return (row[0], row[1]) if row else None


async def for_launch(uow: SqlUnitOfWork, event: OutboxEvent) -> Audience:
    found = await _launch_and_agency(uow, event.aggregate_id)
    if found is None:
        return Audience([], {})
    launch, agency = found
    if event.event_type == "launch_scheduled":
        travelers = await _vip_travelers(uow)
    else:
        travelers = await _travelers_booked_on(uow, launch)
    people = [_agency(agency), *(_traveler(t) for t in travelers)]
    return Audience(people, launch_values(launch, agency, event.payload))


async def _vip_travelers(uow: SqlUnitOfWork) -> list[Traveler]:
    """Travelers with confirmed bookings on at least VIP_MIN_LAUNCHES distinct launches (derived, never stored)."""
    vips = (
        select(col(Booking.traveler_id))
        .where(col(Booking.status) == BookingStatus.CONFIRMED)
        .group_by(col(Booking.traveler_id))
        .having(func.count(func.distinct(col(Booking.launch_id))) >= rules.VIP_MIN_LAUNCHES)
    )
    return list((await uow.session.execute(select(Traveler).where(col(Traveler.id).in_(vips)))).scalars())


async def _travelers_booked_on(uow: SqlUnitOfWork, launch: Launch) -> list[Traveler]:
    """Travelers with an active booking on the launch. An abort cancels every booking in the same
    transaction, so for an aborted launch the bookings it canceled count as the active ones."""
    active = col(Booking.status) == BookingStatus.CONFIRMED
    if launch.status == LaunchStatus.ABORTED:
        aborted_at = (
            select(func.max(col(LaunchStatusChange.changed_at)))
            .where(col(LaunchStatusChange.launch_id) == launch.id, col(LaunchStatusChange.to_status) == "aborted")
            .scalar_subquery()
        )
        active = or_(active, col(Booking.canceled_at) >= aborted_at)
    booked = select(col(Booking.traveler_id)).where(col(Booking.launch_id) == launch.id, active)
    return list((await uow.session.execute(select(Traveler).where(col(Traveler.id).in_(booked)))).scalars())


async def for_bookings(uow: SqlUnitOfWork, events: list[OutboxEvent]) -> dict[str, Audience]:
    """The audience of each booking event, by event id, read with one statement for the whole batch."""
    if not events:
        return {}
    statement = (
        select(Booking, Traveler, Launch, Agency)
        .join(Traveler, col(Traveler.id) == col(Booking.traveler_id))
        .join(Launch, col(Launch.id) == col(Booking.launch_id))
        .join(Agency, col(Agency.id) == col(Launch.agency_id))
        .where(col(Booking.id).in_({event.aggregate_id for event in events}))
    )
    found = {row[0].id: row for row in (await uow.session.execute(statement)).all()}
    audiences = {}
    for event in events:
        row = found.get(event.aggregate_id)
        audiences[event.id] = _booking_audience(event, *row) if row else Audience([], {})
    return audiences


def _booking_audience(
    event: OutboxEvent, booking: Booking, traveler: Traveler, launch: Launch, agency: Agency
) -> Audience:
    values = launch_values(launch, agency, event.payload) | {
        "traveler_name": traveler.name,
        "booking_id": booking.id,
        "seats": booking.seats,
        "amount": booking.amount,
        "refund_amount": event.payload.get("refund_amount", "0.00"),
    }
    return Audience([_agency(agency), _traveler(traveler)], values)


async def for_invoice(uow: SqlUnitOfWork, event: OutboxEvent) -> Audience:
    """Invoice events carry the agency's id and the invoice's figures in their payload."""
    agency = await uow.session.get(Agency, str(event.payload.get("agency_id", "")))
    if agency is None:
        return Audience([], {})
    payload = event.payload
    values = {
        "agency_name": agency.legal_name,
        "invoice_id": payload.get("invoice_number") or event.aggregate_id,
        "amount": payload.get("amount", ""),
        "due_date": payload.get("due_date", ""),
    }
    return Audience([_agency(agency)], values)


async def for_sync_failure(uow: SqlUnitOfWork, event: OutboxEvent) -> Audience:
    users = await run_sync(find_users_by_role, "it")
    people = [Recipient(user.id, user.email, user.name) for user in users]
    payload = event.payload
    return Audience(people, {"job": payload.get("job") or event.aggregate_id, "error": payload.get("error", "")})


async def for_new_account(uow: SqlUnitOfWork, event: OutboxEvent) -> Audience:
    payload = event.payload
    person = Recipient(str(payload["user_id"]), str(payload["email"]), str(payload.get("name", "")))
    return Audience([person], {"email": person.address})


async def for_account_holder(uow: SqlUnitOfWork, event: OutboxEvent) -> Audience:
    """Account-service mail goes to the account's login address, read now (not copied into the event), and
    only while the account is enabled."""
    user = await run_sync(find_user, str(event.payload.get("user_id", "")))
    if user is None or not user.is_active:
        return Audience([], {})
    values = {"email": user.email, "role": user.role, "changed_at": when(event.created_at)}
    return Audience([Recipient(user.id, user.email, user.name)], values)
