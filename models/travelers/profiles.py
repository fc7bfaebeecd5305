"""Traveler profile rules: what a valid profile looks like, as a pure function over the submitted fields.

Formats (documented in the README):
- phone numbers: international E.164, `+` then 8 to 15 digits, first digit not 0; spaces, dots, dashes
  and parentheses are accepted and removed (`+34 600-123 456` is stored as `+34600123456`);
- tax id: ISO 3166-1 alpha-2 country code followed by 2 to 18 letters or digits, the way EU VAT numbers
  are written (`ES12345678Z`, `US123456789`); spaces, dots and dashes are removed, letters upper-cased;
- contact email: one `@`, a dot in the domain, at most 320 characters; stored lower-cased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from models.base import has_control
from models.errors import ValidationFailed

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
PHONE = re.compile(r"^\+[1-9]\d{7,14}$")
TAX_ID = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,18}$")
SEPARATORS = re.compile(r"[\s().-]")
LIMITS = {"name": 200, "contact_email": 320, "emergency_contact_name": 200, "travel_preferences": 2000}
REQUIRED = ("name", "contact_email", "phone")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class TravelerProfileInvalid(ValidationFailed):
    """Every problem of a submitted profile at once, so a form can mark all its bad fields."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems), field=problems[0].field)
        self.problems = problems


def clean_profile(values: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Normalize and validate profile fields (snake_case keys). `partial` (an update) checks only the
    fields given; a create needs the required ones. Raises TravelerProfileInvalid listing every problem."""
    cleaned = {name: _normalize(name, value) for name, value in values.items()}
    problems = [p for name in cleaned if (p := _problem(name, cleaned[name]))]
    problems += [
        FieldProblem(n, "is required") for n in REQUIRED if (n in cleaned or not partial) and not cleaned.get(n)
    ]
    if problems:
        raise TravelerProfileInvalid(sorted(set(problems), key=lambda p: p.field))
    return cleaned


def _normalize(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = value.strip()
    if name in ("phone", "emergency_contact_phone"):
        value = SEPARATORS.sub("", value)
    elif name == "tax_id":
        value = SEPARATORS.sub("", value).upper()
    elif name == "contact_email":
        value = value.lower()
    return value or None


def _problem(name: str, value: Any) -> FieldProblem | None:
    if value is None:
        return None
    if name in LIMITS and len(value) > LIMITS[name]:
        return FieldProblem(name, f"is longer than {LIMITS[name]} characters")
    if name in ("name", "emergency_contact_name") and has_control(value):
        return FieldProblem(name, "must not contain control characters")
    if name == "contact_email" and not EMAIL.match(value):
        return FieldProblem(name, "is not a valid email address")
    if name in ("phone", "emergency_contact_phone") and not PHONE.match(value):
        return FieldProblem(name, "must be an international number: + and 8 to 15 digits (E.164)")
    if name == "tax_id" and not TAX_ID.match(value):
        return FieldProblem(name, "must be a 2-letter country code and 2 to 18 letters or digits (ES12345678Z)")
    return None
