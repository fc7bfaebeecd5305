"""Payments against invoices: partial payments, overpayment refused (also racing), the signed webhook."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import func, select

from auth.principal import Principal, Role
from models.finance.tables import Invoice, InvoicePayment
from models.launches.tables import LaunchStatus
from models.sync.outbox import OutboxEvent
from resolvers.finance.payments import record_invoice_payment
from tests.support.builders import ORIGIN, fetch, make_launch, make_user, now
from tests.support.finance import make_agency_user, make_invoice, signed_call
from tests.support.graphql import error_codes

RECORD = """
mutation($id: ID!, $amount: Decimal!, $reference: String!) {
  recordInvoicePayment(invoiceId: $id, amount: $amount, reference: $reference) {
    __typename
    ... on InvoicePaymentRecorded { invoice { status amountPaid outstanding agencyName } payment { amount source } }
    ... on PaymentExceedsBalance { outstanding }
  }
}"""


async def an_invoice(services, amount="100.00"):
    seller = await make_agency_user(services)
    launch = await make_launch(services, seller.rocket, status=LaunchStatus.ABORTED)
    return await make_invoice(services, launch, number="INV-2026-00001", amount=amount, issued_at=now())


async def written(services):
    payments = await fetch(services, select(func.count()).select_from(InvoicePayment))
    events = await fetch(services, select(func.count()).select_from(OutboxEvent))
    return payments[0], events[0]


async def test_partial_payments_then_paid_and_overpayment_refused(services, gql):
    invoice = await an_invoice(services)
    _, token = await make_user(services, "financial")
    steps = [
        ("30.00", "InvoicePaymentRecorded", "PARTIALLY_PAID", "70.00"),
        ("70.01", "PaymentExceedsBalance", None, "70.00"),
        ("70.00", "InvoicePaymentRecorded", "PAID", "0.00"),
        ("0.01", "PaymentExceedsBalance", None, "0.00"),
    ]
    for amount, typename, status, outstanding in steps:
        body = await gql(RECORD, {"id": invoice.id, "amount": amount, "reference": "wire-1"}, token=token)
        result = body["data"]["recordInvoicePayment"]
        assert result["__typename"] == typename, body
        if status:
            assert (result["invoice"]["status"], result["invoice"]["outstanding"]) == (status, outstanding)
            assert result["payment"]["source"] == "manual"
        else:
            assert result["outstanding"] == outstanding
    (row,) = await fetch(services, select(Invoice))
    assert (row.amount_paid, row.status, row.paid_at is not None) == (Decimal("100.00"), "paid", True)


async def test_only_financial_staff_record_payments(services, gql, cast):
    invoice = await an_invoice(services)
    for who, code in (
        ("agency", "FORBIDDEN"),
        ("traveler", "FORBIDDEN"),
        ("it", "FORBIDDEN"),
        ("visitor", "UNAUTHENTICATED"),
    ):
        body = await gql(RECORD, {"id": invoice.id, "amount": "1.00", "reference": "x"}, token=cast.tokens[who])
        assert error_codes(body) == [code], who
    body = await gql(RECORD, {"id": invoice.id, "amount": "-1.00", "reference": "x"}, token=cast.tokens["financial"])
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_two_racing_payments_that_together_overpay_one_is_refused(services):
    invoice = await an_invoice(services)
    user, _ = await make_user(services, "financial")
    call = services.bundle(Principal(id=user.id, role=Role.FINANCIAL), ORIGIN)
    outcomes = await asyncio.gather(
        *(
            record_invoice_payment(call, invoice_id=invoice.id, amount=Decimal("60.00"), reference=f"r{i}")
            for i in range(2)
        ),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["PaymentExceedsBalance", "PaymentRecorded"]
    (row,) = await fetch(services, select(Invoice))
    assert row.amount_paid == Decimal("60.00")


def payload(invoice, event_id="evt_1", amount="40.00"):
    return {
        "eventId": event_id,
        "type": "payment.succeeded",
        "invoiceNumber": invoice.number,
        "amount": amount,
        "reference": "ch_123",
    }


async def test_a_signed_webhook_is_applied_once_when_sent_three_times(services, http, settings):
    invoice = await an_invoice(services)
    body, headers = signed_call(settings.webhook_secret, payload(invoice), int(now().timestamp()))
    answers = []
    for _ in range(2):
        response = await http.post("/webhooks/payments", content=body, headers=headers)
        answers.append((response.status_code, response.json()["status"]))
    concurrent = await asyncio.gather(
        *(http.post("/webhooks/payments", content=body, headers=headers) for _ in range(3))
    )
    answers += [(r.status_code, r.json()["status"]) for r in concurrent]
    assert answers == [(200, "applied")] + [(200, "duplicate")] * 4
    (row,) = await fetch(services, select(Invoice))
    assert (row.amount_paid, row.status) == (Decimal("40.00"), "partially_paid")
    (payment,) = await fetch(services, select(InvoicePayment))
    assert (payment.source, payment.gateway_event_id) == ("gateway", "evt_1")


async def test_bad_webhooks_are_400_and_write_nothing(services, http, settings):
    invoice = await an_invoice(services)
    secret, stamp = settings.webhook_secret, int(now().timestamp())
    good, _ = signed_call(secret, payload(invoice), stamp)
    before = await written(services)
    calls = [
        signed_call("not-the-shared-secret-at-all", payload(invoice), stamp),  # bad signature
        signed_call(secret, payload(invoice), stamp - 301),  # stale timestamp
        signed_call(secret, payload(invoice), stamp + 360),  # from the future (a margin for a slow run)
        signed_call(secret, b"{not json", stamp),  # malformed body, well signed
        signed_call(secret, payload(invoice, amount="-5"), stamp),  # a negative amount
        (good, {"X-Astro-Timestamp": str(stamp)}),  # no signature
    ]
    tampered = signed_call(secret, payload(invoice), stamp)[1]
    calls.append((good.replace(b"40.00", b"99.00"), tampered))  # body changed after signing
    for body, headers in calls:
        response = await http.post("/webhooks/payments", content=body, headers=headers)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await written(services) == before


async def test_a_signed_webhook_that_overpays_or_names_no_invoice_writes_nothing(services, http, settings):
    invoice = await an_invoice(services)
    stamp = int(now().timestamp())
    before = await written(services)
    body, headers = signed_call(settings.webhook_secret, payload(invoice, amount="100.01"), stamp)
    assert (await http.post("/webhooks/payments", content=body, headers=headers)).status_code == 409
    unknown = {**payload(invoice), "invoiceNumber": "INV-1999-99999"}
    body, headers = signed_call(settings.webhook_secret, unknown, stamp)
    assert (await http.post("/webhooks/payments", content=body, headers=headers)).status_code == 422
    assert await written(services) == before
