"""OpenTelemetry tracing, off unless configured (graph/edge/telemetry.py turns it on from the settings).

While off, `tracer()` is None and nothing here is even attached: no hook runs on any call. While on:
one span per SQL statement (SQLAlchemy engine events), per MongoDB command (a pymongo command listener)
and per cache call (`traced_cache`), each a child of the span current where the call was made (the
GraphQL operation's `execute`, for instance)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer
from pymongo import monitoring
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_tracer: Tracer | None = None
_ended: Callable[[str, SpanKind, Mapping[str, str], int], None] | None = None
SCOPE = "astrobookings"  # the instrumentation scope of every span
SPAN_KEY = "astro_span"
STATEMENT_CHARS = 300  # of SQL kept on a span: parameters are never recorded


def tracer() -> Tracer | None:
    return _tracer


def configure(provider: trace.TracerProvider | None) -> None:
    """Trace with this provider (the SDK's) from now on (None: stop tracing)."""
    global _tracer, _ended
    _tracer = provider.get_tracer(SCOPE) if provider is not None else None
    _ended = _whole_spans(_tracer) if _tracer is not None else None


def record_ended(name: str, kind: SpanKind, attributes: Mapping[str, str], start_ns: int) -> None:
    """A root span that starts at `start_ns` and ends now (nothing while tracing is off)."""
    if _ended is not None:
        _ended(name, kind, attributes, start_ns)


def _whole_spans(tracer: Any) -> Callable[[str, SpanKind, Mapping[str, str], int], None]:
    """Root spans built whole once they have ended and handed to the tracer's span processors: the span the
    SDK's `start_span` + `end` would export (its id generator, sampler, resource and scope), without the
    live span's lock, attribute copies and context switches. For the cache-hit lane, where a live span
    costs about 20 µs of a 150 µs request and this one 4.5 µs (tests/bench/FINDINGS.md §9)."""
    from opentelemetry.sdk.trace import ReadableSpan  # noqa: PLC0415 - the SDK only when tracing is on
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope  # noqa: PLC0415

    ids, sampler, processor, resource = tracer.id_generator, tracer.sampler, tracer.span_processor, tracer.resource
    scope = InstrumentationScope(SCOPE)
    sampled_flags = TraceFlags(TraceFlags.SAMPLED)

    def ended(name: str, kind: SpanKind, attributes: Mapping[str, str], start_ns: int) -> None:
        trace_id = ids.generate_trace_id()
        sampling = sampler.should_sample(None, trace_id, name, kind, attributes)
        if not sampling.decision.is_sampled():
            return
        context = SpanContext(trace_id, ids.generate_span_id(), False, sampled_flags, sampling.trace_state)
        span = ReadableSpan(
            name, context, None, resource, sampling.attributes, kind=kind, start_time=start_ns,
            end_time=time.time_ns(), instrumentation_scope=scope,
        )  # fmt: skip
        processor.on_end(span)

    return ended


def annotate(key: str, value: str) -> None:
    """An attribute on the current span (nothing while tracing is off)."""
    if _tracer is not None:
        trace.get_current_span().set_attribute(key, value)


def instrument_engine(engine: AsyncEngine) -> None:
    """A span per SQL statement run through this engine (only the statement's text, never its values)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if _tracer is None or context is None:
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = _tracer.start_span(
            f"db {verb}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": statement[:STATEMENT_CHARS]},
        )
        context._astro_span = span

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        span = getattr(context, "_astro_span", None)
        if span is not None:
            span.end()
            context._astro_span = None

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_astro_span", None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
            span.end()
            exception_context.execution_context._astro_span = None


class MongoSpans(monitoring.CommandListener):
    """A span per MongoDB command (its name and collection, never its documents)."""

    def __init__(self) -> None:
        self._open: dict[tuple[int, Any], Span] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if _tracer is None:
            return
        collection = event.command.get(event.command_name)
        attributes = {"db.system": "mongodb", "db.operation": event.command_name, "db.name": event.database_name}
        if isinstance(collection, str):
            attributes["db.mongodb.collection"] = collection
        span = _tracer.start_span(f"mongodb {event.command_name}", kind=SpanKind.CLIENT, attributes=attributes)
        self._open[(event.request_id, event.connection_id)] = span

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        span = self._open.pop((event.request_id, event.connection_id), None)
        if span is not None:
            span.end()

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        span = self._open.pop((event.request_id, event.connection_id), None)
        if span is not None:
            span.set_status(Status(StatusCode.ERROR, event.failure.get("codeName", "failed")))
            span.end()


MONGO_LISTENER = MongoSpans()
CACHE_CALLS = frozenset(
    {"get", "multi_get", "set", "multi_set", "add", "delete", "exists", "increment", "expire", "raw", "clear"}
)


class TracedCache:
    """The cache with a span around each call (aiocache's coroutine methods); everything else passes through."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache
        for name in CACHE_CALLS:  # wrapped once, not at every call
            if callable(getattr(cache, name, None)):
                setattr(self, name, _traced(f"cache {name}", getattr(cache, name)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)


def _traced(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _tracer is None:
            return await call(*args, **kwargs)
        with _tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes={"db.system": "cache"}):
            return await call(*args, **kwargs)

    return wrapper
