"""The request-scoped bundle every use case takes: who is calling, where the change comes from, and the
process-wide services it may use. The GraphQL edge builds one per field (graph/context.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from auth.principal import Principal
from auth.services import AuthServices
from models.bookings.gateway import PaymentGateway
from models.errors import Unauthenticated
from models.store.db import Database, SqlUnitOfWork
from models.sync.outbox import Origin


@dataclass(frozen=True)
class RequestBundle:
    principal: Principal | None
    origin: Origin  # stamped on every outbox event the use case writes
    db: Database
    payments: PaymentGateway
    auth: AuthServices
    vip_window: timedelta = timedelta(hours=24)  # VIP early access of newly scheduled launches (0: none)

    @property
    def caller(self) -> Principal:
        """The signed-in principal (the edge's permission checks have admitted it)."""
        if self.principal is None:
            raise Unauthenticated("Authentication required")
        return self.principal

    def unit_of_work(self) -> SqlUnitOfWork:
        """A transaction owned by the use case: it commits, or leaving it rolls back."""
        return self.db.unit_of_work()
