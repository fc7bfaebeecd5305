"""Pure finance rules: fee rate and rounding, invoice numbers, periods, reminders, status, webhook checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from models.finance import fees, webhook
from models.finance.errors import WebhookRefused
from models.finance.tables import Invoice, InvoiceStatus

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SECRET = "a-webhook-secret-for-tests"


@pytest.mark.parametrize(("earlier", "rate"), [(0, "0.01"), (1, "0.01"), (2, "0.008"), (5, "0.008")])
def test_the_rate_drops_to_0_8_percent_at_exactly_two_earlier_launches(earlier, rate):
    assert fees.fee_rate(earlier) == Decimal(rate)
    assert fees.is_reliable(earlier) == (earlier >= 2)


@pytest.mark.parametrize(
    ("revenue", "rate", "fee"),
    [
        ("0.50", "0.01", "0.01"),  # 0.005: half a cent rounds up
        ("2.50", "0.01", "0.03"),  # 0.025: up, not to the even cent
        ("0.49", "0.01", "0.00"),  # 0.0049
        ("0.63", "0.008", "0.01"),  # 0.00504
        ("0.62", "0.008", "0.00"),  # 0.00496
        ("1234.56", "0.008", "9.88"),  # 9.87648
        ("3826.95", "0.01", "38.27"),  # 38.2695
        ("0.00", "0.01", "0.00"),
        ("-5.00", "0.01", "0.00"),  # never a negative fee
    ],
)
def test_fee_rounds_half_up_to_the_cent(revenue, rate, fee):
    assert fees.platform_fee(Decimal(revenue), Decimal(rate)) == Decimal(fee)


def test_invoice_numbers_and_due_date():
    assert fees.invoice_number(2026, 7) == "INV-2026-00007"
    assert fees.due_at(NOW) == NOW + timedelta(days=30)


def test_period_bounds():
    assert fees.period_bounds(2026) == (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert fees.period_bounds(2026, quarter=4) == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert fees.period_bounds(2026, month=2) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    for bad in ({"month": 13}, {"quarter": 0}, {"month": 1, "quarter": 1}):
        with pytest.raises(ValueError):
            fees.period_bounds(2026, **bad)


def test_reminders_are_weekly():
    assert fees.reminder_due(None, NOW)
    assert not fees.reminder_due(NOW - timedelta(days=6, hours=23), NOW)
    assert fees.reminder_due(NOW - timedelta(days=7), NOW)


def test_overdue_is_derived_from_the_due_date():
    invoice = Invoice(number="INV-2026-00001", agency_id="a", launch_id="l", kind="abort_fee", amount=Decimal("100.00"))
    invoice.amount_paid, invoice.issued_at, invoice.due_at = Decimal("0.00"), NOW, fees.due_at(NOW)
    invoice.status = InvoiceStatus.PENDING
    assert invoice.status_at(NOW) == InvoiceStatus.PENDING
    assert invoice.status_at(NOW + timedelta(days=31)) == InvoiceStatus.OVERDUE
    invoice.apply_payment(Decimal("40.00"), NOW)
    assert invoice.status_at(NOW) == InvoiceStatus.PARTIALLY_PAID
    invoice.apply_payment(Decimal("60.00"), NOW)
    assert invoice.status_at(NOW + timedelta(days=31)) == InvoiceStatus.PAID


def test_webhook_signature_checks():
    body = b'{"x": 1}'
    ts = str(int(NOW.timestamp()))
    good = webhook.sign(SECRET, ts, body)
    webhook.verify(SECRET, timestamp=ts, signature=good, body=body, now=NOW, tolerance=300)
    cases = [
        {"timestamp": ts, "signature": webhook.sign("another-secret-entirely", ts, body)},
        {"timestamp": ts, "signature": good[:-1] + ("0" if good[-1] != "0" else "1")},
        {"timestamp": str(int(NOW.timestamp()) - 301), "signature": None},
        {"timestamp": None, "signature": good},
        {"timestamp": "12a", "signature": good},
    ]
    for case in cases:
        signature = case["signature"] or webhook.sign(SECRET, case["timestamp"], body)
        with pytest.raises(WebhookRefused):
            webhook.verify(SECRET, timestamp=case["timestamp"], signature=signature, body=body, now=NOW, tolerance=300)
    with pytest.raises(WebhookRefused):  # the body is signed: changing it breaks the signature
        webhook.verify(SECRET, timestamp=ts, signature=good, body=b'{"x": 2}', now=NOW, tolerance=300)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"type": "payment.succeeded"}',
        b'{"type": "refund", "eventId": "e", "invoiceNumber": "n", "amount": "1", "reference": "r"}',
        b'{"type": "payment.succeeded", "eventId": "e", "invoiceNumber": "n", "amount": "abc", "reference": "r"}',
    ],
)
def test_malformed_payloads_are_refused(body):
    with pytest.raises(WebhookRefused):
        webhook.parse(body)
