"""Property-based fuzzing of the running app: hypothesis-graphql builds valid operations and operations with
one schema violation from the live schema, plus raw garbage; every answer must be a well-formed GraphQL
response without a 5xx, with coded errors, no unmasked internal error, and in bounded time."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC
from typing import Any

import graphql
import httpx
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from graph.app import create_app
from graph.schema import build_schema
from graph.settings import Settings
from models.store import mongo
from tests.support.builders import make_user
from tests.support.stores import drop_mongo_database, truncate

ENTITIES = ("Launch", "Agency", "Rocket", "Booking", "Traveler", "User")


def _entity(typename: str, key: str) -> graphql.ObjectValueNode:
    def field(name: str, value: str) -> graphql.ObjectFieldNode:
        return graphql.ObjectFieldNode(name=graphql.NameNode(value=name), value=graphql.StringValueNode(value=value))

    return nodes.Object([field("__typename", typename), field("id", key)])


SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Date": st.dates().map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda d: nodes.String(d.isoformat())),
    "Decimal": st.decimals(min_value=-(10**6), max_value=10**6, places=2).map(nodes.String),
    "_Any": st.builds(_entity, st.sampled_from(ENTITIES), st.text(max_size=40)),
}
GARBAGE = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["{", "}", "(", ")", "query", "mutation", "...", "@skip", "$a", ":", "launches"])).map(
        " ".join
    ),
)


def operations() -> st.SearchStrategy[tuple[str, str]]:
    schema = build_schema()._schema
    valid = queries(schema, custom_scalars=SCALARS).map(lambda q: ("valid", q))
    invalid = st.one_of(
        queries(schema, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
        mutations(schema, custom_scalars=SCALARS, mode=Mode.NEGATIVE),
        GARBAGE,
    ).map(lambda q: ("invalid", q))
    return st.one_of(valid, invalid)


def check(response: Any, elapsed: float) -> None:
    assert response.status_code < 500, response.text
    assert elapsed < 5, f"{elapsed:.1f}s for one operation"
    body = response.json()
    assert "errors" in body or "data" in body
    for error in body.get("errors", []):
        code = error.get("extensions", {}).get("code")
        assert code, error
        if code == "INTERNAL_SERVER_ERROR":
            assert error["message"] == "Internal server error" and error["extensions"]["requestId"], error
    assert "Traceback" not in response.text and 'File "' not in response.text


class Tally:
    def __init__(self) -> None:
        self.counts = {"valid": 0, "invalid": 0}
        self.internal: list[str] = []


async def _start(stack: contextlib.AsyncExitStack, settings: Settings) -> tuple[httpx.AsyncClient, list[dict]]:
    application = create_app(settings)
    await stack.enter_async_context(application.router.lifespan_context(application))
    services = application.state.services
    _, traveler = await make_user(services, "traveler")
    _, it = await make_user(services, "it")
    transport = httpx.ASGITransport(app=application)
    http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
    callers = [{}, {"Authorization": f"Bearer {traveler}"}, {"Authorization": f"Bearer {it}"}]
    return http, callers


def fuzz(settings: Settings) -> Tally:
    """Runs in a thread with its own event loop: Hypothesis drives examples synchronously."""
    tally = Tally()
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    try:
        http, callers = loop.run_until_complete(_start(stack, settings))

        @hypothesis_settings(max_examples=520, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(operation=operations(), caller=st.sampled_from(callers))
        def run(operation: tuple[str, str], caller: dict[str, str]) -> None:
            kind, query = operation
            started = time.monotonic()
            response = loop.run_until_complete(http.post("/graphql", json={"query": query}, headers=caller))
            check(response, time.monotonic() - started)
            tally.counts[kind] += 1
            if "INTERNAL_SERVER_ERROR" in response.text:
                tally.internal.append(query)

        run()
        loop.run_until_complete(mongo.run_sync(drop_mongo_database))
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
    return tally


async def test_fuzzed_operations_never_break_the_edge(settings):
    own = settings.model_copy(update={"rate_limit_per_ip": 0, "rate_limit_per_user": 0})
    await truncate(own)
    started = time.monotonic()
    tally = await asyncio.to_thread(fuzz, own)
    assert sum(tally.counts.values()) >= 500 and min(tally.counts.values()) >= 100, tally.counts
    assert not tally.internal, f"resolver bugs found by the fuzzer: {tally.internal[:3]}"
    assert time.monotonic() - started < 90
