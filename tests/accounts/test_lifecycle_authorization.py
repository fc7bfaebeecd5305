"""Who may run each account-lifecycle operation: anonymous, traveler, agency, financial, it, and a partner
token (partners are denied by default, even for operations stored in their manifest)."""

from __future__ import annotations

from typing import Any

import pytest

from models.ids import new_id
from resolvers.partners import persisted
from tests.support.builders import make_cast
from tests.support.edge import StartEdge
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.partners import by_id, make_partner, manifest, partner_token

OPERATIONS = {
    "requestPasswordReset": 'mutation A { requestPasswordReset(email: "x@example.test") { message } }',
    "resetPassword": 'mutation B { resetPassword(token: "t", newPassword: "Zodiac-Lights-1234") { __typename } }',
    "createEmployee": 'mutation C { createEmployee(name: "N", email: "n-%s@example.test", role: FINANCIAL) '
    "{ __typename } }",
    "disableUser": 'mutation D { disableUser(id: "%s") { __typename } }',
    "enableUser": 'mutation E { enableUser(id: "%s") { __typename } }',
    "changeEmployeeRole": 'mutation F { changeEmployeeRole(id: "%s", role: IT) { __typename } }',
    "resendConfirmationEmail": 'mutation G { resendConfirmationEmail(id: "%s") { __typename } }',
    "sendPasswordReset": 'mutation H { sendPasswordReset(id: "%s") { __typename } }',
    "users": "query I { users(first: 5) { edges { node { id } } } }",
    "exportMyData": "query J { exportMyData }",
    "closeAccount": 'mutation K { closeAccount(currentPassword: "wrong-password-1") { __typename } }',
}
EVERYONE = {"visitor", "traveler", "agency", "financial", "it"}
ADMITTED = {
    "requestPasswordReset": EVERYONE,
    "resetPassword": EVERYONE,
    "exportMyData": {"traveler", "agency", "financial", "it"},
    "closeAccount": {"traveler", "agency"},
}  # every other operation: it only


def _document(name: str, target: str) -> str:
    body = OPERATIONS[name]
    return body % (new_id() if name == "createEmployee" else target) if "%s" in body else body


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_each_operation_admits_only_its_roles(edge: StartEdge, operation: str):
    app = await edge()
    gql = GraphQLClient(app.http)
    cast = await make_cast(app.services)
    target = cast.users["financial"].id  # an employee every it action applies to
    for who in sorted(EVERYONE):
        body = await gql(_document(operation, target), token=cast.tokens[who])
        codes = error_codes(body)
        if who in ADMITTED.get(operation, {"it"}):
            assert not {"UNAUTHENTICATED", "FORBIDDEN"} & set(codes), (who, body)
        else:
            assert codes == ["UNAUTHENTICATED" if who == "visitor" else "FORBIDDEN"], (who, body)
            assert body["data"] is None or not any(body["data"].values()), (who, body)


async def test_a_partner_token_runs_none_of_them(edge: StartEdge):
    app = await edge()
    bodies = [_document(name, new_id()) for name in sorted(OPERATIONS)]
    async with app.services.db.unit_of_work() as uow:  # stored as if before the deny-by-default rule
        await persisted.register_manifest(uow, name="acme", manifest=manifest(*bodies), validate=lambda op: [])
    token = await partner_token(app, await make_partner(app, "acme"))
    for body in bodies:
        refused: dict[str, Any] = (await app.post(by_id(body), Authorization=f"Bearer {token}")).json()
        assert error_codes(refused) == ["INSUFFICIENT_SCOPE"], (body, refused)
        assert refused.get("data") is None
