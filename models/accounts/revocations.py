"""The durable side of token revocation: one row per revocation key (`revoked:{jti}`,
`revoked-session:{sid}`, or any other kind auth/revocation.py defines), kept until the tokens it kills
would have expired anyway. A row is written and announced (NOTIFY on the signals channel) in one statement,
so every instance's in-process mirror (auth/revocation.py RevocationMirror) learns it at commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlmodel import Field, SQLModel

from models.base import time_field
from models.store.db import Database
from models.store.signals import CHANNEL, revocation_message, unrevocation_message


class Revocation(SQLModel, table=True):
    __tablename__ = "revocations"

    key: str = Field(primary_key=True, max_length=200)
    expires_at: datetime = time_field(nullable=False, index=True)


# Upsert the key (a later expiry wins), drop long-expired rows on the way, and announce the key: the NOTIFY
# is sent when this statement's implicit transaction commits, never for a revocation that did not land.
ADD = text(
    """
    WITH pruned AS (DELETE FROM revocations WHERE expires_at < now() - interval '1 hour'),
    added AS (
        INSERT INTO revocations (key, expires_at) VALUES (:key, :expires_at)
        ON CONFLICT (key) DO UPDATE SET expires_at = greatest(revocations.expires_at, excluded.expires_at)
        RETURNING key
    )
    SELECT pg_notify(:channel, :message) FROM added
    """
)
REMOVE = text(
    "WITH removed AS (DELETE FROM revocations WHERE key = :key RETURNING key) "
    "SELECT pg_notify(:channel, :message) FROM removed"
)
ANY_OF = text("SELECT count(*) FROM revocations WHERE key IN :keys AND expires_at > now()").bindparams(
    bindparam("keys", expanding=True)
)
LIVE = text("SELECT key, extract(epoch FROM expires_at)::bigint FROM revocations WHERE expires_at > now()")


class DurableRevocations:
    """auth.revocation.DurableStore over PostgreSQL."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, key: str, expires_at: int) -> None:
        moment = datetime.fromtimestamp(expires_at, UTC)
        async with self._db.statement() as session:
            params = {"key": key, "expires_at": moment, "channel": CHANNEL}
            await session.execute(ADD, {**params, "message": revocation_message(key, expires_at)})

    async def remove(self, key: str) -> None:
        async with self._db.statement() as session:
            await session.execute(REMOVE, {"key": key, "channel": CHANNEL, "message": unrevocation_message(key)})

    async def any_of(self, keys: list[str]) -> bool:
        async with self._db.read() as session:
            return bool((await session.execute(ANY_OF, {"keys": keys})).scalar_one())

    async def live(self) -> dict[str, int]:
        async with self._db.read() as session:
            return {key: int(until) for key, until in (await session.execute(LIVE)).all()}
