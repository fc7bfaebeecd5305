"""Through the gateway (Hive Gateway in front of the instances, tests/gateway/conftest.py): queries with
nested entities, entities of another subgraph resolved here through `_entities`, a mutation, a subscription,
a partner's trusted documents resolved and enforced at the edge with the service's codes, and authorization
still decided in the subgraph."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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
    async with live_socket(fleet.gateway, bearer(cast.tokens["traveler"])) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, STATUS, {"id": cast.launch.id})
        # The gateway opens its socket to the subgraph on subscribe: move the launch until the message comes.
        await through(fleet, {"query": CONFIRM, "variables": {"id": cast.launch.id}}, str(cast.tokens["agency"]))
        message = await receive(ws, seconds=10)
    assert message["type"] == "next", message
    assert message["payload"]["data"]["launchStatusChanged"] == {"fromStatus": "SCHEDULED", "toStatus": "CONFIRMED"}


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
