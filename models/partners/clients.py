"""Third-party (partner) clients: machine clients authenticating with OAuth 2.0 client credentials."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import Column, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from models.base import created_field, id_field, time_field

# Scopes a partner client may hold, with what they allow. Domains add theirs here and gate their fields
# with graph.edge.permissions.HasScope.
PARTNER_SCOPES: dict[str, str] = {
    "catalogue:read": "Browse the public launch catalogue.",
}


class PartnerClient(SQLModel, table=True):
    """A partner's machine client. The secret is shown once and stored as salted SHA-256: it is 256 random
    bits, so a slow password hash would add latency without adding strength."""

    __tablename__ = "partner_clients"

    id: str = id_field()
    name: str = Field(max_length=100, unique=True, index=True)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    manifest: str = Field(max_length=100)  # the persisted-operation manifest it may run
    secret_salt: str = Field(default="", max_length=64)  # set by set_secret
    secret_hash: str = Field(default="", max_length=64)
    created_by: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_field()
    secret_rotated_at: datetime = created_field()
    revoked_at: datetime | None = time_field(default=None, nullable=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def set_secret(self, secret: str) -> None:
        self.secret_salt = secrets.token_hex(16)
        self.secret_hash = hash_secret(self.secret_salt, secret)

    def check_secret(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_secret(self.secret_salt, secret))


def hash_secret(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in PARTNER_SCOPES]


async def find_client(session: AsyncSession, client_id: str) -> PartnerClient | None:
    return await session.get(PartnerClient, client_id)


async def find_client_by_name(session: AsyncSession, name: str) -> PartnerClient | None:
    result = await session.execute(select(PartnerClient).where(PartnerClient.name == name))  # type: ignore[arg-type]
    return result.scalar_one_or_none()


async def list_clients(session: AsyncSession, *, include_revoked: bool) -> list[PartnerClient]:
    query: Any = select(PartnerClient).order_by(PartnerClient.created_at)  # type: ignore[arg-type]
    if not include_revoked:
        query = query.where(PartnerClient.revoked_at.is_(None))  # type: ignore[union-attr]
    return list((await session.execute(query)).scalars())
