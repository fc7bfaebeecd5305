"""Worker heartbeats: each worker process (resolvers/sync/worker.py) upserts its row every
`worker_heartbeat_seconds`; health lists the workers seen with their last heartbeat and calls a worker whose
beat is older than three periods stale. A worker that stops cleanly deletes its row."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from models.base import created_field, time_field

SEEN_FOR = timedelta(hours=24)  # rows older than this are forgotten (a worker that died long ago)


class WorkerHeartbeat(SQLModel, table=True):
    __tablename__ = "workers"

    id: str = Field(primary_key=True, max_length=120)  # host:pid:suffix (Worker.id)
    host: str = Field(max_length=100)
    pid: int
    started_at: datetime = created_field()
    last_seen_at: datetime = time_field(nullable=False)
    relay_active: bool = False  # holds the relay lock (delivers the outbox)


async def beat(
    session: AsyncSession, worker_id: str, *, host: str, pid: int, now: datetime, relay_active: bool
) -> None:
    """Record one heartbeat (one statement; the caller commits)."""
    row = {"id": worker_id, "host": host, "pid": pid, "started_at": now, "last_seen_at": now}
    statement = insert(WorkerHeartbeat).values(**row, relay_active=relay_active)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={"last_seen_at": now, "relay_active": relay_active}
    )
    await session.execute(statement)
    await session.execute(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.last_seen_at) < now - SEEN_FOR))


async def forget(session: AsyncSession, worker_id: str) -> None:
    await session.execute(delete(WorkerHeartbeat).where(col(WorkerHeartbeat.id) == worker_id))


async def seen(session: AsyncSession) -> list[WorkerHeartbeat]:
    """Every worker seen in the last SEEN_FOR, the most recently seen first."""
    rows = await session.execute(select(WorkerHeartbeat).order_by(col(WorkerHeartbeat.last_seen_at).desc()))
    return list(rows.scalars().all())
