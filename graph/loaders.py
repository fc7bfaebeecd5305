"""Per-request DataLoaders: every nested field that loads rows goes through one, so a query costs the
same number of SQL statements for 10 rows as for 200.

`info.context.loaders.<name>` is the request's loader, created on first use (a `Loaders` lives exactly one
request, so one batch per request and no cache across requests). Each batch function returns one value
per key, in key order (see resolvers.lookups.one_per_key).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from strawberry.dataloader import DataLoader

from auth.principal import Principal
from models.accounts.users import User
from models.agencies.tables import Agency, Rocket
from models.bookings.tables import Booking, Passenger, Refund
from models.errors import DomainError, Unauthenticated
from models.launches.tables import Launch, LaunchStatusChange
from models.store.db import Database
from models.travelers.tables import Traveler
from resolvers import lookups
from resolvers.accounts import users as accounts
from resolvers.bookings import lookups as booking_lookups
from resolvers.launches import reports as launch_reports
from resolvers.launches.reports import BookingLine
from resolvers.request import RequestBundle
from resolvers.travelers import profiles as travelers_uc


@dataclass
class Loaders:
    call: RequestBundle  # the caller and the stores, for the loaders whose answers depend on who asks

    @property
    def db(self) -> Database:
        return self.call.db

    @property
    def principal(self) -> Principal | None:
        return self.call.principal

    @cached_property
    def agencies(self) -> DataLoader[str, Agency | None]:
        return DataLoader(load_fn=lambda ids: lookups.agencies_by_ids(self.db, ids))

    @cached_property
    def rockets(self) -> DataLoader[str, Rocket | None]:
        return DataLoader(load_fn=lambda ids: lookups.rockets_by_ids(self.db, ids))

    @cached_property
    def launches(self) -> DataLoader[str, Launch | None]:
        return DataLoader(load_fn=lambda ids: lookups.launches_by_ids(self.db, ids))

    @cached_property
    def status_history(self) -> DataLoader[str, list[LaunchStatusChange]]:
        return DataLoader(load_fn=lambda ids: lookups.status_history_by_launch(self.db, ids))

    @cached_property
    def held_launches(self) -> DataLoader[str, bool]:
        """Per launch id: does the calling traveler hold a booking on it (for status history access)?"""
        if self.principal is None:  # its fields require a signed-in caller before they get here
            raise Unauthenticated("Authentication required")
        user_id = self.principal.id
        return DataLoader(load_fn=lambda ids: lookups.launches_held_by_traveler(self.db, user_id, ids))

    @cached_property
    def booking_lines(self) -> DataLoader[str, list[BookingLine]]:
        """Per launch id: its bookings as report lines (travelers, seats, paid, refunded)."""
        return DataLoader(load_fn=lambda ids: launch_reports.booking_lines(self.db, ids))

    @cached_property
    def bookings(self) -> DataLoader[str, Booking | None]:
        return DataLoader(load_fn=lambda ids: booking_lookups.bookings_by_ids(self.db, ids))

    @cached_property
    def travelers(self) -> DataLoader[str, Traveler | None]:
        return DataLoader(load_fn=lambda ids: booking_lookups.travelers_by_ids(self.db, ids))

    @cached_property
    def passengers(self) -> DataLoader[str, list[Passenger]]:
        """Per booking id: its passengers, in booking order."""
        return DataLoader(load_fn=lambda ids: booking_lookups.passengers_by_booking(self.db, ids))

    @cached_property
    def refunds(self) -> DataLoader[str, Refund | None]:
        """Per booking id: its refund (None when nothing was refunded)."""
        return DataLoader(load_fn=lambda ids: booking_lookups.refunds_by_booking(self.db, ids))

    @cached_property
    def vip(self) -> DataLoader[str, bool]:
        """Per traveler id: VIP (confirmed bookings on two or more distinct launches)?"""
        return DataLoader(load_fn=lambda ids: travelers_uc.vip_travelers(self.db, ids))

    @cached_property
    def users(self) -> DataLoader[str, User | DomainError]:
        """Users by id, each one checked against the caller (self, or IT for anyone)."""
        return DataLoader(load_fn=lambda ids: accounts.read_users(self.call, user_ids=ids))
