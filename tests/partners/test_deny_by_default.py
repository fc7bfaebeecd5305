"""Partners are denied by default: a partner token runs only root fields that declare one of its scopes (over
HTTP and over WebSocket), and a manifest holding an operation no partner scope allows is refused at
registration."""

from __future__ import annotations

import json

import httpx
import pytest

from graph.app import create_app
from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from models.partners.errors import ManifestInvalid
from models.partners.persisted import document_id
from models.store import mongo
from models.sync.outbox import Origin
from resolvers.partners import clients, persisted
from tests.support.graphql import error_codes
from tests.support.live import live_socket, receive, served
from tests.support.partners import by_id, make_partner, manifest, partner_token, register
from tests.support.stores import drop_mongo_database, truncate

REGISTER = (
    'mutation Register { register(name: "Mallory", email: "m@example.test", password: "Nebula-Drift-4471", '
    "role: TRAVELER) { __typename } }"
)
ME = "query Me { me { id } }"


async def test_a_stored_unscoped_mutation_is_refused_to_a_partner_token(edge):
    app = await edge()
    async with app.services.db.unit_of_work() as uow:  # as if stored before the rule existed
        await persisted.register_manifest(uow, name="acme", manifest=manifest(REGISTER, ME), validate=lambda op: [])
    token = await partner_token(app, await make_partner(app, "acme"))
    for body in (REGISTER, ME):
        refused = (await app.post(by_id(body), Authorization=f"Bearer {token}")).json()
        assert error_codes(refused) == ["INSUFFICIENT_SCOPE"], refused
        assert refused.get("data") is None


@pytest.mark.parametrize("body", [REGISTER, ME])
async def test_registration_refuses_operations_no_partner_scope_allows(edge, body):
    app = await edge()
    with pytest.raises(ManifestInvalid):
        await register(app, "acme", body)


async def test_registration_checks_an_existing_clients_scopes(edge):
    app = await edge()
    await make_partner(app, "bare", scopes=())
    catalogue = "query Launches { launches(first: 1) { edges { node { id } } } }"
    validate = manifest_validator(app.app.state.schema, Limits(), frozenset())
    async with app.services.db.unit_of_work() as uow:
        with pytest.raises(ManifestInvalid):
            await persisted.register_manifest(uow, name="bare", manifest=manifest(catalogue), validate=validate)


async def test_a_stored_unscoped_subscription_is_refused_to_a_partner_socket(settings):
    changes = "subscription Changes { catalogueChanged { kind } }"
    stored = manifest(changes)
    stored["operations"][0]["type"] = "subscription"
    await truncate(settings)
    app = create_app(settings)
    try:
        async with served(app) as address:
            services = app.state.services
            async with services.db.unit_of_work() as uow:  # as if stored before the rule existed
                await persisted.register_manifest(uow, name="acme", manifest=stored, validate=lambda op: [])
            call = services.bundle(None, Origin("test", "it:test"))
            issued = await clients.create_client(call, name="acme", scopes=["catalogue:read"], manifest=None)
            async with httpx.AsyncClient(base_url=f"http://{address}") as http:
                form = {"grant_type": "client_credentials"}
                answer = await http.post("/oauth/token", data=form, auth=(issued.client.id, issued.secret))
            token = answer.json()["access_token"]
            async with live_socket(address, {"authorization": f"Bearer {token}"}) as ws:
                assert (await receive(ws))["type"] == "connection_ack"
                payload = {"documentId": f"sha256:{document_id(changes)}"}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
                refused = await receive(ws)
    finally:
        mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
        await mongo.run_sync(drop_mongo_database)
        mongo.disconnect()
    assert refused["type"] == "error", refused
    assert refused["payload"][0]["extensions"]["code"] == "INSUFFICIENT_SCOPE"
