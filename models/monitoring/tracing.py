"""OpenTelemetry tracing, off unless configured (graph/edge/telemetry.py turns it on from the settings).

While off, `tracer()` is None and nothing here is even attached: no hook runs on any call. While on:
one span per SQL statement (SQLAlchemy engine events), per MongoDB command (a pymongo command listener)
and per cache call (`TracedCache`), each a child of the span current where the call was made (the
GraphQL operation's `execute`, for instance). Every span is built whole when it ends, at a tenth of a live
SDK span's cost: a leaf (a store call, a phase without children) is timed from `begin` to `finish`; a span
with children (the request, the operation, its execution) is current while its block runs (`open_span`);
a fast-lane hit is one span (`record_ended`)."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Mapping
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
    """A span with children while it runs (a request, an operation, its execution): current inside its `with`
    block, so its children take its ids and `annotate` sets its attributes; built whole when the block ends
    (`open_span`). A class rather than a generator: entering and leaving cost a third less."""

    def __init__(
        self,
        spans: WholeSpans,
        name: str,
        kind: SpanKind,
        context: SpanContext,
        parent: SpanContext | None,
        attributes: dict[str, Any],
    ) -> None:
        super().__init__(context)
        self.name, self.kind, self.parent, self.attributes = name, kind, parent, attributes
        self.start_ns, self._spans = time.time_ns(), spans
        self._token: Any = None  # the context to restore when the block ends

    def __enter__(self) -> OpenSpan:
        self._token = otel_context.attach(trace.set_span_in_context(self))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> None:
        otel_context.detach(self._token)
        self._spans.close(self, None if kind is None else kind.__name__)

    def is_recording(self) -> bool:
        return self.get_span_context().trace_flags.sampled

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def update_name(self, name: str) -> None:
        self.name = name


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


TRACING_OFF: contextlib.nullcontext[None] = contextlib.nullcontext()


def open_span(name: str, kind: SpanKind, attributes: Mapping[str, Any]) -> OpenSpan | contextlib.nullcontext[None]:
    """A span that has children, a child of the current span (a root if there is none), for a `with` block:
    current while the block runs, built whole when it ends (`as` gives None while tracing is off)."""
    spans = _spans
    if spans is None:
        return TRACING_OFF
    return spans.open(name, kind, attributes, trace.get_current_span().get_span_context())


class WholeSpans:
    """Spans built whole once they have ended and handed to the tracer's span processors: the span the SDK's
    `start_span` + `end` would export (its id generator, sampler, resource and scope, the parent's trace),
    without the live span's lock, attribute cleaning and context handling. A live span costs 40-120 µs of
    CPU inside a request (cold caches; 20 µs in a loop), this one under 5 µs (tests/bench/FINDINGS.md §9)."""

    def __init__(self, tracer: Any) -> None:
        from opentelemetry.sdk.trace import ReadableSpan  # noqa: PLC0415 - the SDK only when tracing is on
        from opentelemetry.sdk.trace.sampling import ParentBased  # noqa: PLC0415
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope  # noqa: PLC0415

        self.readable = ReadableSpan
        self.ids, self.sampler, self.processor = tracer.id_generator, tracer.sampler, tracer.span_processor
        self.resource, self.scope = tracer.resource, InstrumentationScope(SCOPE)
        # The SDK's default sampler (no OTEL_TRACES_SAMPLER): a root is sampled, a child is when its parent
        # is. Its answer is known without calling it (a call costs as much as building the span).
        self.as_parent = type(self.sampler) is ParentBased and self.sampler.get_description() == AS_PARENT

    def finish(self, leaf: Leaf, error: str | None) -> None:
        parent = leaf.parent if leaf.parent.is_valid else None
        found = self._sampled(leaf.name, leaf.kind, leaf.attributes, parent)
        if found is not None:
            self._export(leaf.name, leaf.kind, found[0], parent, found[1], leaf.start_ns, error)

    def open(self, name: str, kind: SpanKind, attributes: Mapping[str, Any], parent: SpanContext) -> OpenSpan:
        above = parent if parent.is_valid else None
        found = self._sampled(name, kind, attributes, above)
        if found is None:  # not sampled: its children are not either (a parent-based sampler)
            trace_id = above.trace_id if above is not None else self.ids.generate_trace_id()
            return OpenSpan(self, name, kind, SpanContext(trace_id, self.ids.generate_span_id(), False), above, {})
        return OpenSpan(self, name, kind, found[0], above, dict(found[1]))

    def close(self, span: OpenSpan, error: str | None) -> None:
        if span.is_recording():
            context = span.get_span_context()
            self._export(span.name, span.kind, context, span.parent, span.attributes, span.start_ns, error)

    def _sampled(
        self, name: str, kind: SpanKind, attributes: Mapping[str, Any], parent: SpanContext | None
    ) -> tuple[SpanContext, Mapping[str, Any]] | None:
        """The new span's context and attributes if the sampler keeps it, else None."""
        ids = self.ids
        if self.as_parent:
            if parent is None:
                return SpanContext(ids.generate_trace_id(), ids.generate_span_id(), False, SAMPLED), attributes
            if not parent.trace_flags.sampled:
                return None
            return SpanContext(parent.trace_id, ids.generate_span_id(), False, SAMPLED, parent.trace_state), attributes
        if parent is None:
            trace_id, parent_context = ids.generate_trace_id(), None
        else:
            trace_id, parent_context = parent.trace_id, trace.set_span_in_context(trace.NonRecordingSpan(parent))
        sampling = self.sampler.should_sample(parent_context, trace_id, name, kind, attributes)
        if not sampling.decision.is_sampled():
            return None
        context = SpanContext(trace_id, ids.generate_span_id(), False, SAMPLED, sampling.trace_state)
        return context, sampling.attributes

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
SAMPLED = TraceFlags(TraceFlags.SAMPLED)
AS_PARENT = (
    "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
    "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"
)


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
