"""Who is calling: set once per request by the authentication middleware."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    TRAVELER = "traveler"
    AGENCY = "agency"
    FINANCIAL = "financial"
    IT = "it"
    CLIENT = "client"  # a partner's machine client (OAuth 2.0 client credentials)


@dataclass(frozen=True)
class Principal:
    id: str
    role: Role
    email_confirmed: bool = False
    token_id: str | None = None
    expires_at: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    session_id: str | None = None  # the refresh-token family this access token was issued in

    @property
    def is_employee(self) -> bool:
        return self.role in (Role.FINANCIAL, Role.IT)
