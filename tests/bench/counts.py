"""SQL statements per operation (in-process, counted at the SQLAlchemy engine) and start-up time."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx

from graph.app import create_app
from graph.settings import Settings
from tests.bench import dataset, procs, setup_db
from tests.bench import scenarios as s
from tests.support.sql import sql_statements

BOOK = (
    "mutation Book($launchId: ID!, $passengers: [PassengerInput!]!, $paymentToken: String!, $key: String) "
    "{ bookSeats(launchId: $launchId, passengers: $passengers, paymentToken: $paymentToken, "
    "idempotencyKey: $key) { __typename ... on BookSeatsSuccess { booking { id } } } }"
)
STARTUP_DIR = procs.ROOT / ".astro" / "bench-startup"
STARTUP_PORT = 8105
PGL_EXPLAIN_PORT = 8104


async def _count(app: Any, client: httpx.AsyncClient, request: dict[str, Any], expect: bytes = b"") -> int:
    with sql_statements(app.state.services) as seen:
        response = await client.request(**request)
    if response.status_code != 200 or b'"errors"' in response.content or expect not in response.content:
        return -1  # shown as such: a count of a failed operation means nothing
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
            for seats in (1, 4):
                results[f"bookSeats, {seats} passenger(s)"] = await _count(
                    app, client, await _booking(seats), b"BookSeatsSuccess"
                )
    results.update(await _cache_hit(settings))
    return results


async def _booking(seats: int) -> dict[str, Any]:
    """A bookSeats request for a traveler who holds nothing on the target launch yet."""
    launch = (await setup_db.add_booking_targets())[-1]
    traveler = dataset.TRAVELERS - (1 if seats == 1 else 2)  # the load generator uses 0 .. TRAVELERS - 4
    token = setup_db.service_token(dataset.traveler_user_id(traveler), "traveler")
    passengers = [{"name": f"Count {i}", "birthDate": "1990-05-17"} for i in range(seats)]
    key = f"count-{seats}-{time.time_ns()}"  # as the load generator sends: the idempotency lookup runs too
    variables = {"launchId": launch, "passengers": passengers, "paymentToken": "tok_success", "key": key}
    return _post(BOOK, variables, token)


async def _cache_hit(settings: Settings) -> dict[str, int]:
    app = create_app(settings.model_copy(update={"bench_response_cache": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            request = _post(s.CATALOGUE, {"first": 20})
            await client.request(**request)  # fills the cache
            return {"catalogue first 20, cache hit": await _count(app, client, request)}


def sql_counts(env: dict[str, str]) -> dict[str, int]:
    # No in-process worker: its relay's polling would be counted as the operation's statements.
    return asyncio.run(_counts({**env, "ASTRO_RUN_WORKER": "false"}))


def postgraphile_counts() -> dict[str, int]:
    """PostGraphile's own account of its SQL (grafast `explain`), from a one-worker instance started for it."""
    env = {"DATABASE_URL": setup_db.DSN, "PGL_JWT_SECRET": setup_db.PGL_JWT_SECRET, "PGL_EXPLAIN": "1"}
    token = setup_db.postgraphile_token(dataset.agency_user_id(0))
    operations = {
        "catalogue first 10": (s.PGL_CATALOGUE, {"first": 10}, None),
        "catalogue first 50": (s.PGL_CATALOGUE, {"first": 50}, None),
        "agency launches first 5 (+ bookings, travelers)": (s.PGL_AGENCY_LAUNCHES, {"first": 5}, token),
        "agency launches first 20 (+ bookings, travelers)": (s.PGL_AGENCY_LAUNCHES, {"first": 20}, token),
    }
    counts: dict[str, int] = {}
    with procs.postgraphile(PGL_EXPLAIN_PORT, env, workers=1, name="postgraphile-explain"):
        for name, (document, variables, bearer) in operations.items():
            request = _post(document, variables, bearer)
            response = httpx.post(f"http://127.0.0.1:{PGL_EXPLAIN_PORT}/graphql", **_http(request))
            explained = response.json().get("extensions", {}).get("explain", {}).get("operations", [])
            counts[name] = sum(1 for operation in explained if operation.get("type") == "sql")
    return counts


def _http(request: dict[str, Any]) -> dict[str, Any]:
    return {"content": request["content"], "headers": request["headers"]}


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
    try:
        if not Path(STARTUP_DIR / "postgres").exists():
            result["cold_s"] = _time_run("startup-cold")
        result["warm_s"] = _time_run("startup-warm")
    except (RuntimeError, TimeoutError) as exc:  # recorded, not fatal: the other figures still count
        result["error"] = f"{type(exc).__name__}: {exc} (see .astro/bench-logs/startup-*.log)"
    return result
