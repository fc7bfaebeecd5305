"""The expiry sweeper of seat holds, called periodically by a worker.

A hold outlives its request only when that request died (or its last statements failed): an uncharged
hold gives its seats back; a charged one, whose confirmation was lost, is refunded and then gives its
seats back. A hold whose charge id was never recorded is checked against the gateway by its reference
(the hold id), so a charge is never kept without a booking.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

from models.bookings import holds
from models.bookings.gateway import PaymentGateway
from models.bookings.tables import HoldState, SeatHold
from models.launches import catalogue_cache
from models.store.db import Database
from resolvers.bookings.book_seats import refund_charged_hold

log = logging.getLogger("astro.bookings")


class HoldServices(Protocol):
    db: Database
    payments: PaymentGateway


async def release_expired_holds(services: HoldServices, *, now: datetime) -> int:
    """Release (and refund, when charged) every hold expired at `now`; returns how many were settled.
    A hold that cannot be settled now (gateway down) is logged and retried on the next call."""
    settled = 0
    for hold in await holds.expired_holds(services.db, now):
        try:
            settled += await _settle(services, hold)
        except Exception:
            log.exception("expired hold %s could not be settled; retrying on the next sweep", hold.id)
    return settled


async def _settle(services: HoldServices, hold: SeatHold) -> bool:
    db, gateway = services.db, services.payments
    if hold.state == HoldState.HELD:
        charge_id = await gateway.find_charge(reference=hold.id)
        if charge_id is None:
            released = await holds.release_hold(db, hold.id)
            if released:
                await catalogue_cache.invalidate(db.tags)
            return released
        # charged, but the id never reached the hold: record it so the hold is refunded like any other
        await holds.record_charge(db, hold.id, charge_id)
    return await refund_charged_hold(db, gateway, hold.id)
