"""SQL statements per operation (in-process, counted at the SQLAlchemy engine) and start-up time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

from graph.app import create_app
from graph.settings import Settings
from tests.bench import dataset, procs, setup_db
from tests.bench import scenarios as s

STARTUP_DIR = procs.ROOT / ".astro" / "bench-startup"
STARTUP_PORT = 8105


async def _count(app: Any, client: httpx.AsyncClient, request: dict[str, Any]) -> int:
    engine = app.state.services.db.engine.sync_engine
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = await client.request(**request)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if response.status_code != 200 or b'"errors"' in response.content:
        return -1
    return len(seen)


def _post(document: str, variables: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    return {"method": "POST", "url": "/graphql", "content": s.post_body(document, variables), "headers": headers}


async def _counts(env: dict[str, str]) -> dict[str, int]:
    saved = dict(os.environ)
    os.environ.update({**env, "ASTRO_CACHE_NAMESPACE": env["ASTRO_CACHE_NAMESPACE"] + "-count"})
    try:
        settings = Settings()  # read exactly as the server reads its environment
    finally:
        os.environ.clear()
        os.environ.update(saved)
    agency = setup_db.service_token(dataset.agency_user_id(0), "agency")
    app = create_app(settings)
    results: dict[str, int] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for rows in (10, 50):
                results[f"catalogue first {rows}"] = await _count(app, client, _post(s.CATALOGUE, {"first": rows}))
            for rows in (5, 20):
                request = _post(s.AGENCY_LAUNCHES, {"first": rows}, agency)
                results[f"agency launches first {rows} (+ bookings, travelers)"] = await _count(app, client, request)
    return results


def sql_counts(env: dict[str, str]) -> dict[str, int]:
    return asyncio.run(_counts(env))


def _clean_env() -> dict[str, str]:
    drop = ("DATABASE_URL", "MONGODB_URL", "REDIS_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("ASTRO_")}
    return {**env, "ASTRO_DATA_DIR": str(STARTUP_DIR), "ASTRO_PORT": str(STARTUP_PORT)}


def _first_query(deadline_s: float, proc: subprocess.Popen[bytes]) -> float:
    """Seconds from start until a catalogue query (PostgreSQL behind it) answers with data."""
    started = time.perf_counter()
    body = s.post_body(s.CATALOGUE, {"first": 1})
    while time.perf_counter() - started < deadline_s:
        if proc.poll() is not None:
            raise RuntimeError(f"scripts/run exited with {proc.returncode}")
        try:
            response = httpx.post(
                f"http://127.0.0.1:{STARTUP_PORT}/graphql",
                content=body,
                headers={"content-type": "application/json"},
                timeout=2,
            )
            if response.status_code == 200 and b'"errors"' not in response.content:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError("scripts/run did not answer")


def _time_run(name: str) -> float:
    log = (procs.LOGS / f"{name}.log").open("wb")
    proc = subprocess.Popen(
        [str(procs.ROOT / "scripts" / "run")],
        cwd=procs.ROOT,
        env=_clean_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        return _first_query(300, proc)
    finally:
        procs.stop(proc, timeout=60)


def startup() -> dict[str, Any]:
    """`scripts/run` on embedded stores, warm install: the first start ever (initdb, migrate, seed) is
    recorded separately when this machine had none yet; the figure is the second, warm, start."""
    result: dict[str, Any] = {}
    if not Path(STARTUP_DIR / "postgres").exists():
        result["cold_s"] = _time_run("startup-cold")
    result["warm_s"] = _time_run("startup-warm")
    return result
