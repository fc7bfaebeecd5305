"""Closing one's own account, and exporting everything the platform holds about oneself.

Closing disables the account for good and replaces its personal values by anonymous ones everywhere they
were copied: the account (MongoDB), the traveler profile and the passengers of its bookings, the seat holds,
an agency's contact data, the notifications written to or about it, the payloads of the events about it
(PostgreSQL), and the system log entries about it (MongoDB). Bookings, payments, refunds and invoices keep
their amounts and dates: the agencies' and finance's figures do not move. An agency's legal name, tax id
and legal address are the company's, printed on invoices: they stay.

PostgreSQL is anonymised first, in one transaction, then MongoDB. If the second part fails, the account is
still open with its password: closing again finishes the job (every step is idempotent).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlmodel import col

from auth import policies
from auth.passwords import hash_password
from models.accounts.errors import ActiveBookingsRemain, ActiveLaunchesRemain
from models.accounts.users import User, anonymise_user
from models.agencies.tables import Agency
from models.base import utcnow
from models.bookings.tables import Booking, BookingStatus, Passenger, Payment, Refund, SeatHold
from models.errors import Forbidden
from models.launches.status import LaunchStatus
from models.launches.tables import Launch
from models.monitoring.logs import LogEntry
from models.notifications.tables import Notification
from models.notifications.templates import withhold_links
from models.store.db import SqlUnitOfWork
from models.store.mongo import run_sync
from models.sync.events import Aggregate, Event
from models.sync.jobs import SyncJob
from models.sync.outbox import OutboxEvent, record_event
from models.travelers.tables import Traveler
from resolvers.accounts.recovery import end_all_sessions
from resolvers.accounts.users import load_self, verify_current
from resolvers.request import RequestBundle

ANONYMOUS_NAME = "Closed account"
ANONYMOUS_PASSENGER = "Anonymous passenger"
ANONYMOUS_BIRTH_DATE = date(1900, 1, 1)
UNFINISHED = (LaunchStatus.SCHEDULED, LaunchStatus.CONFIRMED, LaunchStatus.DELAYED)


SCRUB_NOTIFICATIONS = text(
    "UPDATE notifications SET subject = regexp_replace(subject, :pattern, :new, 'gi'), "
    "body = regexp_replace(body, :pattern, :new, 'gi'), to_address = regexp_replace(to_address, :pattern, :new, 'gi') "
    "WHERE (recipient_id = :user_id OR event_id IN (SELECT id FROM outbox_events WHERE aggregate_id = ANY(:ids))) "
    "AND (subject ~* :pattern OR body ~* :pattern OR to_address ~* :pattern)"
)


def anonymous_email(user_id: str) -> str:
    """Unique (the users' email index), recognisable, and undeliverable (`.invalid` is reserved)."""
    return f"closed-{user_id}@closed.invalid"


@dataclass
class Footprint:
    """Where the account's personal data lies: the ids that point at it and the values to replace."""

    user: User
    traveler: Traveler | None
    agency: Agency | None
    booking_ids: list[str]
    values: list[str]

    @property
    def ids(self) -> list[str]:
        owned = [self.user.id, *(x.id for x in (self.traveler, self.agency) if x is not None)]
        return owned + self.booking_ids


async def close_account(call: RequestBundle, *, current_password: str) -> User:
    """Close the caller's account (travelers and agencies). Raises InvalidCredentials (throttled like
    login), ActiveBookingsRemain (bookings on launches to come, listed) or ActiveLaunchesRemain."""
    principal, kit = call.caller, call.auth
    if not policies.may_close_own_account(principal):
        raise Forbidden("Employee accounts are disabled by IT, not closed")
    user = await load_self(principal)
    await verify_current(kit, user, current_password)
    anonymous = anonymous_email(user.id)
    async with call.unit_of_work() as uow:
        footprint = await _footprint(uow, user)
        await _refuse_open_business(uow, footprint)
        await _anonymise_operations(uow, footprint, anonymous)
        payload = {"user_id": user.id, "role": user.role}
        record_event(uow.session, call.origin, Event.ACCOUNT_CLOSED, (Aggregate.USER, user.id), payload)
        await uow.commit()
    unusable = await hash_password(secrets.token_urlsafe(32))
    await run_sync(anonymise_user, user.id, name=ANONYMOUS_NAME, email=anonymous, password_hash=unusable)
    await run_sync(_anonymise_log, footprint, anonymous)
    await kit.revocations.revoke_user(user.id, kit.tokens.ttl_seconds)
    await end_all_sessions(kit, user.id)
    user.name, user.email, user.status = ANONYMOUS_NAME, anonymous, "closed"
    return user


async def _footprint(uow: SqlUnitOfWork, user: User) -> Footprint:
    session = uow.session
    traveler = (await session.execute(select(Traveler).where(col(Traveler.user_id) == user.id))).scalar_one_or_none()
    agency = (await session.execute(select(Agency).where(col(Agency.user_id) == user.id))).scalar_one_or_none()
    values = [user.name, user.email]
    booking_ids: list[str] = []
    if traveler is not None:
        values += [traveler.name, traveler.contact_email, traveler.phone or "", traveler.tax_id or ""]
        values += [traveler.emergency_contact_name or "", traveler.emergency_contact_phone or ""]
        booked = select(col(Booking.id)).where(col(Booking.traveler_id) == traveler.id)
        booking_ids = list((await session.execute(booked)).scalars())
        passengers = select(Passenger).where(col(Passenger.booking_id).in_(booking_ids))
        for passenger in (await session.execute(passengers)).scalars():
            values += [passenger.name, passenger.birth_date.isoformat()]
    if agency is not None:
        values += [agency.contact_email, agency.contact_info]
    # Longest first, so a name is replaced before a shorter value inside it; tiny values would match
    # everywhere (a one-letter name) and are not worth the collateral damage.
    unique = sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True)
    return Footprint(user, traveler, agency, booking_ids, unique)


async def _refuse_open_business(uow: SqlUnitOfWork, footprint: Footprint) -> None:
    now = utcnow()
    if footprint.traveler is not None:
        active = (
            select(col(Booking.id))
            .join(Launch, col(Launch.id) == col(Booking.launch_id))
            .where(
                col(Booking.traveler_id) == footprint.traveler.id,
                col(Booking.status) == BookingStatus.CONFIRMED,
                col(Launch.status).in_([s.value for s in UNFINISHED]),
                col(Launch.launch_at) > now,
            )
            .order_by(col(Booking.id))
        )
        booking_ids = list((await uow.session.execute(active)).scalars())
        if booking_ids:
            raise ActiveBookingsRemain(booking_ids)
    if footprint.agency is not None:
        unfinished = select(col(Launch.id)).where(
            col(Launch.agency_id) == footprint.agency.id, col(Launch.status).in_([s.value for s in UNFINISHED])
        )
        launch_ids = list((await uow.session.execute(unfinished.order_by(col(Launch.id)))).scalars())
        if launch_ids:
            raise ActiveLaunchesRemain(launch_ids)


async def _anonymise_operations(uow: SqlUnitOfWork, footprint: Footprint, anonymous: str) -> None:
    session = uow.session
    if footprint.traveler is not None:
        traveler = footprint.traveler
        traveler.name, traveler.contact_email, traveler.phone = ANONYMOUS_NAME, anonymous, None
        traveler.emergency_contact_name, traveler.emergency_contact_phone = None, None
        traveler.tax_id, traveler.travel_preferences, traveler.updated_at = None, None, utcnow()
        session.add(traveler)
        await session.execute(
            update(Passenger)
            .where(col(Passenger.booking_id).in_(footprint.booking_ids))
            .values(name=ANONYMOUS_PASSENGER, birth_date=ANONYMOUS_BIRTH_DATE)
        )
        holds = select(SeatHold).where(col(SeatHold.traveler_id) == traveler.id)
        for hold in (await session.execute(holds)).scalars():
            hold.passengers = [
                {**p, "name": ANONYMOUS_PASSENGER, "birth_date": ANONYMOUS_BIRTH_DATE.isoformat()}
                for p in hold.passengers
            ]
            session.add(hold)
    if footprint.agency is not None:
        agency = footprint.agency
        agency.contact_email, agency.contact_info = anonymous, ANONYMOUS_NAME
        session.add(agency)
    await session.flush()
    await _scrub_notifications(uow, footprint, anonymous)
    await _scrub_events(uow, footprint, anonymous)


def _replacement(value: str, footprint: Footprint, anonymous: str) -> str:
    return anonymous if value.lower() == footprint.user.email.lower() or "@" in value else "[removed]"


def _pattern(value: str) -> str:
    """`value` as a PostgreSQL regular expression matching it literally (every other character escaped)."""
    return re.sub(r"([^A-Za-z0-9_])", r"\\\1", value)


async def _scrub_notifications(uow: SqlUnitOfWork, footprint: Footprint, anonymous: str) -> None:
    """Notifications to the account, and those to others about its bookings (the agency hears of them)."""
    about = select(col(OutboxEvent.id)).where(col(OutboxEvent.aggregate_id).in_(footprint.ids))
    scope = or_(col(Notification.recipient_id) == footprint.user.id, col(Notification.event_id).in_(about))
    await uow.session.execute(
        update(Notification)
        .where(and_(scope, col(Notification.recipient_id) == footprint.user.id))
        .values(to_address=anonymous)
        .execution_options(synchronize_session=False)
    )
    for value in footprint.values:
        await uow.session.execute(
            SCRUB_NOTIFICATIONS,
            {
                "pattern": _pattern(value),
                "new": _replacement(value, footprint, anonymous),
                "user_id": footprint.user.id,
                "ids": footprint.ids,
            },
        )


async def _scrub_events(uow: SqlUnitOfWork, footprint: Footprint, anonymous: str) -> None:
    """Payloads of the events about the account (a registration carries the email and the name)."""
    actor = f"{footprint.user.role}:{footprint.user.id}"
    for value in footprint.values:
        inside_json = json.dumps(value)[1:-1]
        await uow.session.execute(
            text(
                "UPDATE outbox_events SET payload = regexp_replace(payload::text, :pattern, :new, 'gi')::jsonb "
                "WHERE (aggregate_id = ANY(:ids) OR origin_user = :actor) AND payload::text ~* :pattern"
            ),
            {
                "pattern": _pattern(inside_json),
                "new": _replacement(value, footprint, anonymous),
                "ids": footprint.ids,
                "actor": actor,
            },
        )


def _anonymise_log(footprint: Footprint, anonymous: str) -> int:
    """System log entries about the account, by it, or naming its values (a failed login logs the email),
    and the accounts synchronisation's findings about it. Blocking: run it through `run_sync`."""
    swaps = [
        (re.compile(re.escape(value), re.IGNORECASE), _replacement(value, footprint, anonymous))
        for value in footprint.values
    ]
    literal = [{"$regex": re.escape(value), "$options": "i"} for value in footprint.values]
    actor = f"{footprint.user.role}:{footprint.user.id}"
    query: dict[str, Any] = {
        "$or": [
            {"entity_id": {"$in": footprint.ids}},
            {"actor": actor},
            *({"message": pattern} for pattern in literal),
            *({"data.email": pattern} for pattern in literal),
            *({"data.text": pattern} for pattern in literal),  # an IT user search for the person
        ]
    }
    changed = 0
    for entry in LogEntry.objects(__raw__=query):
        message, data = _scrub(entry.message or "", swaps), _scrub(dict(entry.data or {}), swaps)
        if message != entry.message or data != entry.data:
            LogEntry.objects(id=entry.id).update_one(set__message=message, set__data=data)
            changed += 1
    for job in SyncJob.objects(__raw__={"findings.user": footprint.user.id}):
        SyncJob.objects(id=job.id).update_one(set__findings=_scrub(list(job.findings), swaps))
        changed += 1
    return changed


def _scrub(value: Any, swaps: list[tuple[re.Pattern[str], str]]) -> Any:
    """`value` with every personal value replaced, at any depth."""
    if isinstance(value, str):
        for pattern, new in swaps:
            value = pattern.sub(new.replace("\\", r"\\"), value)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, swaps) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, swaps) for item in value]
    return value


async def export_my_data(call: RequestBundle) -> dict[str, Any]:
    """Everything the platform holds about the caller, as one JSON-ready document: the account, the
    traveler or agency profile, bookings with passengers, payments and refunds, notifications, and the
    system log entries about the caller or made by them."""
    principal = call.caller
    if not policies.may_export_own_data(principal):
        raise Forbidden("Partner clients have no personal data to export")
    user = await load_self(principal)
    async with call.db.read() as session:
        traveler = (
            await session.execute(select(Traveler).where(col(Traveler.user_id) == user.id))
        ).scalar_one_or_none()
        agency = (await session.execute(select(Agency).where(col(Agency.user_id) == user.id))).scalar_one_or_none()
        bookings = await _bookings(session, traveler)
        notes = (
            select(Notification).where(col(Notification.recipient_id) == user.id).order_by(col(Notification.created_at))
        )
        notifications = [_notification(n) for n in (await session.execute(notes)).scalars()]
    ids = [user.id, *(x.id for x in (traveler, agency) if x is not None), *(b["id"] for b in bookings)]
    entries = await run_sync(_log_about, ids, f"{user.role}:{user.id}")
    return {
        "exportedAt": utcnow().isoformat(),
        "account": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "emailConfirmed": bool(user.email_confirmed),
            "status": user.status or "active",
            "createdAt": _plain(user.created_at),
            "passwordChangedAt": _plain(user.password_changed_at),
        },
        "travelerProfile": _row(traveler) if traveler else None,
        "agencyProfile": _row(agency) if agency else None,
        "bookings": bookings,
        "notifications": notifications,
        "logEntries": entries,
    }


async def _bookings(session: Any, traveler: Traveler | None) -> list[dict[str, Any]]:
    if traveler is None:
        return []
    rows = list(
        (
            await session.execute(
                select(Booking).where(col(Booking.traveler_id) == traveler.id).order_by(col(Booking.created_at))
            )
        ).scalars()
    )
    ids = [b.id for b in rows]
    by_booking: dict[str, dict[str, list[dict[str, Any]]]] = {
        i: {"passengers": [], "payments": [], "refunds": []} for i in ids
    }
    for kind, table in (("passengers", Passenger), ("payments", Payment), ("refunds", Refund)):
        for item in (await session.execute(select(table).where(col(table.booking_id).in_(ids)))).scalars():
            by_booking[item.booking_id][kind].append(_row(item))
    return [_row(b) | by_booking[b.id] for b in rows]


def _notification(note: Notification) -> dict[str, Any]:
    """A notification as the inbox shows it: the token of a password or confirmation link withheld (only
    the email carries it, so a stolen access token cannot turn into a new password)."""
    return _row(note) | {"body": withhold_links(note.event, note.body)}


def _log_about(ids: list[str], actor: str) -> list[dict[str, Any]]:
    query = {"$or": [{"entity_id": {"$in": ids}}, {"actor": actor}]}
    found = LogEntry.objects(__raw__=query).order_by("at").limit(10_000)
    return [
        {
            "at": _plain(e.at),
            "level": e.level,
            "action": e.action,
            "entityType": e.entity_type,
            "entityId": e.entity_id,
            "message": e.message,
            "data": e.data,
        }
        for e in found
    ]


def _row(record: Any) -> dict[str, Any]:
    """A table row as plain JSON values (decimals and dates as strings); secrets are never exported."""
    values = record.model_dump()
    return {
        key: _plain(value) for key, value in values.items() if key not in ("idempotency_key", "request_fingerprint")
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)
