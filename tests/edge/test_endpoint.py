"""The HTTP edge basics: health probes, GraphiQL, GET/POST, masking, request ids, schema contract."""

from __future__ import annotations

from pathlib import Path

from graph.schema import build_schema
from tests.support.graphql import error_codes


async def test_healthz_and_readyz_name_every_store(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert set(body["stores"]) == {"postgresql", "mongodb", "cache"}
    assert all(store["ok"] for store in body["stores"].values())


async def test_typename_over_post_and_get(http):
    post = await http.post("/graphql", json={"query": "{ __typename }"})
    assert post.json() == {"data": {"__typename": "Query"}}
    get = await http.get("/graphql", params={"query": "{ __typename }"})
    assert get.json() == {"data": {"__typename": "Query"}}


async def test_request_id_is_honoured_or_generated(http):
    honoured = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "abc-123"})
    assert honoured.headers["x-request-id"] == "abc-123"
    generated = await http.post("/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "bad id!"})
    assert generated.headers["x-request-id"] not in ("", "bad id!")


async def test_validation_error_has_code_and_no_data(http):
    response = await http.post("/graphql", json={"query": "{ noSuchField }"})
    body = response.json()
    assert "data" not in body
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    syntax = (await http.post("/graphql", json={"query": "{"})).json()
    assert error_codes(syntax) == ["GRAPHQL_PARSE_FAILED"]


async def test_graphiql_is_served_with_local_assets(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    for asset in ("graphiql.js", "graphiql.css", "react.js", "react-dom.js"):
        assert f"/graphiql/static/{asset}" in page.text
        response = await http.get(f"/graphiql/static/{asset}")
        assert response.status_code == 200 and len(response.content) > 1000
    assert (await http.get("/graphiql/static/package.json")).status_code == 404


def test_schema_graphql_is_not_stale():
    exported = Path(__file__).parents[2] / "schema.graphql"
    assert exported.read_text() == build_schema().as_str() + "\n", "run `astro export-schema` and commit it"
