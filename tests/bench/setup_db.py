"""The benchmark database: created afresh, migrated to head, loaded, grown, and the tokens to reach it."""

from __future__ import annotations

import time

import asyncpg
from joserfc import jwt
from joserfc.jwk import OctKey

from auth.tokens import TokenService
from graph.settings import Settings
from models.store.migrate import upgrade_async
from tests.bench import dataset
from tests.bench.procs import BENCH

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DB_NAME = "astro_bench"
DSN = f"{PG_SERVER}/{DB_NAME}"
PGL_JWT_SECRET = "astro-bench-postgraphile-hs256-secret"  # noqa: S105 - a local benchmark peer's key


def dsn(name: str = DB_NAME) -> str:
    return f"{PG_SERVER}/{name}"


async def recreate(name: str = DB_NAME) -> None:
    """Drop and create database `name` (the benchmark's own by default), migrate it, load the base rows."""
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await upgrade_async(dsn(name))
    conn = await asyncpg.connect(dsn(name))
    try:
        await conn.execute((BENCH / "pgl.sql").read_text())
        await dataset.create_base(conn)
    finally:
        await conn.close()


async def grow(start: int, end: int, name: str = DB_NAME) -> float:
    """Add launches [start, end); return the seconds it took (generate_series, then ANALYZE)."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn(name))
    try:
        await dataset.add_launches(conn, start, end)
    finally:
        await conn.close()
    return time.perf_counter() - started


async def add_booking_targets() -> list[str]:
    conn = await asyncpg.connect(DSN)
    try:
        return await dataset.add_booking_targets(conn)
    finally:
        await conn.close()


async def add_hot_target() -> str:
    conn = await asyncpg.connect(DSN)
    try:
        return await dataset.add_hot_target(conn)
    finally:
        await conn.close()


async def deep_page_anchor() -> tuple[str, object]:
    """(id, launch_at) of the bookable launch 21st from the end of the date order: `after` it is the last page."""
    conn = await asyncpg.connect(DSN)
    try:
        row = await conn.fetchrow(
            """SELECT id, launch_at FROM launches
               WHERE status IN ('scheduled', 'confirmed', 'delayed') AND launch_at > now()
               ORDER BY launch_at DESC, id DESC OFFSET 20 LIMIT 1"""
        )
    finally:
        await conn.close()
    return row["id"], row["launch_at"]


def token_service() -> TokenService:
    """The same keys as the server (both read the same environment)."""
    settings = Settings()
    return TokenService(
        settings.jwt_keys,
        settings.jwt_active_kid,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=3600,
    )


def service_token(user_id: str, role: str) -> str:
    return token_service().issue(user_id, role, extra={"email_verified": True})


def postgraphile_token(user_id: str) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "aud": "postgraphile", "iat": now, "exp": now + 3600}
    return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(PGL_JWT_SECRET))
