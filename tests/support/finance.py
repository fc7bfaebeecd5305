"""Builders for the finance tests: agencies acting as a principal, invoices and payments written straight
to the store, and signed gateway calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from auth.principal import Principal, Role
from models.agencies.tables import Agency, Rocket
from models.finance import fees, webhook
from models.finance.tables import Invoice, InvoiceKind, InvoicePayment, InvoiceStatus
from models.launches.tables import Launch
from tests.support.builders import insert, make_agency, make_rocket, make_user


@dataclass
class AgencyUser:
    agency: Agency
    rocket: Rocket
    principal: Principal
    token: str


async def make_agency_user(services: Any, name: str = "Alpha Launches") -> AgencyUser:
    user, token = await make_user(services, "agency")
    agency = await make_agency(services, user.id, name)
    rocket = await make_rocket(services, agency, capacity=20)
    return AgencyUser(agency, rocket, Principal(id=user.id, role=Role.AGENCY, email_confirmed=True), token)


async def make_invoice(
    services: Any,
    launch: Launch,
    *,
    number: str,
    amount: str,
    issued_at: datetime,
    paid: str = "0.00",
    kind: str = InvoiceKind.PLATFORM_FEE,
) -> Invoice:
    amount_paid = Decimal(paid)
    status = InvoiceStatus.PENDING if amount_paid == 0 else InvoiceStatus.PARTIALLY_PAID
    if amount_paid == Decimal(amount):
        status = InvoiceStatus.PAID
    invoice = Invoice(
        number=number,
        agency_id=launch.agency_id,
        launch_id=launch.id,
        kind=kind,
        amount=Decimal(amount),
        amount_paid=amount_paid,
        status=status,
        issued_at=issued_at,
        due_at=fees.due_at(issued_at),
    )
    await insert(services, invoice)
    return invoice


async def pay_invoice(services: Any, invoice: Invoice, amount: str, paid_at: datetime) -> InvoicePayment:
    """A payment row (the invoice's amount_paid is set by make_invoice's `paid`)."""
    payment = InvoicePayment(
        invoice_id=invoice.id, amount=Decimal(amount), paid_at=paid_at, reference="wire", source="manual"
    )
    await insert(services, payment)
    return payment


def signed_call(secret: str, payload: dict[str, Any] | bytes, timestamp: int) -> tuple[bytes, dict[str, str]]:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        "X-Astro-Timestamp": str(timestamp),
        "X-Astro-Signature": webhook.sign(secret, timestamp, body),
    }
    return body, headers
