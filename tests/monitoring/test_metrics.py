"""Prometheus metrics at /metrics: counts after known traffic (in one process, and across two processes
sharing a multiprocess folder as `astro serve --workers N` does), the store state read at scrape time, and
the token: required when set, and production refusing to start without one unless metrics are off."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from pydantic import ValidationError

from graph.settings import Settings
from models.monitoring.telemetry import FLUSH_SECONDS, LATENCY_BUCKETS, Tally
from models.store import mongo
from models.sync import jobs
from scripts.cli import metrics_folder
from tests.support.builders import make_launch
from tests.support.smtp import free_port
from tests.support.telemetry import samples, value

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = "query Catalogue { launches(first: 3) { edges { node { id missionName } } } }"
TOKEN = "metrics-token-of-the-tests"


async def scrape(http: httpx.AsyncClient, token: str | None = None) -> dict:
    response = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_requests_errors_and_cache_lookups_are_counted(http, gql, services):
    await make_launch(services)
    before = await scrape(http)
    for _ in range(3):  # one miss, then hits (the second from the fast lane, the third too)
        assert "errors" not in await gql(CATALOGUE)
    await gql("query Me { me { id } }")  # UNAUTHENTICATED
    await gql("mutation Nothing { nothing }")  # GRAPHQL_VALIDATION_FAILED: refused before execution
    after = await scrape(http)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("astro_graphql_requests_total", operation="Catalogue", type="query", outcome="ok") == 3
    assert delta("astro_graphql_request_duration_seconds_count", operation="Catalogue", type="query") == 3
    assert delta("astro_graphql_requests_total", operation="Me", type="query", outcome="error") == 1
    assert delta("astro_graphql_requests_total", operation="Nothing", type="mutation", outcome="error") == 1
    assert delta("astro_graphql_errors_total", code="UNAUTHENTICATED") == 1
    assert delta("astro_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert delta("astro_response_cache_lookups_total", result="miss") == 1
    assert delta("astro_response_cache_lookups_total", result="hit") == 2
    assert value(after, "astro_db_pool_connections_in_use") >= 0


async def test_store_state_is_read_at_scrape_time(http, services):
    await mongo.run_sync(jobs.start, "catalogue", requested_by=None, request_id=None)
    found = await scrape(http)
    assert value(found, "astro_sync_runs", kind="catalogue", status="queued") == 1
    assert value(found, "astro_outbox_lag_seconds") == 0
    assert ("astro_notifications", frozenset({("status", "pending")})) in found
    assert value(found, "astro_workers_live") == 0


async def test_the_token_is_required_when_set(edge):
    app = await edge(metrics_token=TOKEN)
    assert (await app.http.get("/metrics")).status_code == 401
    wrong = await app.http.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    assert (
        "astro_graphql_requests" in (await app.http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    )
    off = await edge(metrics=False)
    assert (await off.http.get("/metrics")).status_code == 404


def test_production_refuses_to_start_without_a_token_unless_metrics_are_off():
    production = {"environment": "production", "jwt_keys": {"k": "k" * 40}, "jwt_active_kid": "k"}
    production["smtp_url"] = "smtps://mail.example"
    with pytest.raises(ValidationError, match="ASTRO_METRICS_TOKEN"):
        Settings(**production)
    with pytest.raises(ValidationError, match="at least 16"):
        Settings(**production, metrics_token="short")
    assert Settings(**production, metrics_token=TOKEN).metrics_token == TOKEN
    assert not Settings(**production, metrics=False).metrics


def test_serve_gives_its_workers_one_emptied_metrics_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"left by an earlier run")
    with metrics_folder(Settings()):
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)
        assert not list(tmp_path.glob("*.db"))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    with metrics_folder(Settings()):
        own = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        assert own.is_dir()
    assert not own.exists()


def _serve(settings: Settings, port: int, folder: Path, log: BinaryIO) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRO_", "PYTEST"))}
    env |= {
        "DATABASE_URL": settings.database_url or "",
        "MONGODB_URL": settings.mongodb_url or "",
        "ASTRO_MONGODB_DB": settings.mongodb_db,
        "ASTRO_CACHE_NAMESPACE": settings.cache_namespace,
        "ASTRO_RUN_WORKER": "false",
        "ASTRO_LOG_FORMAT": "json",
        "ASTRO_METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    command = [sys.executable, "-m", "uvicorn", "graph.app:serve_app", "--factory", "--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180  # a busy 2-core machine imports slowly
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            httpx.get(url + "/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)  # polling a booting server
    raise AssertionError(log.read_text()[-3000:])


@pytest.mark.slow
async def test_two_processes_sharing_the_folder_report_as_one(app, settings, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    ports = [free_port(), free_port()]
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    outputs = [log.open("wb") for log in logs]
    processes = [_serve(settings, port, folder, out) for port, out in zip(ports, outputs, strict=True)]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait(url, process, log)
        async with httpx.AsyncClient(timeout=10) as client:
            for url, count in zip(urls, (3, 2), strict=True):
                for _ in range(count):
                    answer = await client.post(url + "/graphql", json={"query": "query Ping { __typename }"})
                    assert answer.status_code == 200
            refused = await client.post(urls[1] + "/graphql", json={"query": "query Who { me { id } }"})
            headers = {"Authorization": f"Bearer {TOKEN}"}
            # Each process writes its counts within FLUSH_SECONDS, and at once before answering a scrape.
            await asyncio.sleep(FLUSH_SECONDS + 0.5)
            seen = [samples((await client.get(url + "/metrics", headers=headers)).text) for url in urls]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for out in outputs:
            out.close()
    for found in seen:  # either process answers for both
        assert value(found, "astro_graphql_requests_total", operation="Ping", type="query", outcome="ok") == 5
        assert value(found, "astro_graphql_request_duration_seconds_count", operation="Ping", type="query") == 5
        assert value(found, "astro_graphql_requests_total", operation="Who", type="query", outcome="error") == 1
        assert value(found, "astro_graphql_errors_total", code="UNAUTHENTICATED") == 1
    # Their process logs are JSON lines carrying the request id the response gave.
    import orjson

    lines = [orjson.loads(line) for line in logs[1].read_text().splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    assert refused.headers["x-request-id"]


async def test_the_tally_writes_what_direct_updates_would_within_its_flush_interval():
    """Counts and observations kept by the tally reach the Prometheus values exactly as direct `inc` and
    `observe` calls would (bucket edges included), within FLUSH_SECONDS, without a scrape."""
    tally, direct, tallied = Tally(), CollectorRegistry(), CollectorRegistry()

    def read(registry: CollectorRegistry) -> dict:
        return {key: v for key, v in samples(generate_latest(registry).decode()).items() if "_created" not in key[0]}

    def instruments(registry: CollectorRegistry) -> tuple[Counter, Histogram, Gauge]:
        return (
            Counter("t_requests", "requests", ["operation"], registry=registry),
            Histogram("t_seconds", "latency", ["operation"], buckets=LATENCY_BUCKETS, registry=registry),
            Gauge("t_in_use", "in use", registry=registry),
        )

    (count, latency, _), (t_count, t_latency, t_gauge) = instruments(direct), instruments(tallied)
    observations = [0.0, 0.001, 0.002, 0.0021, 0.005, 0.2, 0.25, 9.9, 10.0, 10.5, 123.0] + list(LATENCY_BUCKETS)
    for index, seconds in enumerate(observations):
        operation = "A" if index % 3 else "B"
        count.labels(operation).inc()
        latency.labels(operation).observe(seconds)
        tally.inc(t_count.labels(operation))
        tally.observe(t_latency.labels(operation), seconds)
    in_use = [3.0]
    tally.sample(t_gauge, lambda: in_use[0])
    assert value(read(tallied), "t_requests_total", operation="A") == 0  # not yet
    await asyncio.sleep(FLUSH_SECONDS + 0.2)
    found = read(tallied)
    assert value(found, "t_in_use") == 3.0
    expected = read(direct)
    del found[("t_in_use", frozenset())], expected[("t_in_use", frozenset())]
    assert found == expected
    in_use[0] = 1.0
    tally.inc(t_count.labels("A"), 2)
    tally.flush()
    found = read(tallied)
    assert value(found, "t_in_use") == 1.0
    assert value(found, "t_requests_total", operation="A") == len([i for i in range(len(observations)) if i % 3]) + 2
