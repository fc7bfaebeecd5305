"""Reading what the relay did: outbox rows in order, the system log entries, and waiting with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from models.monitoring.logs import LogEntry
from models.store import mongo
from models.sync.outbox import OutboxEvent


async def outbox(services: Any) -> list[OutboxEvent]:
    async with services.db.read() as session:
        rows = await session.execute(select(OutboxEvent).order_by(OutboxEvent.seq))  # type: ignore[arg-type]
        return list(rows.scalars().all())


async def log_entries(services: Any) -> list[LogEntry]:
    return await mongo.run_sync(lambda: list(LogEntry.objects.order_by("at")))


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float = 10.0, step: float = 0.05) -> None:
    """Poll `check` until it holds; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(step)
