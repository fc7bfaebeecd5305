"""OpenTelemetry tracing, off unless configured (graph/edge/telemetry.py turns it on from the settings).

While off, `tracer()` is None and nothing here is even attached: no hook runs on any call. While on:
one span per SQL statement (SQLAlchemy engine events), per MongoDB command (a pymongo command listener)
and per cache call (`TracedCache`), each a child of the span current where the call was made (the
GraphQL operation's `execute`, for instance). These store calls are leaves: each is timed and built whole
when it ends (`begin`, `finish`), and so is the request's own span (`request_span`, `record_ended`), at a
tenth of a live SDK span's cost."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer
from pymongo import monitoring
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_tracer: Tracer | None = None
_spans: WholeSpans | None = None
SCOPE = "astrobookings"  # the instrumentation scope of every span
STATEMENT_CHARS = 300  # of SQL kept on a span: parameters are never recorded


class Leaf(NamedTuple):
    """A span that will have no child (a store call, a cache hit), timed from `begin` and built whole at
    `finish`."""

    name: str
    kind: SpanKind
    attributes: Mapping[str, Any]
    start_ns: int
    parent: SpanContext  # the span current at `begin` (INVALID_SPAN_CONTEXT: a root span)


class OpenSpan(trace.NonRecordingSpan):
    """A request's span while the request runs: current, so its children take its ids and `annotate` sets its
    attributes; built whole when the request ends (`request_span`)."""

    def __init__(self, name: str, context: SpanContext, attributes: dict[str, Any]) -> None:
        super().__init__(context)
        self.name, self.attributes, self.start_ns = name, attributes, time.time_ns()

    def is_recording(self) -> bool:
        return self.get_span_context().trace_flags.sampled

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value


def tracer() -> Tracer | None:
    return _tracer


def configure(provider: trace.TracerProvider | None) -> None:
    """Trace with this provider (the SDK's) from now on (None: stop tracing)."""
    global _tracer, _spans
    _tracer = provider.get_tracer(SCOPE) if provider is not None else None
    _spans = WholeSpans(_tracer) if _tracer is not None else None


def begin(name: str, kind: SpanKind, attributes: Mapping[str, Any]) -> Leaf | None:
    """Start timing a leaf span, a child of the current span (None while tracing is off)."""
    if _spans is None:
        return None
    return Leaf(name, kind, attributes, time.time_ns(), trace.get_current_span().get_span_context())


def finish(leaf: Leaf | None, error: str | None = None) -> None:
    """End a leaf span now (`error`: it failed, with this description)."""
    if leaf is not None and _spans is not None:
        _spans.finish(leaf, error)


def record_ended(name: str, kind: SpanKind, attributes: Mapping[str, Any], start_ns: int) -> None:
    """A root span that started at `start_ns` and ends now (nothing while tracing is off)."""
    finish(Leaf(name, kind, attributes, start_ns, trace.INVALID_SPAN_CONTEXT))


@contextlib.contextmanager
def request_span(name: str, attributes: dict[str, Any]) -> Iterator[None]:
    """A request's server span, current while the block runs (nothing while tracing is off)."""
    spans = _spans
    if spans is None:
        yield
        return
    span = spans.open(name, attributes)
    token = otel_context.attach(trace.set_span_in_context(span))
    error = None
    try:
        yield
    except BaseException as exc:
        error = type(exc).__name__
        raise
    finally:
        otel_context.detach(token)
        spans.close(span, error)


class WholeSpans:
    """Spans built whole once they have ended and handed to the tracer's span processors: the span the SDK's
    `start_span` + `end` would export (its id generator, sampler, resource and scope, the parent's trace),
    without the live span's lock, attribute cleaning and context handling. A live span costs 40-120 µs of
    CPU inside a request (cold caches; 20 µs in a loop), this one under 5 µs (tests/bench/FINDINGS.md §9).
    The operation and its phases (graph/edge/telemetry.py) stay the SDK's live spans."""

    def __init__(self, tracer: Any) -> None:
        from opentelemetry.sdk.trace import ReadableSpan  # noqa: PLC0415 - the SDK only when tracing is on
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope  # noqa: PLC0415

        self.readable = ReadableSpan
        self.ids, self.sampler, self.processor = tracer.id_generator, tracer.sampler, tracer.span_processor
        self.resource, self.scope = tracer.resource, InstrumentationScope(SCOPE)

    def finish(self, leaf: Leaf, error: str | None) -> None:
        parent = leaf.parent if leaf.parent.is_valid else None
        found = self._sampled(leaf.name, leaf.kind, leaf.attributes, parent)
        if found is not None:
            self._export(leaf.name, leaf.kind, found[0], parent, found[1], leaf.start_ns, error)

    def open(self, name: str, attributes: Mapping[str, Any]) -> OpenSpan:
        found = self._sampled(name, SpanKind.SERVER, attributes, None)
        if found is None:  # not sampled: its children are not either (a parent-based sampler)
            return OpenSpan(name, SpanContext(self.ids.generate_trace_id(), self.ids.generate_span_id(), False), {})
        return OpenSpan(name, found[0], dict(found[1]))

    def close(self, span: OpenSpan, error: str | None) -> None:
        if span.is_recording():
            self._export(
                span.name, SpanKind.SERVER, span.get_span_context(), None, span.attributes, span.start_ns, error
            )

    def _sampled(
        self, name: str, kind: SpanKind, attributes: Mapping[str, Any], parent: SpanContext | None
    ) -> tuple[SpanContext, Mapping[str, Any]] | None:
        if parent is None:
            trace_id, parent_context = self.ids.generate_trace_id(), None
        else:
            trace_id, parent_context = parent.trace_id, trace.set_span_in_context(trace.NonRecordingSpan(parent))
        sampling = self.sampler.should_sample(parent_context, trace_id, name, kind, attributes)
        if not sampling.decision.is_sampled():
            return None
        flags = TraceFlags(TraceFlags.SAMPLED)
        return SpanContext(
            trace_id, self.ids.generate_span_id(), False, flags, sampling.trace_state
        ), sampling.attributes

    def _export(
        self, name: str, kind: SpanKind, context: SpanContext, parent: SpanContext | None,
        attributes: Mapping[str, Any], start_ns: int, error: str | None,
    ) -> None:  # fmt: skip
        status = UNSET if error is None else Status(StatusCode.ERROR, error)
        span = self.readable(
            name, context, parent, self.resource, attributes, kind=kind, start_time=start_ns,
            end_time=time.time_ns(), instrumentation_scope=self.scope, status=status,
        )  # fmt: skip
        self.processor.on_end(span)


UNSET = Status(StatusCode.UNSET)


def annotate(key: str, value: str) -> None:
    """An attribute on the current span (nothing while tracing is off)."""
    if _tracer is not None:
        trace.get_current_span().set_attribute(key, value)


def instrument_engine(engine: AsyncEngine) -> None:
    """A span per SQL statement run through this engine (only the statement's text, never its values)."""
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if _spans is None or context is None:
            return
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        attributes = {"db.system": "postgresql", "db.statement": statement[:STATEMENT_CHARS]}
        context._astro_span = begin(f"db {verb}", SpanKind.CLIENT, attributes)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        finish(getattr(context, "_astro_span", None), getattr(context, "failed", None))  # models/store/db.py
        if context is not None:
            context._astro_span = None

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        finish(getattr(context, "_astro_span", None), type(exception_context.original_exception).__name__)
        if context is not None:
            context._astro_span = None


class MongoSpans(monitoring.CommandListener):
    """A span per MongoDB command (its name and collection, never its documents)."""

    def __init__(self) -> None:
        self._open: dict[tuple[int, Any], Leaf] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if _spans is None:
            return
        collection = event.command.get(event.command_name)
        attributes = {"db.system": "mongodb", "db.operation": event.command_name, "db.name": event.database_name}
        if isinstance(collection, str):
            attributes["db.mongodb.collection"] = collection
        leaf = begin(f"mongodb {event.command_name}", SpanKind.CLIENT, attributes)
        if leaf is not None:
            self._open[(event.request_id, event.connection_id)] = leaf

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        finish(self._open.pop((event.request_id, event.connection_id), None))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        finish(self._open.pop((event.request_id, event.connection_id), None), event.failure.get("codeName", "failed"))


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
    attributes = {"db.system": "cache"}

    @functools.wraps(call)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        leaf = begin(name, SpanKind.CLIENT, attributes)
        try:
            result = await call(*args, **kwargs)
        except BaseException as error:
            finish(leaf, type(error).__name__)
            raise
        finish(leaf)
        return result

    return wrapper
