"""Column helpers shared by the SQLModel tables: ids, UTC timestamps, money, and the rules of stored text."""

from __future__ import annotations

import unicodedata
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


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (Unicode Cc: C0, DEL, C1, tabs and line breaks included). Names
    may not: they are printed on one line in mails, CSV reports and logs."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def storable(value: Any) -> Any:
    """A key read back from a client's cursor, as a statement can compare it: text without a NUL character, a
    date-time with a time zone that UTC can represent (returned in UTC). A cursor only ever carries such keys,
    so anything else was tampered with: ValueError."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text with a NUL character")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date-time without a time zone")
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("a date-time UTC cannot represent") from None
    return value
