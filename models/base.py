"""Column helpers shared by the SQLModel tables: ids, UTC timestamps, money."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric
from sqlmodel import Field

from models.ids import new_id

CENTS = Decimal("0.01")


def utcnow() -> datetime:
    return datetime.now(UTC)


def money(value: Decimal | int | str) -> Decimal:
    """Exact USD amount with two places, rounding half up."""
    return Decimal(value).quantize(CENTS, rounding=ROUND_HALF_UP)


def id_field(**kwargs: Any) -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=36, **kwargs)


def time_field(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)  # type: ignore[call-overload]


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)  # type: ignore[call-overload]


def money_field(**kwargs: Any) -> Any:
    return Field(sa_type=Numeric(12, 2), **kwargs)  # type: ignore[call-overload]
