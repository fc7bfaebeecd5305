"""Automatic persisted queries, Apollo's protocol: miss → register → hit, over POST and GET."""

from __future__ import annotations

import os

import orjson
import pytest

from graph.edge.apq import sha256_hex
from tests.support.graphql import error_codes

TYPENAME = "{__typename}"
TYPENAME_SHA = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"


def apq(sha: str, version: int = 1) -> dict:
    return {"persistedQuery": {"version": version, "sha256Hash": sha}}


def test_the_protocol_test_vector():
    assert sha256_hex(TYPENAME) == TYPENAME_SHA


def assert_miss(response) -> None:
    assert response.status_code == 200
    assert response.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }


async def test_apollo_client_flow_over_post(edge):
    app = await edge()
    assert_miss(await app.post({"extensions": apq(TYPENAME_SHA)}))
    registered = await app.post({"query": TYPENAME, "extensions": apq(TYPENAME_SHA)})
    assert registered.json() == {"data": {"__typename": "Query"}}
    hit = await app.post({"extensions": apq(TYPENAME_SHA)})
    assert hit.json() == {"data": {"__typename": "Query"}}


async def test_apollo_client_flow_over_get(edge):
    app = await edge()
    query = "query Hello($s: Boolean!) { __typename @skip(if: $s) }"
    sha = sha256_hex(query)
    params = {"extensions": orjson.dumps(apq(sha)).decode(), "variables": '{"s": false}'}
    miss = await app.http.get("/graphql", params=params)
    assert_miss(miss)
    assert "no-cache" in miss.headers["cache-control"]
    registered = await app.http.get("/graphql", params={**params, "query": query})
    assert registered.json() == {"data": {"__typename": "Query"}}
    hit = await app.http.get("/graphql", params=params)
    assert hit.status_code == 200 and hit.json() == {"data": {"__typename": "Query"}}


async def test_a_persisted_mutation_is_refused_over_get(edge):
    app = await edge()
    mutation = "mutation { logout }"
    sha = sha256_hex(mutation)
    await app.post({"query": mutation, "extensions": apq(sha)})  # registers (the result is UNAUTHENTICATED)
    response = await app.http.get("/graphql", params={"extensions": orjson.dumps(apq(sha)).decode()})
    assert response.status_code == 405 and response.headers["allow"] == "POST"


async def test_hash_mismatch_and_unknown_version_are_400(edge):
    app = await edge()
    mismatch = await app.post({"query": "{ __typename }", "extensions": apq(TYPENAME_SHA)})
    assert mismatch.status_code == 400 and "data" not in mismatch.json()
    assert mismatch.json()["errors"][0]["message"] == "provided sha does not match query"
    version = await app.post({"query": TYPENAME, "extensions": apq(TYPENAME_SHA, version=2)})
    assert version.status_code == 400 and error_codes(version.json()) == ["BAD_REQUEST"]
    malformed = await app.post({"extensions": apq("not-a-hash")})
    assert malformed.status_code == 400


async def test_only_valid_operations_are_registered(edge):
    app = await edge()
    invalid = "{ noSuchField }"
    sha = sha256_hex(invalid)
    refused = await app.post({"query": invalid, "extensions": apq(sha)})
    assert error_codes(refused.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    assert_miss(await app.post({"extensions": apq(sha)}))


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL: instances share documents via Redis")
async def test_two_instances_share_registrations_through_redis(edge):
    first = await edge()
    second = await edge()
    assert first.services is not second.services and first.settings.redis_url
    query = "query Shared { __typename }"
    sha = sha256_hex(query)
    assert_miss(await second.post({"extensions": apq(sha)}))
    assert (await first.post({"query": query, "extensions": apq(sha)})).json()["data"]
    assert (await second.post({"extensions": apq(sha)})).json() == {"data": {"__typename": "Query"}}
