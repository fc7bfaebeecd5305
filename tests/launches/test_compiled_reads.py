"""The compiled read path (graph/compiled/) answers exactly as Strawberry does: the same document, variables
and caller give the same body (value for value, key order included), the same status and the same cache
headers, errors included; what it does not compile runs through Strawberry. A compiled document is one SQL
statement whatever the page size."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes, queries

from graph.app import create_app
from graph.compiled import hook
from graph.compiled.compiler import declared
from graph.schema import build_schema
from models.launches.tables import Launch
from models.store import mongo
from tests.support.builders import (
    insert,
    make_agency,
    make_booking,
    make_rocket,
    make_traveler_profile,
    make_user,
)
from tests.support.sql import sql_statements
from tests.support.stores import drop_mongo_database, truncate

LAUNCH = """id missionName destination launchAt pricePerSeat capacity seatsAvailable minimumPassengers status publicAt
  agency { id legalName description createdAt } rocket { id name capacity range retired agency { id legalName } }"""
CATALOGUE = f"""
query Catalogue($filter: CatalogueFilter, $sort: CatalogueSort!, $descending: Boolean!, $first: Int!, $after: String) {{
  launches(filter: $filter, sort: $sort, descending: $descending, first: $first, after: $after) {{
    __typename
    edges {{ cursor node {{ {LAUNCH} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
  }}
}}"""
OCCUPANCY = """
query Occupancy($filter: OccupancyFilter, $sort: OccupancySort!, $descending: Boolean!, $first: Int!, $after: String) {
  myLaunches(filter: $filter, sort: $sort, descending: $descending, first: $first, after: $after) {
    edges { cursor node {
      launch { id missionName launchAt status publicAt }
      seatsSold capacity occupancyPercent minimumPassengers viable
      bookings { bookingId travelerId travelerName travelerEmail seats status pricePerSeat amountPaid amountRefunded
                 revenue bookedAt canceledAt seatsReleased } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


class Spy:
    """Counts the answers the compiled path gave (None: it handed the request to Strawberry) and the
    statements that failed (a bug: the answer is still Strawberry's, so only this count shows it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch | None = None) -> None:
        self.compiled = 0
        self.failed: list[str] = []
        self.original = hook.run_plan

        async def spy(*args: Any, **kwargs: Any) -> Any:
            try:
                answer = await self.original(*args, **kwargs)
            except Exception as exc:
                self.failed.append(repr(exc))
                raise
            self.compiled += answer is not None
            return answer

        self.spy = spy
        if monkeypatch is not None:
            monkeypatch.setattr(hook, "run_plan", spy)


NAMES = ["α", "x", "Moon/Mars", 'tab\t and "quotes"', "back\\slash", "emoji 🚀"]


# Generated data: agencies, rockets, launches of every status with odd prices, timestamps with and without
# microseconds, VIP windows, sold seats; bookings confirmed and canceled, with and without refunds.
async def generate(services: Any, seed: int, agency_user: str, vip_user: str, plain_user: str) -> None:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    agencies = [await make_agency(services, agency_user, 'Selene & "Sons"')]
    agencies += [await make_agency(services, None, f"Agency {i} ünïcode") for i in range(2)]
    rockets = [await make_rocket(services, a, capacity=rng.choice([4, 7, 20])) for a in agencies for _ in range(2)]
    vip = await make_traveler_profile(services, vip_user, "Vera VIP")
    plain = await make_traveler_profile(services, plain_user, "Plain Pat")
    launches = []
    for i in range(36):
        rocket = rng.choice(rockets)
        at = now + timedelta(days=rng.choice([-3, 1, 5, 40, 200]), seconds=rng.randrange(86400))
        if rng.random() < 0.5:
            at = at.replace(microsecond=0)
        sold = rng.randrange(rocket.capacity + 1)
        launch = Launch(
            agency_id=rocket.agency_id,
            rocket_id=rocket.id,
            mission_name=f"Mission {i} {rng.choice(NAMES)}",
            destination=rng.choice(["low_earth", "moon", "mars"]),
            launch_at=at,
            price_per_seat=Decimal(rng.choice(["0.01", "99.90", "1500.00", "1000000000.00", "12.35"])),
            minimum_passengers=rng.randrange(1, rocket.capacity + 1),
            capacity=rocket.capacity,
            seats_sold=sold,
            status=rng.choice(["scheduled", "scheduled", "confirmed", "delayed", "launched", "aborted"]),
            public_at=rng.choice([None, None, now + timedelta(hours=5), now - timedelta(hours=1)]),
        )
        if i % 7 == 0:  # ties on the sort keys: the id decides
            launch.launch_at, launch.price_per_seat = now + timedelta(days=9), Decimal("500.00")
        launches.append(launch)
    await insert(services, *launches)
    for launch in launches[:12]:
        await make_booking(services, launch, vip, seats=1)
        refund = str((launch.price_per_seat * 2 * Decimal("0.7")).quantize(Decimal("0.01")))
        await make_booking(services, launch, plain, seats=2, status="canceled", refunded=refund, seats_released=True)


@contextlib.asynccontextmanager
async def running(settings: Any) -> Any:
    await truncate(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application.state.services, http
        await mongo.run_sync(drop_mongo_database)


class World:
    def __init__(self, services: Any, http: httpx.AsyncClient) -> None:
        self.services, self.http = services, http
        self.callers: dict[str, dict[str, str]] = {"visitor": {}}

    async def setup(self, seed: int = 7) -> None:
        users = {}
        for who, role in (("agency", "agency"), ("vip", "traveler"), ("plain", "traveler"), ("bare", "agency")):
            user, token = await make_user(self.services, role)
            users[who] = user.id
            self.callers[who] = {"Authorization": f"Bearer {token}"}
        await generate(self.services, seed, users["agency"], users["vip"], users["plain"])

    async def post(self, query: str, variables: dict[str, Any], who: str, compiled: bool) -> httpx.Response:
        self.services.settings.compiled_reads = compiled
        body = {"query": query, "variables": variables}
        return await self.http.post("/graphql", json=body, headers=self.callers[who])

    async def both(self, query: str, variables: dict[str, Any], who: str) -> tuple[Any, Any]:
        """The compiled answer and Strawberry's, after checking they are the same."""
        ours = await self.post(query, variables, who, True)
        theirs = await self.post(query, variables, who, False)
        assert ours.status_code == theirs.status_code, (ours.text, theirs.text)
        assert ours.headers.get("cache-control") == theirs.headers.get("cache-control")
        mine, expected = json.loads(ours.content), json.loads(theirs.content)
        for error in [*mine.get("errors", []), *expected.get("errors", [])]:
            error.get("extensions", {}).pop("requestId", None)
        # Dicts keep their order: comparing the dumps compares keys, order and values alike.
        assert json.dumps(mine) == json.dumps(expected), (query, variables, who)
        return mine, expected


@pytest.fixture
async def world(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    own = settings.model_copy(
        update={"response_cache": False, "rate_limit_per_ip": 0, "rate_limit_per_user": 0, "max_cost": 10**9}
    )
    async with running(own) as (services, http):
        result = World(services, http)
        await result.setup()
        result.spy = Spy(monkeypatch)  # type: ignore[attr-defined]
        yield result


FILTERS: list[dict[str, Any] | None] = [
    None,
    {},
    {"destination": "MOON"},
    {"destination": "MARS", "minSeatsAvailable": 2},
    {"priceMin": "99.90", "priceMax": "1500"},
    {"priceMin": "0", "priceMax": "1000000000.00"},
    {
        "dateFrom": (date.today() + timedelta(days=2)).isoformat(),
        "dateTo": (date.today() + timedelta(days=60)).isoformat(),
    },
    {"minSeatsAvailable": 0, "destination": "LOW_EARTH"},
]


async def walk(world: World, query: str, root: str, variables: dict[str, Any], who: str) -> int:
    """Every page of a listing, following endCursor, compared both ways; the number of pages."""
    pages, after = 0, None
    while True:
        answer, _ = await world.both(query, {**variables, "after": after}, who)
        pages += 1
        data = answer["data"][root]
        if not data["pageInfo"]["hasNextPage"] or pages > 40:
            return pages
        after = data["pageInfo"]["endCursor"]


async def test_catalogue_every_filter_sort_and_cursor_as_strawberry(world):
    sorts = ["DATE", "PRICE", "SEATS_AVAILABLE"]
    for who in ("visitor", "vip", "plain", "agency"):
        for index, given_filter in enumerate(FILTERS):
            sort = sorts[index % 3]
            for descending in (False, True):
                variables = {"filter": given_filter, "sort": sort, "descending": descending, "first": 4}
                await walk(world, CATALOGUE, "launches", variables, who)
    assert world.spy.compiled > 100
    # The VIP sees the launches in their early-access window; the others do not.
    everything = {"sort": "DATE", "descending": False, "first": 40}
    seen = {}
    for who in ("vip", "plain"):
        answer, _ = await world.both(CATALOGUE, everything, who)
        seen[who] = len(answer["data"]["launches"]["edges"])
    assert seen["vip"] > seen["plain"]


async def test_occupancy_every_filter_sort_and_cursor_as_strawberry(world):
    filters: list[dict[str, Any] | None] = [
        None,
        {"statuses": ["SCHEDULED", "DELAYED"]},
        {"statuses": []},
        {"launchFrom": datetime.now(UTC).isoformat(), "launchTo": (datetime.now(UTC) + timedelta(days=50)).isoformat()},
    ]
    for given_filter in filters:
        for sort in ("DATE", "OCCUPANCY"):
            for descending in (False, True):
                variables = {"filter": given_filter, "sort": sort, "descending": descending, "first": 3}
                await walk(world, OCCUPANCY, "myLaunches", variables, "agency")
    assert world.spy.compiled > 30
    answer, _ = await world.both(OCCUPANCY, {"sort": "DATE", "descending": False, "first": 40}, "agency")
    lines = [line for edge in answer["data"]["myLaunches"]["edges"] for line in edge["node"]["bookings"]]
    assert {line["status"] for line in lines} == {"confirmed", "canceled"}


def cursor(raw: list[Any]) -> str:
    """A catalogue cursor made by hand (the format is base64url of a JSON array, unpadded)."""
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "variables", "who"),
    [
        (CATALOGUE, {"sort": "DATE", "descending": False, "first": 3, "after": "not a cursor"}, "visitor"),
        (CATALOGUE, {"sort": "DATE", "descending": False, "first": 201}, "visitor"),
        (CATALOGUE, {"sort": "DATE", "descending": False, "first": -1}, "vip"),
        (CATALOGUE, {"filter": {"priceMin": "-1"}, "sort": "PRICE", "descending": False, "first": 3}, "visitor"),
        (CATALOGUE, {"filter": {"dateTo": "9999-12-31"}, "sort": "PRICE", "descending": False, "first": 3}, "visitor"),
        (CATALOGUE, {"filter": {"destination": "PLUTO"}, "sort": "DATE", "descending": False, "first": 3}, "visitor"),
        (CATALOGUE, {"sort": "DATE", "descending": False}, "visitor"),
        (CATALOGUE, {"sort": "DATE", "descending": False, "first": 0, "after": ""}, "visitor"),
        (
            CATALOGUE,
            {"sort": "PRICE", "descending": False, "first": 3, "after": cursor(["price", False, "abc", "x"])},
            "vip",
        ),
        (
            CATALOGUE,
            {"sort": "PRICE", "descending": False, "first": 3, "after": cursor(["price", False, "NaN", "x"])},
            "vip",
        ),
        (
            CATALOGUE,
            {"sort": "DATE", "descending": False, "first": 3, "after": cursor(["date", False, "2030-01-01", "x"])},
            None,
        ),
        (
            CATALOGUE,
            {
                "sort": "SEATS_AVAILABLE",
                "descending": True,
                "first": 3,
                "after": cursor(["seats_available", True, "1", "x"]),
            },
            None,
        ),
        (OCCUPANCY, {"sort": "DATE", "descending": False, "first": 3}, "visitor"),
        (OCCUPANCY, {"sort": "DATE", "descending": False, "first": 3}, "vip"),
        (OCCUPANCY, {"sort": "DATE", "descending": False, "first": 3}, "bare"),
        (OCCUPANCY, {"sort": "DATE", "descending": False, "first": 0}, "agency"),
        (OCCUPANCY, {"sort": "OCCUPANCY", "descending": False, "first": 3, "after": "eyJzIjoiZGF0ZSJ9"}, "agency"),
    ],
)
async def test_errors_are_strawberrys(world, query, variables, who):
    answer, _ = await world.both(query, variables, who or "visitor")
    assert all(error["extensions"]["code"] != "INTERNAL_SERVER_ERROR" for error in answer.get("errors", [])), answer


async def test_a_cursor_of_another_sort_is_refused_alike(world):
    page, _ = await world.both(CATALOGUE, {"sort": "DATE", "descending": False, "first": 2}, "visitor")
    cursor = page["data"]["launches"]["pageInfo"]["endCursor"]
    answer, _ = await world.both(
        CATALOGUE, {"sort": "PRICE", "descending": False, "first": 2, "after": cursor}, "visitor"
    )
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_what_is_not_compiled_runs_through_strawberry(world):
    documents = [
        "{ launches(first: 2) { edges { node { id statusHistory { toStatus } } } } }",  # per-row permission
        "query($x: Boolean!) { launches(first: 2) { edges { node { id @include(if: $x) } } } }",
        "{ launches(first: 2) { edges { node { agency { contactEmail } } } } }",
        "{ launches(first: 1) { edges { cursor } } myAgency { id } }",
        "{ __schema { queryType { name } } }",
    ]
    for document in documents:
        await world.both(document, {"x": True} if "$x" in document else {}, "agency")
    assert world.spy.compiled == 0
    fragments = """query { ...Q } fragment Q on Query { a: launches(first: 2) { ... on LaunchCatalogue { edges {
      node { ...L id } } } } b: launches(first: 1, sort: PRICE) { pageInfo { __typename hasNextPage } } __typename }
      fragment L on Launch { missionName id agency { __typename id } }"""
    await world.both(fragments, {}, "visitor")
    assert world.spy.compiled == 1


@pytest.mark.parametrize(
    "query",
    [
        "{ launches(sort: DATE, descending: false, first: 3) { __typename } }",
        "{ launches(sort: DATE, descending: false, first: 0) { pageInfo { __typename } } }",
        '{ launches(filter: {priceMin: "999999999"}, sort: DATE, descending: false, first: 2) { __typename } }',
    ],
)
async def test_a_connection_without_aggregates_is_one_row(world, query):
    """Nothing selected aggregates the rows: the statement still answers exactly one row."""
    await world.both(query, {}, "visitor")
    assert world.spy.compiled == 1 and not world.spy.failed


async def test_the_setting_turns_it_off(world):
    await world.post(CATALOGUE, {"sort": "DATE", "descending": False, "first": 2}, "visitor", False)
    assert world.spy.compiled == 0


@pytest.mark.parametrize(
    ("query", "root", "who"), [(CATALOGUE, "launches", "visitor"), (OCCUPANCY, "myLaunches", "agency")]
)
async def test_one_statement_whatever_the_page_size(world, query, root, who):
    counts = []
    for first in (1, 30):
        with sql_statements(world.services) as seen:
            response = await world.post(query, {"sort": "DATE", "descending": False, "first": first}, who, True)
        body = response.json()
        assert "errors" not in body
        assert len(body["data"][root]["edges"]) == min(first, len(body["data"][root]["edges"]))
        counts.append(len(seen))
    assert counts == [1, 1]
    assert world.spy.compiled == 2


# Property: hypothesis-graphql writes queries over the compilable part of the schema (arguments literal and
# random: most filters, cursors and sizes are odd ones); every one answers as Strawberry does.


def compilable_schema() -> GraphQLSchema:
    schema = build_schema()._schema
    made: dict[str, GraphQLObjectType] = {}

    def wrap(kind: GraphQLType) -> GraphQLType:
        if isinstance(kind, GraphQLNonNull):
            return GraphQLNonNull(wrap(kind.of_type))  # type: ignore[arg-type]
        if isinstance(kind, GraphQLList):
            return GraphQLList(wrap(kind.of_type))
        if isinstance(kind, GraphQLObjectType):
            return object_type(kind)
        return kind

    def object_type(kind: GraphQLObjectType) -> GraphQLObjectType:
        if kind.name not in made:
            keep = {
                name: GraphQLField(wrap(field.type), args=field.args)  # type: ignore[arg-type]
                for name, field in kind.fields.items()
                if kind.name == "PageInfo" or declared(field) is not None
            }
            made[kind.name] = GraphQLObjectType(kind.name, keep)
        return made[kind.name]

    query = schema.query_type
    assert query is not None
    fields = {name: query.fields[name] for name in ("launches", "myLaunches")}
    root = GraphQLObjectType("Query", {name: GraphQLField(wrap(f.type), args=f.args) for name, f in fields.items()})  # type: ignore[arg-type]
    return GraphQLSchema(query=root)


SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "Date": st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 1, 1)).map(lambda d: nodes.String(d.isoformat())),
    "DateTime": st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)).map(
        lambda d: nodes.String(d.isoformat())
    ),
    "Decimal": st.decimals(min_value=-10, max_value=2 * 10**9, places=2).map(nodes.String),
}


def differential(settings: Any) -> tuple[int, int]:
    """Runs in a thread with its own event loop: Hypothesis drives examples synchronously."""
    loop = asyncio.new_event_loop()
    stack = contextlib.AsyncExitStack()
    spy = Spy()
    hook.run_plan = spy.spy  # type: ignore[assignment]
    counts = [0, 0]
    try:
        services, http = loop.run_until_complete(stack.enter_async_context(running(settings)))
        world = World(services, http)
        loop.run_until_complete(world.setup(seed=11))

        @hypothesis_settings(max_examples=250, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(
            query=queries(compilable_schema(), fields=["launches", "myLaunches"], custom_scalars=SCALARS),
            who=st.sampled_from(["visitor", "vip", "agency"]),
        )
        def run(query: str, who: str) -> None:
            loop.run_until_complete(world.both(query, {}, who))
            counts[0] += 1

        run()
        counts[1] = spy.compiled
        assert not spy.failed, spy.failed[:3]
    finally:
        hook.run_plan = spy.original  # type: ignore[assignment]
        loop.run_until_complete(stack.aclose())
        loop.close()
    return counts[0], counts[1]


async def test_generated_queries_answer_as_strawberry(settings):
    own = settings.model_copy(
        update={"response_cache": False, "rate_limit_per_ip": 0, "rate_limit_per_user": 0, "max_cost": 10**9}
    )
    examples, compiled = await asyncio.to_thread(differential, own)
    assert examples >= 200
    # Random sizes and cursors are mostly refused (then both paths give Strawberry's error): enough compile.
    assert compiled >= examples // 10, (examples, compiled)


async def test_cache_off_never_asks_the_cache_for_an_answer(world):
    """With ASTRO_RESPONSE_CACHE=false no lookup can hit: no request reads or writes the response cache."""
    calls: list[str] = []
    cache = world.services.response_cache._cache
    for name in ("multi_get", "get", "set"):
        original = getattr(cache, name)

        def counted(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        setattr(cache, name, counted)
    variables = {"sort": "DATE", "descending": False, "first": 2}
    for compiled in (True, False):
        response = await world.post(CATALOGUE, variables, "visitor", compiled)
        assert response.status_code == 200 and "errors" not in response.json()
    assert calls == []


async def test_the_statement_is_in_the_debug_log(world, caplog):
    caplog.set_level("DEBUG", logger="astro.compiled")
    hook._statements.clear()
    variables = {"filter": {"destination": "MARS"}, "sort": "PRICE", "descending": True, "first": 3}
    await world.post(CATALOGUE, variables, "visitor", True)
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "astro.compiled")
    assert "SELECT json_build_object('launches'" in logged and "ORDER BY t.price_per_seat DESC" in logged
    assert "'r0_destination': 'mars'" in logged


async def test_only_an_unfiltered_page_writes_its_limit_for_a_generic_plan(world, caplog):
    """A filter's values decide the best plan (a generic plan guesses their selectivity): its page keeps the
    LIMIT a parameter, so PostgreSQL plans each execution; a page in plain index order writes the LIMIT out."""
    caplog.set_level("DEBUG", logger="astro.compiled")
    hook._statements.clear()
    for variables in (
        {"sort": "PRICE", "descending": False, "first": 3},
        {"filter": {"priceMin": "1"}, "sort": "PRICE", "descending": False, "first": 3},
    ):
        response = await world.post(CATALOGUE, variables, "visitor", True)
        assert response.status_code == 200 and "errors" not in response.json()
    statements = [r.getMessage() for r in caplog.records if r.getMessage().startswith("compiled statement")]
    assert len(statements) == 2
    assert "LIMIT 4)" in statements[0] and "LIMIT CAST(:r0_first AS integer) + 1)" in statements[1]
