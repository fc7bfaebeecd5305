"""Partners are denied by default: a partner token runs only root fields that declare one of its scopes, and a
manifest holding an operation no partner scope allows is refused at registration."""

from __future__ import annotations

import pytest

from graph.edge.documents import manifest_validator
from graph.edge.limits import Limits
from models.partners.errors import ManifestInvalid
from resolvers.partners import persisted
from tests.support.graphql import error_codes
from tests.support.partners import by_id, make_partner, manifest, partner_token, register

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
