"""Tracing: off unless configured; on, a booking's trace is the request's server span, its operation span
with parse, validate and execute children, and the database and cache calls under execute; MongoDB calls
have spans too. Spans are kept by the SDK's in-memory exporter."""

from __future__ import annotations

import time
from collections.abc import Iterator

import asyncpg
import pytest
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import SpanContext, SpanKind, StatusCode, TraceFlags, TraceState

from graph.edge.telemetry import configure_tracing
from graph.settings import Settings
from models.monitoring import tracing
from tests.support import journeys
from tests.support.graphql import GraphQLClient

BOOK = journeys.BOOK.replace("mutation(", "mutation BookTwo(", 1)


@pytest.fixture
def spans(settings: Settings) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = configure_tracing(settings, exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.configure(None)
        provider.shutdown()


def test_tracing_is_off_unless_configured(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert not Settings().tracing_enabled
    assert Settings(tracing=True).tracing_enabled
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    assert Settings().tracing_enabled and not Settings(tracing=False).tracing_enabled
    assert configure_tracing(Settings(tracing=False)) is None and tracing.tracer() is None


async def test_a_booking_trace_has_the_operation_its_phases_and_its_store_calls(edge, spans):
    app = await edge(tracing=True)
    gql = GraphQLClient(app.http)
    seller = await journeys.agency(gql, app.services)
    launch = await journeys.schedule(gql, seller)
    traveler = await journeys.traveler(gql, app.services)
    spans.clear()
    variables = {"launch": launch, "passengers": journeys.PASSENGERS, "token": "tok_success", "key": None}
    response = await gql.post(BOOK, variables, token=traveler.token)
    assert response.json()["data"]["bookSeats"]["__typename"] == "BookSeatsSuccess"

    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}
    (server,) = [span for span in finished if span.name == "POST /graphql"]
    assert server.attributes["http.request_id"] == response.headers["x-request-id"]
    trace = [span for span in finished if span.context.trace_id == server.context.trace_id]
    (operation,) = [span for span in trace if span.name == "mutation BookTwo"]
    assert operation.parent.span_id == server.context.span_id
    phases = {span.name: span for span in trace if span.parent and span.parent.span_id == operation.context.span_id}
    assert {"graphql.parse", "graphql.validate", "graphql.execute"} <= set(phases)
    execute = phases["graphql.execute"]

    def under(span, ancestor) -> bool:
        while span.parent is not None:
            if span.parent.span_id == ancestor.context.span_id:
                return True
            span = by_id[span.parent.span_id]
        return False

    database = [span for span in trace if span.name.startswith("db ")]
    assert database and all(under(span, execute) for span in database)
    assert any("astro_hold_seats" in span.attributes["db.statement"] for span in database)
    assert all("tok_success" not in span.attributes["db.statement"] for span in database)  # text, never values
    cache = [span for span in trace if span.name.startswith("cache ")]
    assert cache and any(under(span, execute) for span in cache)  # the catalogue's tag bump
    assert all(span.end_time >= span.start_time for span in trace)


async def test_mongodb_calls_have_spans(edge, spans):
    app = await edge(tracing=True)
    gql = GraphQLClient(app.http)
    traveler = await journeys.traveler(gql, app.services, profile=False)
    spans.clear()
    assert "errors" not in await gql("query Me { me { id email } }", token=traveler.token)
    finished = spans.get_finished_spans()
    (operation,) = [span for span in finished if span.name == "query Me"]
    mongo = [s for s in finished if s.name.startswith("mongodb ") and s.context.trace_id == operation.context.trace_id]
    assert mongo and mongo[0].attributes["db.system"] == "mongodb"
    assert mongo[0].attributes["db.mongodb.collection"] == "users"


async def test_a_cache_hit_is_one_span_marked_hit(edge, spans):
    app = await edge(tracing=True)
    gql = GraphQLClient(app.http)
    catalogue = "query Catalogue { launches(first: 2) { edges { node { id } } } }"
    assert "errors" not in await gql(catalogue)  # a miss: executed and kept
    spans.clear()
    assert "errors" not in await gql(catalogue)  # the same bytes: the fast lane
    (server,) = spans.get_finished_spans()
    assert server.name == "POST /graphql" and server.attributes["astro.response_cache"] == "hit"
    assert server.kind is SpanKind.SERVER and server.parent is None and server.start_time <= server.end_time
    assert server.context.trace_id and server.context.span_id and server.context.trace_flags.sampled
    assert server.instrumentation_scope.name == "astrobookings"
    assert server.resource.attributes["service.name"] == "astrobookings"
    assert server.attributes["http.request_id"]


def test_a_whole_span_follows_the_providers_sampler_and_reaches_every_processor():
    kept, also = InMemorySpanExporter(), InMemorySpanExporter()
    for sampler, expected in ((ALWAYS_OFF, 0), (ALWAYS_ON, 1)):
        provider = TracerProvider(sampler=sampler)
        provider.add_span_processor(SimpleSpanProcessor(kept))
        provider.add_span_processor(SimpleSpanProcessor(also))
        tracing.configure(provider)
        try:
            tracing.record_ended("GET /graphql", SpanKind.SERVER, {"astro.response_cache": "hit"}, time.time_ns())
        finally:
            tracing.configure(None)
        assert len(kept.get_finished_spans()) == len(also.get_finished_spans()) == expected
    tracing.record_ended("GET /graphql", SpanKind.SERVER, {}, time.time_ns())  # off: nothing, no error
    assert len(kept.get_finished_spans()) == 1


def test_a_leaf_is_a_child_of_the_current_span_and_keeps_its_failure():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.configure(provider)
    try:
        tracer = tracing.tracer()
        assert tracer is not None
        with tracer.start_as_current_span("execute") as current:
            tracing.finish(tracing.begin("db SELECT", SpanKind.CLIENT, {"db.system": "postgresql"}), "DataError")
        tracing.finish(tracing.begin("cache get", SpanKind.CLIENT, {"db.system": "cache"}))
    finally:
        tracing.configure(None)
    leaf, parent, root = exporter.get_finished_spans()
    assert leaf.parent.span_id == parent.context.span_id == current.get_span_context().span_id
    assert leaf.context.trace_id == parent.context.trace_id and leaf.context.span_id != parent.context.span_id
    assert leaf.status.status_code is StatusCode.ERROR and leaf.status.description == "DataError"
    assert root.parent is None and root.context.trace_id != parent.context.trace_id
    assert root.status.status_code is StatusCode.UNSET and root.attributes["db.system"] == "cache"


@pytest.mark.parametrize("sampler", [ALWAYS_ON, ALWAYS_OFF])
def test_an_open_span_is_current_for_its_children_takes_annotations_and_keeps_its_failure(sampler):
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=ParentBased(sampler))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.configure(provider)
    try:
        request_span = tracing.open_span("POST /graphql", SpanKind.SERVER, {"http.request_id": "r1"})
        with pytest.raises(RuntimeError), request_span:
            tracing.annotate("astro.response_cache", "miss")
            with tracing.open_span("graphql.operation", SpanKind.INTERNAL, {}) as opened:
                assert opened is not None
                opened.update_name("query Q")
                tracing.finish(tracing.begin("db SELECT", SpanKind.CLIENT, {"db.system": "postgresql"}))
            raise RuntimeError("boom")
    finally:
        tracing.configure(None)
    if sampler is ALWAYS_OFF:  # the request is not sampled, so neither are its children
        assert exporter.get_finished_spans() == ()
        return
    leaf, operation, request = exporter.get_finished_spans()
    assert request.parent is None and request.kind is SpanKind.SERVER
    assert request.attributes == {"http.request_id": "r1", "astro.response_cache": "miss"}
    assert request.status.status_code is StatusCode.ERROR and request.status.description == "RuntimeError"
    assert operation.parent.span_id == request.context.span_id and operation.name == "query Q"
    assert operation.kind is SpanKind.INTERNAL and operation.status.status_code is StatusCode.UNSET
    assert leaf.parent.span_id == operation.context.span_id
    assert {leaf.context.trace_id, operation.context.trace_id} == {request.context.trace_id}
    assert request.start_time <= operation.start_time <= operation.end_time <= request.end_time


async def test_a_statement_sent_to_the_driver_that_fails_has_a_failed_span(edge, spans):
    app = await edge(tracing=True)
    spans.clear()
    with pytest.raises(asyncpg.exceptions.DivisionByZeroError):
        await app.services.db.fetch_row("SELECT 1 / $1::int", 0)
    (statement,) = [span for span in spans.get_finished_spans() if span.name == "db SELECT"]
    assert statement.status.status_code is StatusCode.ERROR and statement.status.description == "DivisionByZeroError"


def test_the_default_samplers_answer_is_the_one_it_would_give():
    """With the SDK's default sampler (parent-based, always on) no call is made: a root is sampled, a child
    is when its parent is, and it keeps its parent's trace state."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.configure(provider)
    try:
        assert tracing._spans is not None and tracing._spans.as_parent
        state = TraceState([("vendor", "value")])
        for flags in (TraceFlags(TraceFlags.DEFAULT), TraceFlags(TraceFlags.SAMPLED)):
            parent = SpanContext(7, 9, False, flags, state)
            token = otel_context.attach(trace.set_span_in_context(trace.NonRecordingSpan(parent)))
            try:
                tracing.finish(tracing.begin("db SELECT", SpanKind.CLIENT, {}))
            finally:
                otel_context.detach(token)
        tracing.record_ended("POST /graphql", SpanKind.SERVER, {}, time.time_ns())
    finally:
        tracing.configure(None)
    child, root = exporter.get_finished_spans()  # the unsampled parent's child was dropped
    assert child.parent.span_id == 9 and child.context.trace_id == 7
    assert child.context.trace_state == state and child.context.trace_flags.sampled
    assert root.parent is None and root.context.trace_flags.sampled and root.context.trace_id != 7


async def test_a_compiled_read_has_its_operation_span_over_its_statement(edge, spans):
    app = await edge(tracing=True, response_cache=False)
    gql = GraphQLClient(app.http)
    catalogue = "query Catalogue { launches(first: 2) { edges { node { id missionName } } } }"
    assert "errors" not in await gql(catalogue)  # compiled on its first run, through Strawberry
    spans.clear()
    assert "errors" not in await gql(catalogue)  # then answered by its statement, before Strawberry
    finished = spans.get_finished_spans()
    (server,) = [span for span in finished if span.name == "POST /graphql"]
    (operation,) = [span for span in finished if span.name == "query Catalogue"]
    assert operation.parent.span_id == server.context.span_id
    assert operation.attributes["graphql.compiled"] is True
    assert operation.attributes["graphql.operation.name"] == "Catalogue"
    assert not [span for span in finished if span.name.startswith("graphql.")]  # parsed and validated before
    statements = [span for span in finished if span.name == "db SELECT"]
    assert statements and all(span.parent.span_id == operation.context.span_id for span in statements)
