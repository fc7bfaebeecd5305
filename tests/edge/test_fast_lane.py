"""The ASGI fast lane (graph/edge/fast_lane.py): an anonymous catalogue cache hit is answered before routing,
byte for byte as the endpoint answers it (status, headers in order, body), over POST and GET, and still
counts in /metrics; anything it must not serve reaches the endpoint."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
import pytest

from graph.edge import http as endpoint
from graph.edge.apq import sha256_hex
from tests.support.builders import make_launch, make_user
from tests.support.sql import sql_statements
from tests.support.telemetry import samples, value

CATALOGUE = "query Catalogue($first: Int!) { launches(first: $first) { edges { node { id missionName } } } }"
EXTENSIONS = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(CATALOGUE)}}
HASH_ONLY = orjson.dumps({"variables": {"first": 3}, "extensions": EXTENSIONS})
WITH_QUERY = orjson.dumps({"query": CATALOGUE, "variables": {"first": 3}, "extensions": EXTENSIONS})
GET_PARAMS = {"variables": json.dumps({"first": 3}), "extensions": json.dumps(EXTENSIONS)}
HEADERS = {"content-type": "application/json", "x-request-id": "lane-test-1"}


@pytest.fixture
def endpoint_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the requests that reached the /graphql endpoint."""
    calls: list[str] = []
    serve = endpoint.serve

    async def counted(request: Any, services: Any) -> Any:
        calls.append(request.method)
        return await serve(request, services)

    monkeypatch.setattr(endpoint, "serve", counted)
    return calls


async def without_lane(services: Any, monkeypatch: pytest.MonkeyPatch, call: Any) -> httpx.Response:
    """The endpoint's own answer to the same request: the lane closed for one call."""
    with monkeypatch.context() as patched:
        patched.setattr(services.response_cache, "lane_open", lambda: False)
        return await call()


def answer(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, response.headers.raw, response.content


async def test_a_post_hit_is_answered_by_the_lane_as_the_endpoint_answers_it(edge, endpoint_calls, monkeypatch):
    app = await edge()
    await make_launch(app.services)
    post = lambda body: app.http.post("/graphql", content=body, headers=HEADERS)  # noqa: E731
    registered = await post(WITH_QUERY)
    assert registered.status_code == 200 and "errors" not in registered.json()
    await post(HASH_ONLY)  # a hit of the endpoint's own cache: kept for the lane too
    endpoint_calls.clear()
    with sql_statements(app.services) as statements:
        lane = await post(HASH_ONLY)
    assert endpoint_calls == [] and statements == []
    normal = await without_lane(app.services, monkeypatch, lambda: post(HASH_ONLY))
    assert endpoint_calls == ["POST"]
    assert answer(lane) == answer(normal)
    assert lane.headers["cache-control"] == "public, max-age=5" and lane.headers["x-request-id"] == "lane-test-1"


async def test_a_get_hit_is_answered_by_the_lane_as_the_endpoint_answers_it(edge, endpoint_calls, monkeypatch):
    app = await edge()
    await make_launch(app.services)
    await app.http.post("/graphql", content=WITH_QUERY, headers=HEADERS)
    get = lambda: app.http.get("/graphql", params=GET_PARAMS, headers={"accept": "application/json"})  # noqa: E731
    first = await get()  # the endpoint answers (from its cache) and keeps the answer for the lane
    endpoint_calls.clear()
    lane = await get()
    assert endpoint_calls == []
    normal = await without_lane(app.services, monkeypatch, get)
    assert endpoint_calls == ["GET"]
    assert first.content == lane.content == normal.content
    strip = lambda raw: [(name, value) for name, value in raw if name != b"x-request-id"]  # noqa: E731
    assert lane.status_code == normal.status_code == 200
    assert strip(lane.headers.raw) == strip(normal.headers.raw)
    assert lane.headers["x-request-id"] != normal.headers["x-request-id"]  # a fresh id for each request


async def test_a_changed_catalogue_or_a_token_goes_past_the_lane(edge, endpoint_calls):
    app = await edge()
    await make_launch(app.services)
    post = lambda body, **headers: app.http.post("/graphql", content=body, headers={**HEADERS, **headers})  # noqa: E731
    await post(WITH_QUERY)
    before = (await post(HASH_ONLY)).content
    endpoint_calls.clear()
    await make_launch(app.services, mission="Second")  # bumps the catalogue tag
    after = await post(HASH_ONLY)
    assert endpoint_calls == ["POST"] and after.content != before
    assert len(after.json()["data"]["launches"]["edges"]) == 2
    _, token = await make_user(app.services, "traveler")
    authorized = await post(HASH_ONLY, authorization=f"Bearer {token}")
    assert endpoint_calls == ["POST", "POST"] and authorized.headers["cache-control"] == "private, no-store"
    not_json = await post(HASH_ONLY, **{"content-type": "text/plain"})
    assert not_json.status_code == 400 and endpoint_calls[-1] == "POST" and len(endpoint_calls) == 3


async def test_lane_hits_count_in_the_metrics(edge):
    app = await edge()
    await make_launch(app.services)
    await app.http.post("/graphql", content=WITH_QUERY, headers=HEADERS)
    before = samples((await app.http.get("/metrics")).text)
    for _ in range(3):
        assert (await app.http.post("/graphql", content=HASH_ONLY, headers=HEADERS)).status_code == 200
    assert (await app.http.get("/graphql", params=GET_PARAMS)).status_code == 200  # the endpoint: kept for GET
    assert (await app.http.get("/graphql", params=GET_PARAMS)).status_code == 200  # the lane
    after = samples((await app.http.get("/metrics")).text)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("astro_graphql_requests_total", operation="Catalogue", type="query", outcome="ok") == 5
    assert delta("astro_graphql_request_duration_seconds_count", operation="Catalogue", type="query") == 5
    assert delta("astro_response_cache_lookups_total", result="hit") == 5
