"""The status moves of a launch: confirm, delay, abort, launched, failed.

Aborting cancels every booking of the launch with a full refund inside the same transaction; moving to
`launched` or `aborted` issues the launch's invoice in it too (resolvers/finance/issue_invoice.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.base import utcnow
from models.errors import ValidationFailed
from models.launches.tables import Launch, LaunchStatus, LaunchStatusChange
from models.sync.events import Aggregate, Event
from models.sync.outbox import record_event
from resolvers.agencies.profiles import own_agency
from resolvers.bookings.cancel_booking import cancel_launch_bookings
from resolvers.finance.issue_invoice import issue_launch_invoice
from resolvers.launches.lifecycle import event_payload, owned_launch
from resolvers.request import RequestBundle

NEEDS_REASON = (LaunchStatus.DELAYED, LaunchStatus.ABORTED)
INVOICED = (LaunchStatus.LAUNCHED, LaunchStatus.ABORTED)  # the platform invoices these moves at once


@dataclass(frozen=True)
class Moved:
    launch: Launch
    change: LaunchStatusChange
    canceled_bookings: int = 0


async def move_launch(
    call: RequestBundle,
    *,
    launch_id: str,
    target: LaunchStatus,
    reason: str | None = None,
    new_date: datetime | None = None,
    now: datetime | None = None,
) -> Moved:
    """Move a launch to `target` (delays and aborts need a reason); a refused move raises the
    LaunchMoveRefused naming the current status."""
    if target in NEEDS_REASON:
        reason = require_reason(reason)
    now, principal = now or utcnow(), call.caller
    async with call.unit_of_work() as uow:
        agency = await own_agency(uow, principal)
        launch = await owned_launch(uow, agency, launch_id)
        previous_date = launch.launch_at
        change = launch.move_to(target, now=now, by=principal.id, reason=reason, new_date=new_date)
        uow.session.add(change)
        canceled = 0
        if target == LaunchStatus.ABORTED:
            canceled = await cancel_launch_bookings(
                uow, launch=launch, gateway=call.payments, origin=call.origin, now=now
            )
        if target in INVOICED:
            await issue_launch_invoice(uow, launch=launch, origin=call.origin, now=now)
        payload = event_payload(
            launch,
            previous_status=change.from_status,
            reason=reason,
            changed_at=change.changed_at.isoformat(),
            changed_by=change.changed_by,
        )
        if new_date is not None:
            payload["previous_launch_at"] = previous_date.isoformat()
        aggregate = (Aggregate.LAUNCH, launch.id)
        record_event(uow.session, call.origin, Event.launch_moved_to(target), aggregate, payload)
        uow.invalidate_catalogue()
        await uow.commit()
        return Moved(launch=launch, change=change, canceled_bookings=canceled)


def require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise ValidationFailed("A reason is required", field="reason")
    if len(reason) > 2000:
        raise ValidationFailed("reason is longer than 2000 characters", field="reason")
    return reason.strip()
