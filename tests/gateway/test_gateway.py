"""Through the gateway (Hive Gateway in front of the instances, tests/gateway/conftest.py): queries with
nested entities, entities of another subgraph resolved here through `_entities`, a mutation, a subscription,
a partner's trusted documents resolved and enforced at the edge with the service's codes, and authorization
still decided in the subgraph."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from graph.edge.apq import sha256_hex
from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from models.partners.persisted import document_id
from resolvers.partners import persisted
from tests.gateway.conftest import Fleet
from tests.support.builders import Cast
from tests.support.edge import Edge
from tests.support.graphql import error_codes
from tests.support.live import live_socket, receive, subscribe
from tests.support.partners import make_partner, manifest, partner_token

NESTED = """query Nested { launches(first: 20) { edges { node { id missionName agency { legalName }
  rocket { name capacity } } } } }"""
MY_BOOKINGS = "{ myBookings { seats launch { missionName status agency { legalName } rocket { name } } } }"
CONFIRM = "mutation($id: ID!) { confirmLaunch(id: $id) { __typename ... on LaunchMoved { launch { status } } } }"
STATUS = "subscription($id: ID!) { launchStatusChanged(launchId: $id) { fromStatus toStatus } }"
LIVE_METRIC = "astro_live_subscribers "
PARTNER_DOC = "query PartnerLaunches { launches(first: 5) { edges { node { id missionName } } } }"


async def through(fleet: Fleet, body: Any, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with httpx.AsyncClient(base_url=f"http://{fleet.gateway}", timeout=20) as client:
        return await client.post("/graphql", json=body, headers=headers)


def bearer(token: str | None) -> dict[str, Any]:
    return {"authorization": f"Bearer {token}"}


async def test_a_query_with_nested_entities(fleet: Fleet, cast: Cast) -> None:
    public = (await through(fleet, {"query": NESTED})).json()
    nodes = {edge["node"]["id"]: edge["node"] for edge in public["data"]["launches"]["edges"]}
    assert nodes[cast.launch.id]["agency"] == {"legalName": cast.agency.legal_name}
    assert nodes[cast.launch.id]["rocket"] == {"name": "Falcon Heavy", "capacity": 10}
    mine = (await through(fleet, {"query": MY_BOOKINGS}, str(cast.tokens["traveler"]))).json()
    assert mine["data"]["myBookings"][0]["launch"]["agency"] == {"legalName": cast.agency.legal_name}
    assert mine["data"]["myBookings"][0]["seats"] == 2


async def test_entities_of_another_subgraph_are_resolved_here_through_entities(fleet: Fleet, cast: Cast) -> None:
    """The stub subgraph answers only ids; the gateway asks this service's `_entities` for the rest, with
    the caller's Authorization, and this service's rules decide (statusHistory, a user's own account)."""
    featured = """query($id: ID!) { featuredLaunch(id: $id) { missionName agency { legalName }
      statusHistory { toStatus } } }"""
    variables = {"id": cast.launch.id}
    traveler = (await through(fleet, {"query": featured, "variables": variables}, str(cast.tokens["traveler"]))).json()
    assert traveler["data"]["featuredLaunch"]["missionName"] == cast.launch.mission_name
    assert traveler["data"]["featuredLaunch"]["agency"] == {"legalName": cast.agency.legal_name}
    assert traveler["data"]["featuredLaunch"]["statusHistory"][-1]["toStatus"] == "SCHEDULED"
    stranger = await through(fleet, {"query": featured, "variables": variables}, str(cast.tokens["other_traveler"]))
    assert error_codes(stranger.json()) == ["FORBIDDEN"]
    user = "query($id: ID!) { featuredUser(id: $id) { email } }"
    me = {"query": user, "variables": {"id": cast.users["traveler"].id}}
    assert (await through(fleet, me, str(cast.tokens["traveler"]))).json()["data"]["featuredUser"]["email"]
    assert error_codes((await through(fleet, me, str(cast.tokens["other_traveler"]))).json()) == ["FORBIDDEN"]
    assert error_codes((await through(fleet, me)).json()) == ["UNAUTHENTICATED"]


async def test_a_mutation(fleet: Fleet, cast: Cast) -> None:
    moved = await through(fleet, {"query": CONFIRM, "variables": {"id": cast.launch.id}}, str(cast.tokens["agency"]))
    assert moved.json()["data"]["confirmLaunch"] == {"__typename": "LaunchMoved", "launch": {"status": "CONFIRMED"}}


async def test_a_subscription(fleet: Fleet, cast: Cast) -> None:
    before = await live_subscribers(fleet)
    async with live_socket(fleet.gateway, bearer(cast.tokens["traveler"])) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, STATUS, {"id": cast.launch.id})
        await move_when_watched(fleet, cast, before)
        message = await receive(ws, seconds=10)
    assert message["type"] == "next", message
    assert message["payload"]["data"]["launchStatusChanged"] == {"fromStatus": "SCHEDULED", "toStatus": "CONFIRMED"}


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    """(event, decoded data) of a text/event-stream response, as they come."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line.partition(":")[2].strip()
        elif line.startswith("data:") and event is not None:
            data = line.partition(":")[2].strip()
            yield event, json.loads(data) if data else None
            event = None


@contextlib.asynccontextmanager
async def sse(fleet: Fleet, query: str, variables: dict[str, Any], token: str | None = None) -> AsyncIterator[Any]:
    """A subscription over server-sent events at the gateway (graphql-sse's distinct connections mode)."""
    headers = {"Accept": "text/event-stream", **({"Authorization": f"Bearer {token}"} if token else {})}
    body = {"query": query, "variables": variables}
    async with (
        httpx.AsyncClient(base_url=f"http://{fleet.gateway}", timeout=20) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield sse_events(response)


async def test_a_subscription_over_server_sent_events(fleet: Fleet, cast: Cast) -> None:
    """The gateway serves SSE to the client and reaches the subgraph over graphql-transport-ws with the
    request's Authorization; the service's rules decide as for a socket."""
    before = await live_subscribers(fleet)
    async with sse(fleet, STATUS, {"id": cast.launch.id}, str(cast.tokens["traveler"])) as events:
        moved = asyncio.create_task(move_when_watched(fleet, cast, before))
        event, data = await anext(events)
        await moved
    assert event == "next"
    assert data["data"]["launchStatusChanged"] == {"fromStatus": "SCHEDULED", "toStatus": "CONFIRMED"}
    async with sse(fleet, STATUS, {"id": cast.launch.id}, str(cast.tokens["other_agency"])) as events:
        answered = [item async for item in events]
    assert [event for event, _ in answered] == ["next", "complete"]
    assert error_codes(answered[0][1]) == ["FORBIDDEN"]


async def live_subscribers(fleet: Fleet) -> float:
    """Subscriptions the instances hold (their /metrics)."""
    total = 0.0
    async with httpx.AsyncClient(timeout=5) as client:
        for address in fleet.instances:
            text = (await client.get(f"http://{address}/metrics")).text
            total += sum(float(line.split()[1]) for line in text.splitlines() if line.startswith(LIVE_METRIC))
    return total


async def watched(fleet: Fleet, count: float) -> None:
    """Waits until the instances hold `count` subscriptions (the gateway subscribes to the subgraph only
    when its client subscribes)."""
    deadline = time.monotonic() + 10
    while await live_subscribers(fleet) < count:
        assert time.monotonic() < deadline, "the instances do not hold the subscriptions"
        await asyncio.sleep(0.05)


async def move_when_watched(fleet: Fleet, cast: Cast, before: float) -> dict[str, Any]:
    """Confirms the launch once an instance holds one more subscription than `before`."""
    await watched(fleet, before + 1)
    moved = await through(fleet, {"query": CONFIRM, "variables": {"id": cast.launch.id}}, str(cast.tokens["agency"]))
    return dict(moved.json())


async def until_closed(ws: Any) -> tuple[list[dict[str, Any]], Any]:
    """The messages a socket gets until it is closed, and the close frame."""
    messages = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            messages.append(await receive(ws, seconds=10))
    return messages, closed.value.rcvd


async def test_a_refused_token_ends_its_subscription_and_socket_through_the_gateway(fleet: Fleet, cast: Cast) -> None:
    """The gateway acknowledges every connection_init (it cannot check tokens); the instance refuses the token
    when the gateway subscribes with it (4401, not retried), and the gateway answers UNAUTHENTICATED and closes
    the client's socket with the same code."""
    async with live_socket(fleet.gateway, bearer("not-a-token")) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, STATUS, {"id": cast.launch.id})
        messages, closed = await until_closed(ws)
    assert error_codes(messages[0]["payload"]) == ["UNAUTHENTICATED"]
    assert messages[0]["payload"]["errors"][0]["message"].startswith("Invalid access token")
    assert closed is not None and closed.code == 4401
    async with sse(fleet, STATUS, {"id": cast.launch.id}, "not-a-token") as events:
        answered = [item async for item in events]
    assert [event for event, _ in answered] == ["next", "complete"]
    assert error_codes(answered[0][1]) == ["UNAUTHENTICATED"]


async def test_a_revoked_tokens_socket_and_event_stream_end_through_the_gateway(
    fleet: Fleet, cast: Cast, services: Any
) -> None:
    token = str(cast.tokens["traveler"])
    principal = services.tokens.principal(services.tokens.verify(token))
    before = await live_subscribers(fleet)
    variables = {"id": cast.launch.id}
    async with live_socket(fleet.gateway, bearer(token)) as ws, sse(fleet, STATUS, variables, token) as events:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, STATUS, {"id": cast.launch.id})
        await watched(fleet, before + 2)
        await services.revocations.revoke(principal.token_id, principal.expires_at)
        messages, closed = await until_closed(ws)
        streamed = [item async for item in events]
    assert error_codes(messages[0]["payload"]) == ["UNAUTHENTICATED"]
    assert closed is not None and (closed.code, closed.reason) == (4401, "Access token revoked")
    assert [event for event, _ in streamed] == ["next", "complete"]
    assert streamed[0][1]["errors"][0]["message"] == "Access token revoked"


async def test_authorization_still_applies_in_the_subgraph(fleet: Fleet, cast: Cast) -> None:
    anonymous = (await through(fleet, {"query": "{ me { id } }"})).json()
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    report = "query($id: ID!) { launchBookingReport(launchId: $id) { seatsSold } }"
    other = await through(fleet, {"query": report, "variables": {"id": cast.launch.id}}, str(cast.tokens["traveler"]))
    assert error_codes(other.json()) == ["FORBIDDEN"]
    async with live_socket(fleet.gateway, bearer(cast.tokens["other_agency"])) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, STATUS, {"id": cast.launch.id})
        refused = await receive(ws, seconds=10)
    assert error_codes(refused["payload"]) == ["FORBIDDEN"]


@pytest.fixture
async def partner(app: Any, http: httpx.AsyncClient, settings: Any) -> str:
    """A partner client whose manifest holds PARTNER_DOC; its access token."""
    edge = Edge(app, http, settings)
    validate = manifest_validator(app.state.schema, Limits.from_settings(settings))
    async with edge.services.db.unit_of_work() as uow:
        await persisted.register_manifest(uow, name="acme", manifest=manifest(PARTNER_DOC), validate=validate)
    return await partner_token(edge, await make_partner(edge, "acme"))


async def test_a_partner_runs_its_persisted_operation_through_the_gateway(
    fleet: Fleet, cast: Cast, partner: str
) -> None:
    by_id = await through(fleet, {"documentId": f"sha256:{document_id(PARTNER_DOC)}"}, partner)
    assert by_id.status_code == 200, by_id.text
    ids = [edge["node"]["id"] for edge in by_id.json()["data"]["launches"]["edges"]]
    assert cast.launch.id in ids
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id(PARTNER_DOC)}}}
    assert (await through(fleet, apq, partner)).json() == by_id.json()
    assert (await through(fleet, {"query": PARTNER_DOC}, partner)).json() == by_id.json()  # the same text


async def test_the_gateway_refuses_a_partners_free_form_query_with_the_services_codes(
    fleet: Fleet, partner: str
) -> None:
    free_form = await through(fleet, {"query": "{ launches(first: 50) { edges { node { id } } } }"}, partner)
    assert free_form.status_code == 403 and error_codes(free_form.json()) == ["QUERY_NOT_IN_SAFELIST"]
    assert "data" not in free_form.json()
    not_listed = await through(fleet, {"documentId": f"sha256:{sha256_hex('query X { __typename }')}"}, partner)
    assert not_listed.status_code == 404 and error_codes(not_listed.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
    bad_id = await through(fleet, {"documentId": "md5:abc"}, partner)
    assert bad_id.status_code == 400
