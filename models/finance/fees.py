"""The platform's fee rules: pure functions, tested without a database.

Rounding: a fee is the net revenue times the rate, rounded to the cent half up (0.005 -> 0.01), the
commercial rule every invoice of the platform uses (models.base.money)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from models.base import money

NEW_AGENCY_RATE = Decimal("0.01")
RELIABLE_AGENCY_RATE = Decimal("0.008")
RELIABLE_AFTER_LAUNCHES = 2  # earlier `launched` launches that make an agency reliable
ABORT_FEE = Decimal("1000.00")
PAYMENT_TERM = timedelta(days=30)
REMINDER_INTERVAL = timedelta(days=7)


def is_reliable(earlier_launched: int) -> bool:
    return earlier_launched >= RELIABLE_AFTER_LAUNCHES


def fee_rate(earlier_launched: int) -> Decimal:
    return RELIABLE_AGENCY_RATE if is_reliable(earlier_launched) else NEW_AGENCY_RATE


def platform_fee(net_revenue: Decimal, rate: Decimal) -> Decimal:
    """The fee on a launch's net revenue (payments kept after refunds), never negative."""
    return money(max(net_revenue, Decimal(0)) * rate)


def invoice_number(year: int, sequence: int) -> str:
    return f"INV-{year:04d}-{sequence:05d}"


def due_at(issued_at: datetime) -> datetime:
    return issued_at + PAYMENT_TERM


def reminder_due(last_reminder_at: datetime | None, now: datetime) -> bool:
    """An overdue invoice reminds its agency at most once every 7 days."""
    return last_reminder_at is None or now - last_reminder_at >= REMINDER_INTERVAL


def period_bounds(year: int, *, month: int | None = None, quarter: int | None = None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of a year, a quarter (1-4) or a month (1-12) of it."""
    if month is not None and quarter is not None:
        raise ValueError("give a month or a quarter, not both")
    if not 1 <= year <= 9998:
        raise ValueError("year must be 1 to 9998")
    if month is not None:
        if not 1 <= month <= 12:
            raise ValueError("month must be 1 to 12")
        first, months = month, 1
    elif quarter is not None:
        if not 1 <= quarter <= 4:
            raise ValueError("quarter must be 1 to 4")
        first, months = 3 * quarter - 2, 3
    else:
        first, months = 1, 12
    start = date(year, first, 1)
    end_month = first + months
    end = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return _utc(start), _utc(end)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
