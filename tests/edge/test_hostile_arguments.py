"""Property: every argument of every mutation and query (the schema introspected), including each field of
its input objects, given NUL bytes, control characters, huge numbers and dates no store can keep, answers a
typed error or a success, never SERVICE_UNAVAILABLE or INTERNAL_SERVER_ERROR while the stores are up.

Each operation is sent as its own role would send it (the first of traveler, agency, it, financial, anonymous
that the field admits), with plausible values for its other required arguments (the ids of a real cast), so
the hostile value reaches as deep as it can. Hypothesis draws the hostile values; every (field, argument path)
is tried in every example, so each one gets several."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    get_named_type,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from graph.app import create_app
from graph.schema import build_schema
from graph.settings import Settings
from models.store import mongo
from resolvers.accounts.sessions import access_token_for
from tests.support.builders import make_cast
from tests.support.stores import drop_mongo_database, truncate

EXAMPLES = 3
SKIPPED = {"_service", "_entities"}  # no arguments / representations: tests/edge/test_entities_input.py
ROLES = ("traveler", "agency", "it", "financial", None)
REFUSED = {"UNAUTHENTICATED", "FORBIDDEN"}
OUTAGE = {"SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR"}

CONTROL = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(["\x7f", "\u0085", "\u2028", "\ufeff"])
SAFE_TEXT = st.characters(exclude_categories=["Cs"])  # no lone surrogates: JSON cannot carry them
HOSTILE: dict[str, st.SearchStrategy[Any]] = {
    "String": st.one_of(
        st.text(SAFE_TEXT, max_size=20).map(lambda t: t + "\x00" + t),
        st.text(CONTROL | SAFE_TEXT, min_size=1, max_size=30),
        st.integers(1_000, 20_000).map(lambda n: "x" * n),
        st.just(""),
        st.just("   "),
    ),
    "Int": st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63), 10**30, -1, 0]),
    "Float": st.sampled_from([1e308, -1e308, 0.0, -1.0, 1e-308]),
    "Boolean": st.booleans(),
    "Decimal": st.sampled_from(
        ["1e309", "-Infinity", "Infinity", "NaN", "9" * 5000, "-1", "0.001", "1e-400", "1000000000.01", "x"]
    ),
    "DateTime": st.sampled_from(
        [
            "9999-12-31T23:59:59-14:00",
            "0001-01-01T00:00:00+14:00",
            "2030-01-01T00:00:00",
            "10000-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "2030-02-30T00:00:00Z",
            "now",
        ]
    ),
    "Date": st.sampled_from(["9999-12-31", "0001-01-01", "2030-02-30", "1900-01-01", "today", "99999-01-01"]),
}
HOSTILE["ID"] = HOSTILE["String"]


@dataclass(frozen=True)
class Target:
    root: str  # "query" or "mutation"
    field: str
    path: tuple[str | int, ...]  # argument name, then input fields (0 for a list's first item)
    scalar: str


def _unwrap(kind: Any) -> Any:
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def leaves(kind: GraphQLInputType, path: tuple[str | int, ...], depth: int = 0) -> list[tuple[tuple, str]]:
    """Every scalar leaf reachable from an input type (input objects up to 3 levels, lists' first item)."""
    inner = _unwrap(kind)
    if isinstance(inner, GraphQLList):
        return leaves(inner.of_type, (*path, 0), depth)
    if isinstance(inner, GraphQLInputObjectType):
        if depth >= 3:
            return []
        found = []
        for name, field in inner.fields.items():
            found += leaves(field.type, (*path, name), depth + 1)
        return found
    if isinstance(inner, GraphQLEnumType):
        return [(path, "Enum")]
    return [(path, inner.name)] if isinstance(inner, GraphQLScalarType) else []


class Baseline:
    """Plausible values for the arguments a target does not aim at."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def value(self, kind: GraphQLInputType, name: str, field: str) -> Any:
        inner = _unwrap(kind)
        if isinstance(inner, GraphQLList):
            return [self.value(inner.of_type, name, field)]
        if isinstance(inner, GraphQLInputObjectType):
            return {
                key: self.value(sub.type, key, field)
                for key, sub in inner.fields.items()
                if isinstance(sub.type, GraphQLNonNull) and sub.default_value is Undefined
            }
        if isinstance(inner, GraphQLEnumType):
            return next(iter(inner.values))
        return self.scalar(inner.name, name, field)

    def scalar(self, scalar: str, name: str, field: str) -> Any:
        lowered = name.lower()
        if scalar == "ID":
            for kind in ("booking", "rocket", "agency", "launch"):
                if kind in lowered or (lowered == "id" and kind in field.lower()):
                    return self.ids[kind]
            return self.ids["launch"]
        if scalar == "String":
            if "email" in lowered:
                return "someone@example.test"
            if "password" in lowered:
                return "Nebula-Drift-4471"
            if "phone" in lowered:
                return "+34600123456"
            return "Ada Voyager"
        return {
            "Int": 1,
            "Float": 1.0,
            "Boolean": False,
            "Decimal": "100.00",
            "DateTime": (datetime.now(UTC) + timedelta(days=60)).isoformat(),
            "Date": "1990-05-17",
        }.get(scalar, "x")


def set_path(value: Any, path: tuple[str | int, ...], leaf: Any) -> Any:
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(value) if isinstance(value, list) and value else [None]
        items[0] = set_path(items[0], rest, leaf)
        return items
    holder = dict(value) if isinstance(value, dict) else {}
    holder[head] = set_path(holder.get(head), rest, leaf)
    return holder


def selection(field: GraphQLField) -> str:
    named = get_named_type(field.type)
    return "" if isinstance(named, GraphQLScalarType | GraphQLEnumType) else " { __typename }"


def operation(root: str, name: str, field: GraphQLField) -> str:
    declared = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    head = f"{root}({declared})" if declared else root
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call}{selection(field)} }}"


def variables(field: GraphQLField, name: str, baseline: Baseline, target: Target, leaf: Any) -> dict[str, Any]:
    values = {
        arg: baseline.value(spec.type, arg, name)
        for arg, spec in field.args.items()
        if isinstance(spec.type, GraphQLNonNull)
    }
    arg = str(target.path[0])
    values[arg] = set_path(values.get(arg), target.path[1:], leaf)
    return values


def targets() -> list[Target]:
    schema = build_schema()._schema
    found = []
    for root, kind in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert kind is not None
        for name, field in kind.fields.items():
            if name in SKIPPED:
                continue
            for arg, spec in field.args.items():
                found += [Target(root, name, path, scalar) for path, scalar in leaves(spec.type, (arg,))]
    return found


def hostile(target: Target) -> st.SearchStrategy[Any]:
    if target.scalar == "Enum":
        return st.sampled_from(["NOPE", "", "\x00", 1])
    return HOSTILE.get(target.scalar, HOSTILE["String"])


class Caller:
    def __init__(self, services: Any, users: dict[str, Any]) -> None:
        self.services, self.users = services, users

    def headers(self, role: str | None) -> dict[str, str]:
        """A fresh token per call: a `logout` or `changePassword` among the targets must not end the others."""
        if role is None:
            return {}
        return {"Authorization": f"Bearer {access_token_for(self.services.tokens, self.users[role])}"}


async def _start(stack: contextlib.AsyncExitStack, settings: Settings) -> tuple[httpx.AsyncClient, Caller, Baseline]:
    application = create_app(settings)
    await stack.enter_async_context(application.router.lifespan_context(application))
    services = application.state.services
    cast = await make_cast(services)
    users = {role: cast.users[role] for role in ("traveler", "agency", "it", "financial")}
    ids = {"launch": cast.launch.id, "rocket": cast.rocket.id, "agency": cast.agency.id, "booking": cast.booking.id}
    transport = httpx.ASGITransport(app=application)
    http = await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
    return http, Caller(services, users), Baseline(ids)


def codes(body: Any) -> set[str]:
    return {error.get("extensions", {}).get("code") for error in body.get("errors", [])}


def probe(settings: Settings) -> dict[str, Any]:
    """Runs in a thread with its own event loop: Hypothesis drives examples synchronously."""
    schema = build_schema()._schema
    fields = {"query": schema.query_type.fields, "mutation": schema.mutation_type.fields}  # type: ignore[union-attr]
    aims = targets()
    tally: dict[str, Any] = {"sent": 0, "bad": [], "invalid": [], "roles": {}}
    tally |= {"targets": len(aims), "fields": len({(t.root, t.field) for t in aims})}
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    try:
        http, caller, baseline = loop.run_until_complete(_start(stack, settings))

        async def send(target: Target, leaf: Any, role: str | None) -> dict[str, Any]:
            field = fields[target.root][target.field]
            body = {
                "query": operation(target.root, target.field, field),
                "variables": variables(field, target.field, baseline, target, leaf),
            }
            response = await http.post("/graphql", json=body, headers=caller.headers(role))
            tally["sent"] += 1
            assert response.status_code < 500, (target, response.text)
            answer = response.json()
            return answer

        async def role_of(target: Target) -> str | None:
            """The first role the field admits, judged on plausible values."""
            field = fields[target.root][target.field]
            leaf = baseline.value(_path_type(field, target.path), str(target.path[-1]), target.field)
            for role in ROLES:
                answer = await send(target, leaf, role)
                if "GRAPHQL_VALIDATION_FAILED" in codes(answer):  # the probe's own operation is wrong
                    tally["invalid"].append((target.field, answer["errors"][0]["message"][:200]))
                if not (codes(answer) & REFUSED):
                    return role
            return None

        roles: dict[tuple[str, str], str | None] = {}
        for target in aims:
            key = (target.root, target.field)
            if key not in roles:
                roles[key] = loop.run_until_complete(role_of(target))
        tally["roles"] = roles

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            for target in aims:
                leaf = data.draw(hostile(target), label=f"{target.field}:{target.path}")
                body = loop.run_until_complete(send(target, leaf, roles[(target.root, target.field)]))
                for error in body.get("errors", []):
                    code = error.get("extensions", {}).get("code")
                    if not code or code in OUTAGE:
                        tally["bad"].append((target, repr(leaf)[:80], error))

        run()
        loop.run_until_complete(mongo.run_sync(drop_mongo_database))
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
    return tally


def _path_type(field: GraphQLField, path: tuple[str | int, ...]) -> Any:
    kind: Any = field.args[str(path[0])].type
    for step in path[1:]:
        kind = _unwrap(kind)
        kind = kind.of_type if isinstance(step, int) else kind.fields[step].type
    return kind


async def test_hostile_values_in_every_argument_get_typed_answers(settings):
    own = settings.model_copy(update={"rate_limit_per_ip": 0, "rate_limit_per_user": 0})
    await truncate(own)
    started = time.monotonic()
    tally = await asyncio.to_thread(probe, own)
    assert tally["fields"] >= 45 and tally["targets"] >= 150, tally
    assert not tally["invalid"], tally["invalid"][:5]
    assert tally["sent"] >= EXAMPLES * tally["targets"]
    assert not tally["bad"], f"{len(tally['bad'])} untyped or outage answers, first: {tally['bad'][:5]}"
    assert time.monotonic() - started < 90
