"""Demo invoices: every launched and aborted demo launch has its invoice, one paid, one partly paid and
overdue, one unpaid and overdue (the numbers are taken in issue order, like the real use case does)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import typer
from sqlalchemy import select
from sqlmodel import col

from graph.services import Services
from models.base import utcnow
from models.finance.tables import Invoice
from models.launches.tables import Launch, LaunchStatus
from models.sync.outbox import Origin
from resolvers.finance.issue_invoice import issue_launch_invoice
from resolvers.finance.payments import apply_payment

ORIGIN = Origin(operation="seed", actor="seed")
# mission: (issued this many days ago, amount paid: "all", or a figure)
DEMO_INVOICES = {
    "Polar Night Hop": (50, "0.00"),  # overdue, nothing paid
    "Olympus Mons Trek": (40, "250.00"),  # overdue, partly paid
    "Aurora Orbit": (20, "all"),  # paid
}


async def seed_finance(services: Services, *args: Any) -> dict[str, str]:
    now, numbers = utcnow(), {}
    async with services.db.unit_of_work() as uow:
        final = select(Launch).where(col(Launch.mission_name).in_(DEMO_INVOICES))
        launches = {launch.mission_name: launch for launch in (await uow.session.execute(final)).scalars()}
        invoiced = set((await uow.session.execute(select(col(Invoice.launch_id)))).scalars())
        for mission, (age, paid) in sorted(DEMO_INVOICES.items(), key=lambda item: -item[1][0]):
            launch = launches.get(mission)
            if (
                launch is None
                or launch.id in invoiced
                or launch.status not in (LaunchStatus.LAUNCHED, LaunchStatus.ABORTED)
            ):
                continue
            issued_at = now - timedelta(days=age)
            invoice = await issue_launch_invoice(uow, launch=launch, origin=ORIGIN, now=issued_at)
            amount = invoice.amount if paid == "all" else Decimal(paid)
            if amount > 0 and invoice.outstanding > 0:
                apply_payment(
                    uow,
                    invoice,
                    amount=amount,
                    paid_at=issued_at + timedelta(days=10),
                    reference=f"wire-{invoice.number}",
                    source="manual",
                    origin=ORIGIN,
                )
            numbers[mission] = invoice.number
        await uow.commit()
    typer.echo(f"invoices: {len(numbers)} ({', '.join(sorted(numbers.values())) or 'already present'})")
    return numbers
