"""One rule for every DateTime input: an ISO 8601 date-time with a time zone, representable in UTC.

A date-time without a time zone is ambiguous (whose noon?), so it is refused everywhere rather than read
as UTC by one mutation and compared as local time by another."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise StrawberryInputCoercionError(f'Value cannot represent a DateTime: "{value}".') from None
    if parsed.tzinfo is None:
        raise StrawberryInputCoercionError(
            f'DateTime "{value}" needs a time zone, e.g. "2030-06-01T12:00:00Z" (UTC recommended).'
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise StrawberryInputCoercionError(f'DateTime "{value}" is out of range.') from None


AWARE_DATETIME: ScalarDefinition = dataclasses.replace(
    DateTimeDefinition,
    description="Date with time (ISO 8601 with a time zone, e.g. 2030-06-01T12:00:00Z); returned in UTC.",
    parse_value=parse_datetime,
)
SCALAR_OVERRIDES: dict[object, Any] = {datetime: AWARE_DATETIME}
