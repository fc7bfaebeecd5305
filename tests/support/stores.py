"""Emptying the stores between tests: every PostgreSQL table, the test's MongoDB database."""

from __future__ import annotations

import asyncpg

from graph.settings import Settings
from models.tables import metadata

TRUNCATE = "TRUNCATE " + ", ".join(f'"{t.name}"' for t in reversed(metadata.sorted_tables)) + " CASCADE"


def admin_dsn(url: str) -> str:
    """The SQLAlchemy URL as asyncpg takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def truncate(settings: Settings, attempts: int = 5) -> None:
    """Empties every table. Servers running beside the tests (tests/gateway's fleet, whose workers keep
    reading) may deadlock with it; PostgreSQL then aborts one side, and this side tries again."""
    conn = await asyncpg.connect(admin_dsn(settings.database_url or ""))
    try:
        for attempt in range(attempts):
            try:
                await conn.execute(TRUNCATE)
                return
            except asyncpg.DeadlockDetectedError:
                if attempt == attempts - 1:
                    raise
    finally:
        await conn.close()


def drop_mongo_database() -> None:
    """Drop the connected MongoDB database (run it with `mongo.run_sync`)."""
    import mongoengine

    db = mongoengine.get_db()
    db.client.drop_database(db.name)
