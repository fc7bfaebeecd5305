"""GraphQL over HTTP: media types, status codes, methods, request errors without `data`, CSRF, body size."""

from __future__ import annotations

import orjson

from graph.edge.protocol import GRAPHQL_RESPONSE, negotiate
from tests.support.graphql import error_codes

QUERY = {"query": "{ __typename }"}


async def test_response_media_type_follows_accept(edge):
    app = await edge()
    modern = await app.post(QUERY, Accept=GRAPHQL_RESPONSE)
    assert modern.headers["content-type"] == GRAPHQL_RESPONSE
    assert modern.json() == {"data": {"__typename": "Query"}}
    legacy = await app.post(QUERY, Accept="application/json")
    assert legacy.headers["content-type"] == "application/json"
    assert (await app.http.post("/graphql", json=QUERY, headers={"Accept": ""})).headers["content-type"] == (
        "application/json"
    )
    unacceptable = await app.post(QUERY, Accept="text/csv")
    assert unacceptable.status_code == 406 and error_codes(unacceptable.json()) == ["NOT_ACCEPTABLE"]


def test_accept_negotiation_rules():
    assert negotiate("application/graphql-response+json, application/json;q=0.9") == GRAPHQL_RESPONSE
    assert negotiate("application/json, application/graphql-response+json;q=0.5") == "application/json"
    assert negotiate("*/*") == "application/json"
    assert negotiate("text/html, application/*;q=0.1") == "application/json"
    assert negotiate("application/graphql-response+json;q=0") is None
    assert negotiate("image/png") is None


async def test_invalid_documents_are_400_for_graphql_response_json_and_200_for_legacy_json(edge):
    app = await edge()
    for body, code in (({"query": "{"}, "GRAPHQL_PARSE_FAILED"), ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED")):
        modern = await app.post(body, Accept=GRAPHQL_RESPONSE)
        assert modern.status_code == 400 and "data" not in modern.json()
        assert error_codes(modern.json()) == [code]
        legacy = await app.post(body, Accept="application/json")
        assert legacy.status_code == 200 and "data" not in legacy.json()


async def test_malformed_requests_are_400_without_data(edge):
    app = await edge()
    bad_bodies = [b"{not json", b'"a string"', b"42"]
    for raw in bad_bodies:
        response = await app.http.post("/graphql", content=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and "data" not in response.json(), raw
    for params in ({"query": 1}, {"query": "{ __typename }", "variables": [1]}, {"operationName": 3}, {}):
        response = await app.post(params, Accept=GRAPHQL_RESPONSE)
        assert response.status_code == 400 and "data" not in response.json(), params
        assert error_codes(response.json()) == ["BAD_REQUEST"]
    unknown_operation = await app.post({"query": "query A { __typename }", "operationName": "B"})
    assert unknown_operation.status_code == 400
    get = await app.http.get("/graphql", params={"query": "{ __typename }", "variables": "{oops"})
    assert get.status_code == 400 and error_codes(get.json()) == ["BAD_REQUEST"]


async def test_other_methods_and_get_mutations_are_405_with_allow(edge):
    app = await edge()
    for method in ("PUT", "DELETE", "PATCH"):
        response = await app.http.request(method, "/graphql", json=QUERY)
        assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
        assert "data" not in response.json() and error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]
    mutation = await app.http.get("/graphql", params={"query": "mutation { logout }"})
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert error_codes(mutation.json()) == ["METHOD_NOT_ALLOWED"]


async def test_get_runs_queries_with_json_variables(edge):
    app = await edge()
    params = {"query": "query Q($skip: Boolean!) { __typename @skip(if: $skip) }", "variables": '{"skip": false}'}
    response = await app.http.get("/graphql", params=params)
    assert response.status_code == 200 and response.json() == {"data": {"__typename": "Query"}}


async def test_unsupported_content_types_are_415(edge):
    app = await edge()
    for content_type in ("application/xml", "application/json; charset=latin-1", ""):
        response = await app.http.post("/graphql", content=b"{}", headers={"Content-Type": content_type})
        assert response.status_code == 415 and "data" not in response.json(), content_type
        assert error_codes(response.json()) == ["UNSUPPORTED_MEDIA_TYPE"]


async def test_csrf_simple_requests_are_refused_without_a_custom_header(edge):
    app = await edge()
    urlencoded = await app.http.post("/graphql", data={"query": "mutation { logout }"})
    assert urlencoded.status_code == 400 and error_codes(urlencoded.json()) == ["CSRF_BLOCKED"]
    multipart = await app.http.post("/graphql", files={"query": ("q", b"{ __typename }")})
    assert multipart.status_code == 400 and error_codes(multipart.json()) == ["CSRF_BLOCKED"]
    plain = await app.http.post("/graphql", content=orjson.dumps(QUERY), headers={"Content-Type": "text/plain"})
    assert plain.status_code == 400 and error_codes(plain.json()) == ["CSRF_BLOCKED"]
    preflighted = await app.http.post(
        "/graphql", content=orjson.dumps(QUERY), headers={"Content-Type": "text/plain", "X-Requested-With": "x"}
    )
    assert preflighted.status_code == 415


async def test_bodies_over_the_limit_are_413(edge):
    app = await edge(max_body_bytes=200)
    padded = {"query": "{ __typename }", "variables": {"pad": "x" * 300}}
    response = await app.post(padded)
    assert response.status_code == 413 and error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]
    assert (await app.post(QUERY)).status_code == 200


async def test_a_resolver_bug_is_masked_with_the_request_id(edge):
    app = await edge(
        test_fields=True, **{"environment": "production", "jwt_keys": {"k": "k" * 40}, "jwt_active_kid": "k"}
    )
    response = await app.post({"query": "{ broken }"}, **{"X-Request-ID": "trace-42"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"broken": None} or body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-42"}
    assert "ZeroDivision" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] == "trace-42"


async def test_operations_past_the_timeout_answer_504(edge):
    app = await edge(test_fields=True, request_timeout_seconds=0.2)
    response = await app.post({"query": "{ stuck }"})
    assert response.status_code == 504 and "data" not in response.json()
    assert error_codes(response.json()) == ["REQUEST_TIMEOUT"]
