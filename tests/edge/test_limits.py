"""What a GraphQL security scanner probes, as tests; plus the limits' own rules (cost, built-once)."""

from __future__ import annotations

import time
from functools import cache

from graphql import get_introspection_query, parse

from graph.edge.limits import Limits, check_shape, operation_cost
from graph.schema import build_schema
from graph.settings import Settings
from tests.support.edge import PRODUCTION, schema_with_test_fields
from tests.support.graphql import error_codes


def codes(response) -> list[str]:
    return error_codes(response.json())


async def test_more_than_100_aliases_are_refused(edge):
    app = await edge()
    aliases = " ".join(f"a{n}: __typename" for n in range(120))
    response = await app.post({"query": f"{{ {aliases} }}"})
    assert codes(response) == ["MAX_ALIASES_EXCEEDED"] and "data" not in response.json()
    assert (await app.post({"query": "{ a: __typename b: __typename }"})).json()["data"] == {"a": "Query", "b": "Query"}


async def test_1000_duplicated_fields_are_refused_by_the_token_limit(edge):
    app = await edge()
    response = await app.post({"query": "{ " + "__typename " * 1000 + "}"})
    assert codes(response) == ["GRAPHQL_PARSE_FAILED"] and "data" not in response.json()
    assert "more than 1000 tokens" in response.json()["errors"][0]["message"]


async def test_a_batch_of_100_operations_is_refused(edge):
    app = await edge()
    batch = [{"query": "{ __typename }"}] * 100
    off = await app.post(batch)
    assert off.status_code == 400 and codes(off) == ["BATCHING_NOT_ENABLED"]
    enabled = await edge(batching=True, max_batch_size=10)
    assert codes(await enabled.post(batch)) == ["BATCH_TOO_LARGE"]
    small = await enabled.post([{"query": "{ __typename }"}, {"query": "{ nope }"}, {"query": "{ a: __typename }"}])
    assert small.status_code == 200
    first, second, third = small.json()
    assert first == {"data": {"__typename": "Query"}} and third == {"data": {"a": "Query"}}
    assert error_codes(second) == ["GRAPHQL_VALIDATION_FAILED"] and "data" not in second


async def test_deep_nesting_is_refused(edge):
    app = await edge()
    deep = '{ __type(name: "Query") { ' + "ofType { " * 20 + "name" + " }" * 20 + " } }"
    response = await app.post({"query": deep})
    assert codes(response) == ["MAX_DEPTH_EXCEEDED"]
    fragments = 'query { ...A } fragment A on Query { __type(name: "Q") { ...B } } fragment B on __Type { ' + (
        "ofType { " * 14 + "name" + " }" * 14 + " }"
    )
    assert codes(await app.post({"query": fragments})) == ["MAX_DEPTH_EXCEEDED"]


async def test_directive_overloading_is_refused_with_one_error(edge):
    app = await edge()
    unknown = await app.post({"query": "{ __typename" + " @aa" * 50 + " }"})
    assert codes(unknown) == ["MAX_DIRECTIVES_EXCEEDED"]
    repeated = await app.post({"query": "{ __typename" + " @include(if: true)" * 5 + " }"})
    assert codes(repeated) == ["MAX_DIRECTIVES_EXCEEDED"]


async def test_circular_introspection_is_refused_even_in_development(edge):
    app = await edge()
    circular = "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
    response = await app.post({"query": circular})
    assert codes(response) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "introspection depth" in response.json()["errors"][0]["message"].lower()
    graphiql = await app.post({"query": get_introspection_query(descriptions=True)})
    assert graphiql.status_code == 200 and graphiql.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_fragment_bombs_are_measured_without_expanding_them(edge):
    app = await edge()
    chain = (
        " ".join(f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(30))
        + " fragment F30 on Query { a: __typename }"
    )
    started = time.monotonic()
    response = await app.post({"query": "query { ...F0 } " + chain})
    assert codes(response) == ["MAX_ALIASES_EXCEEDED"]
    assert time.monotonic() - started < 2


async def test_production_hides_introspection_suggestions_and_graphiql(edge):
    development = await edge()
    hint = await development.post({"query": "{ partnerClient }"})
    assert "Did you mean" in hint.json()["errors"][0]["message"]
    production = await edge(**PRODUCTION)
    hidden = await production.post({"query": "{ partnerClient }"})
    assert codes(hidden) == ["GRAPHQL_VALIDATION_FAILED"] and "Did you mean" not in hidden.text
    introspection = await production.post({"query": "{ __schema { types { name } } }"})
    assert set(codes(introspection)) == {"GRAPHQL_VALIDATION_FAILED"} and "data" not in introspection.json()
    assert "introspection has been disabled" in introspection.text
    assert (await production.http.get("/graphql", headers={"Accept": "text/html"})).status_code == 404
    assert (await production.post({"query": "{ _service { sdl } }"})).status_code == 200  # federation still works
    opted_in = await edge(**PRODUCTION, introspection=True, graphiql=True)
    assert (await opted_in.post({"query": "{ __schema { queryType { name } } }"})).json()["data"]
    assert (await opted_in.http.get("/graphql", headers={"Accept": "text/html"})).status_code == 200


async def test_query_cost_weighs_lists_by_their_size_arguments(edge):
    app = await edge(test_fields=True, max_cost=40, default_list_size=10)
    cheap = await app.post({"query": "{ items(first: 3) { n children { n } } }"})
    assert cheap.status_code == 200 and "errors" not in cheap.json()
    costly = await app.post(
        {"query": "query($f: Int!) { items(first: $f) { n children { n } } }", "variables": {"f": 4}}
    )
    assert codes(costly) == ["MAX_COST_EXCEEDED"] and "data" not in costly.json()


@cache
def cost_schema():
    return schema_with_test_fields(Settings())._schema


def test_cost_rules():
    schema = cost_schema()

    def cost(query: str, variables: dict | None = None) -> int:
        return operation_cost(schema, parse(query), None, variables or {}, 10)

    assert cost("{ __typename }") == 1
    assert cost("{ items(first: 3) { n } }") == 1 + 3 * 1
    assert cost("{ items { n } }") == 1 + 10 * 1  # no argument: the field's default is unknown, assume 10
    assert cost("{ items(first: 2) { n children { n } } }") == 1 + 2 * (1 + 1 + 10 * 1)
    assert cost("query($n: Int) { items(first: $n) { n } }", {"n": 7}) == 1 + 7
    assert cost("query($n: Int = 4) { items(first: $n) { n } }") == 1 + 4
    assert cost("{ ...F } fragment F on Query { items(first: 5) { n } }") == 1 + 5


def test_shape_counts_fragments_and_inline_fragments():
    limits = Limits(max_depth=3)
    assert check_shape(parse("{ a { b { c } } }"), limits) is None
    refused = check_shape(parse("{ ... on Query { a { ...F } } } fragment F on A { b { c { d } } }"), limits)
    assert refused is not None and refused.extensions == {"code": "MAX_DEPTH_EXCEEDED"}


def test_cycles_do_not_hang_the_shape_walk():
    assert check_shape(parse("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"), Limits()) is None


def test_limits_are_built_once_per_schema():
    limits = Limits(max_depth=9)
    schema = build_schema(limits=limits)
    assert build_schema(limits=limits) is schema
    guards = [ext for ext in schema.extensions if getattr(ext, "__name__", "") == "EdgeGuard"]
    assert len(guards) == 1 and isinstance(guards[0], type), "the guard is one class, not a factory per request"


async def test_validation_results_are_reused_across_requests(edge):
    app = await edge()
    guard = next(ext for ext in app.app.state.schema.extensions if isinstance(ext, type))
    before = len(guard.validation_cache)
    for _ in range(3):
        assert (await app.post({"query": "{ r1: __typename }"})).status_code == 200
    assert len(guard.validation_cache) == before + 1


async def test_rate_limits_per_ip_and_per_user_answer_429_with_retry_after(edge):
    app = await edge(rate_limit_per_ip=3, rate_limit_per_user=0)
    for _ in range(3):
        assert (await app.post({"query": "{ __typename }"})).status_code == 200
    limited = await app.post({"query": "{ __typename }"})
    assert limited.status_code == 429 and codes(limited) == ["RATE_LIMITED"]
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    per_user = await edge(rate_limit_per_ip=0, rate_limit_per_user=2)
    from tests.support.builders import make_user

    _, token = await make_user(per_user.services, "traveler")
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [(await per_user.post({"query": "{ __typename }"}, **headers)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert (await per_user.post({"query": "{ __typename }"})).status_code == 200  # anonymous: not this user


async def test_a_batch_counts_each_operation_against_the_rate_limit(edge):
    app = await edge(batching=True, rate_limit_per_ip=4)
    assert (await app.post([{"query": "{ __typename }"}] * 3)).status_code == 200
    assert (await app.post([{"query": "{ __typename }"}] * 2)).status_code == 429
