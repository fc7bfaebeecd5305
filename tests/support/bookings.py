"""Bookings through the use case, as a traveler built by `make_traveler`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from models.bookings.rules import PassengerData
from models.launches.tables import Launch
from resolvers.bookings.book_seats import book_seats
from tests.support.builders import ORIGIN


async def book(services: Any, who: Any, launch: Launch, passengers: list[PassengerData], **kwargs: Any) -> Any:
    kwargs.setdefault("payment_token", "tok_success")
    kwargs.setdefault("idempotency_key", None)
    call = replace(services.bundle(who.principal, ORIGIN), payments=kwargs.pop("gateway", services.payments))
    return await book_seats(call, launch_id=launch.id, passengers=passengers, **kwargs)
