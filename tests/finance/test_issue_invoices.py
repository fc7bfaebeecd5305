"""Invoices issued with the launch's status move and by hand: fee figures, one per launch, gapless numbers."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models.agencies.tables import MAX_CAPACITY
from models.bookings.rules import VIP_SEAT_LIMIT
from models.bookings.tables import BookingStatus
from models.finance.errors import InvoiceAlreadyIssued, LaunchNotInvoiceable
from models.finance.tables import Invoice, InvoiceCounter
from models.launches.tables import MAX_PRICE, LaunchStatus
from models.sync.outbox import OutboxEvent
from resolvers.finance.issue_invoice import issue_invoice, issue_launch_invoice
from resolvers.launches.move_launch import move_launch
from tests.support.builders import (
    ORIGIN,
    days,
    fetch,
    insert,
    make_booking,
    make_launch,
    make_rocket,
    make_traveler,
    make_user,
    now,
)
from tests.support.finance import make_agency_user
from tests.support.graphql import error_codes

pytestmark = pytest.mark.usefixtures("app")


async def financial(services):
    user, _ = await make_user(services, "financial")
    from auth.principal import Principal, Role

    return Principal(id=user.id, role=Role.FINANCIAL, email_confirmed=True)


async def sold_launch(services, seller, *, launch_at=None, status=LaunchStatus.CONFIRMED):
    """Price 1234.50: a confirmed 2-seat booking (2469.00 kept), one canceled with a 90 % refund
    (123.45 kept) and one canceled without refund (1234.50 kept): net revenue 3826.95."""
    launch = await make_launch(
        services, seller.rocket, price="1234.50", seats_sold=3, status=status, launch_at=launch_at or now() - days(1)
    )
    traveler = (await make_traveler(services)).traveler
    await make_booking(services, launch, traveler, seats=2)
    await make_booking(
        services, launch, traveler, status=BookingStatus.CANCELED, refunded="1111.05", seats_released=True
    )
    await make_booking(services, launch, traveler, status=BookingStatus.CANCELED)
    return launch


async def launched_before(services, seller, count):
    for _ in range(count):
        await make_launch(services, seller.rocket, status=LaunchStatus.LAUNCHED, launch_at=now() - days(60))


async def test_a_sold_out_launch_of_the_largest_rocket_at_the_highest_price_is_invoiced(services):
    """The largest sum the API lets a launch accumulate fits the invoice's money columns (numeric(12, 2))."""
    seller = await make_agency_user(services)
    rocket = await make_rocket(services, seller.agency, capacity=MAX_CAPACITY)
    launch = await make_launch(
        services, rocket, price=str(MAX_PRICE), seats_sold=MAX_CAPACITY, launch_at=now() - days(1), status="confirmed"
    )
    traveler = (await make_traveler(services)).traveler
    assert traveler is not None
    for seats in [VIP_SEAT_LIMIT] * (MAX_CAPACITY // VIP_SEAT_LIMIT) + [MAX_CAPACITY % VIP_SEAT_LIMIT]:
        await make_booking(services, launch, traveler, seats=seats)
    await move_launch(services.bundle(seller.principal, ORIGIN), launch_id=launch.id, target=LaunchStatus.LAUNCHED)
    assert (await invoice_of(services, launch.id)).net_revenue == MAX_PRICE * MAX_CAPACITY


async def invoice_of(services, launch_id):
    (invoice,) = await fetch(services, select(Invoice).where(Invoice.launch_id == launch_id))
    return invoice


@pytest.mark.parametrize(
    ("earlier", "fee", "rate"), [(0, "38.27", "0.0100"), (1, "38.27", "0.0100"), (2, "30.62", "0.0080")]
)
async def test_launching_invoices_the_fee_on_net_revenue(services, earlier, fee, rate):
    seller = await make_agency_user(services)
    await launched_before(services, seller, earlier)
    other = await make_agency_user(services, "Other Agency")  # another agency's launches never count
    await launched_before(services, other, 3)
    launch = await sold_launch(services, seller)
    moved_at = now()
    await move_launch(services.bundle(seller.principal, ORIGIN), launch_id=launch.id, target=LaunchStatus.LAUNCHED)
    invoice = await invoice_of(services, launch.id)
    assert invoice.net_revenue == Decimal("3826.95")
    assert (invoice.amount, invoice.fee_rate) == (Decimal(fee), Decimal(rate))
    assert invoice.kind == "platform_fee" and invoice.status == "pending"
    assert invoice.number == f"INV-{moved_at.year}-00001"
    assert invoice.due_at - invoice.issued_at == days(30)
    events = await fetch(services, select(OutboxEvent).where(OutboxEvent.event_type == "invoice_issued"))
    assert [(e.aggregate_id, e.payload["amount"], e.payload["agency_id"]) for e in events] == [
        (invoice.id, fee, seller.agency.id)
    ]


async def test_aborting_invoices_a_flat_1000(services):
    seller = await make_agency_user(services)
    launch = await sold_launch(services, seller, launch_at=now() + days(100), status=LaunchStatus.SCHEDULED)
    call = services.bundle(seller.principal, ORIGIN)
    await move_launch(call, launch_id=launch.id, target=LaunchStatus.ABORTED, reason="Engine anomaly")
    invoice = await invoice_of(services, launch.id)
    assert (invoice.kind, invoice.amount, invoice.net_revenue) == ("abort_fee", Decimal("1000.00"), None)


async def test_a_launch_without_revenue_gets_a_settled_zero_invoice(services):
    seller = await make_agency_user(services)
    launch = await make_launch(services, seller.rocket, status=LaunchStatus.CONFIRMED, launch_at=now() - days(1))
    await move_launch(services.bundle(seller.principal, ORIGIN), launch_id=launch.id, target=LaunchStatus.LAUNCHED)
    invoice = await invoice_of(services, launch.id)
    assert (invoice.amount, invoice.status) == (Decimal("0.00"), "paid")


async def test_manual_issue_and_refusals(services):
    staff = await financial(services)
    seller = await make_agency_user(services)
    launched = await sold_launch(services, seller, status=LaunchStatus.LAUNCHED)
    call = services.bundle(staff, ORIGIN)
    view = await issue_invoice(call, launch_id=launched.id)
    assert view.invoice.amount == Decimal("38.27") and view.mission_name == launched.mission_name
    with pytest.raises(InvoiceAlreadyIssued) as refused:
        await issue_invoice(call, launch_id=launched.id)
    assert refused.value.invoice_number == view.invoice.number
    scheduled = await make_launch(services, seller.rocket)
    with pytest.raises(LaunchNotInvoiceable):
        await issue_invoice(call, launch_id=scheduled.id)
    from models.errors import Forbidden

    with pytest.raises(Forbidden):
        await issue_invoice(services.bundle(seller.principal, ORIGIN), launch_id=launched.id)


async def test_the_database_refuses_a_second_invoice_for_a_launch(services):
    seller = await make_agency_user(services)
    launch = await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED)
    at = now()
    row = dict(agency_id=launch.agency_id, launch_id=launch.id, kind="abort_fee", amount=Decimal("1000.00"))
    await insert(services, Invoice(number="INV-1999-00001", issued_at=at, due_at=at, **row))
    with pytest.raises(IntegrityError):
        await insert(services, Invoice(number="INV-1999-00002", issued_at=at, due_at=at, **row))


async def test_fifty_concurrent_issues_take_consecutive_numbers(services):
    staff = await financial(services)
    seller = await make_agency_user(services)
    launches = [await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED) for _ in range(50)]
    call = services.bundle(staff, ORIGIN)
    views = await asyncio.gather(*(issue_invoice(call, launch_id=launch.id) for launch in launches))
    year = now().year
    assert sorted(view.invoice.number for view in views) == [f"INV-{year}-{n:05d}" for n in range(1, 51)]
    (counter,) = await fetch(services, select(InvoiceCounter))
    assert counter.last_number == 50


async def test_a_rolled_back_issue_leaves_no_gap(services):
    staff = await financial(services)
    seller = await make_agency_user(services)
    first, second = [await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED) for _ in range(2)]
    async with services.db.unit_of_work() as uow:  # issued, then the transaction fails: never committed
        launch = await uow.session.get(type(first), first.id)
        taken = await issue_launch_invoice(uow, launch=launch, origin=ORIGIN, now=now())
        assert taken.number.endswith("-00001")
    call = services.bundle(staff, ORIGIN)
    view = await issue_invoice(call, launch_id=second.id)
    assert view.invoice.number.endswith("-00001")
    again = await issue_invoice(call, launch_id=first.id)
    assert again.invoice.number.endswith("-00002")
    count = await fetch(services, select(func.count()).select_from(Invoice))
    assert count == [2]


ISSUE = """
mutation($id: ID!) {
  issueInvoice(launchId: $id) {
    __typename
    ... on InvoiceIssued { invoice { number kind amount status agencyName dueAt issuedAt } }
    ... on InvoiceAlreadyIssued { invoiceNumber }
    ... on LaunchNotInvoiceable { launchStatus }
  }
}"""


async def test_issue_invoice_over_graphql(services, gql, cast):
    seller = await make_agency_user(services)
    aborted = await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED)
    token = cast.tokens["financial"]
    first = (await gql(ISSUE, {"id": aborted.id}, token=token))["data"]["issueInvoice"]
    assert first["__typename"] == "InvoiceIssued"
    invoice = first["invoice"]
    assert (invoice["kind"], invoice["amount"], invoice["status"]) == ("ABORT_FEE", "1000.00", "PENDING")
    assert invoice["agencyName"] == "Alpha Launches"
    again = (await gql(ISSUE, {"id": aborted.id}, token=token))["data"]["issueInvoice"]
    assert again == {"__typename": "InvoiceAlreadyIssued", "invoiceNumber": invoice["number"]}
    scheduled = (await gql(ISSUE, {"id": cast.launch.id}, token=token))["data"]["issueInvoice"]
    assert scheduled == {"__typename": "LaunchNotInvoiceable", "launchStatus": "scheduled"}
    for who, code in (("agency", "FORBIDDEN"), ("it", "FORBIDDEN"), ("visitor", "UNAUTHENTICATED")):
        assert error_codes(await gql(ISSUE, {"id": aborted.id}, token=cast.tokens[who])) == [code], who
