"""The subgraph behind the gateway: requests carrying the gateway's proof run its generated sub-queries for a
partner (scopes still apply); without the proof, or with a wrong one, a partner's free-form document is
refused exactly as before. The gateway's document route answers the service's own refusals."""

from __future__ import annotations

from graph.edge.gateway import PROOF_HEADER, carries_proof
from models.partners.persisted import document_id
from tests.support.graphql import error_codes
from tests.support.partners import by_id, make_partner, partner_token, register

ALLOWED = "query PartnerCatalogue { partnerCatalogue }"
GENERATED = "{ partnerCatalogue __typename }"  # what a gateway sends: not in any manifest
SECRET = "gateway-proof-secret-of-32-characters-at-least"


async def partner_setup(edge, **settings):
    app = await edge(test_fields=True, **{"gateway_secret": SECRET, **settings})
    await register(app, "acme", ALLOWED)
    token = await partner_token(app, await make_partner(app, "acme"))
    return app, {"Authorization": f"Bearer {token}"}


async def test_a_partners_free_form_document_needs_the_gateways_proof(edge):
    app, auth = await partner_setup(edge)
    for headers in ({}, {PROOF_HEADER: "not-the-secret"}, {PROOF_HEADER: SECRET[:-1]}):
        refused = await app.post({"query": GENERATED}, **auth, **headers)
        assert refused.status_code == 403 and error_codes(refused.json()) == ["QUERY_NOT_IN_SAFELIST"]
    proved = await app.post({"query": GENERATED}, **auth, **{PROOF_HEADER: SECRET})
    assert proved.json() == {"data": {"partnerCatalogue": "catalogue", "__typename": "Query"}}


async def test_with_the_proof_a_partners_scopes_and_authentication_still_apply(edge):
    app, auth = await partner_setup(edge)
    out_of_scope = await app.post({"query": "{ me { id } }"}, **auth, **{PROOF_HEADER: SECRET})
    assert error_codes(out_of_scope.json()) == ["INSUFFICIENT_SCOPE"]
    forged = await app.post({"query": "{ me { id } }"}, Authorization="Bearer forged", **{PROOF_HEADER: SECRET})
    assert error_codes(forged.json()) == ["UNAUTHENTICATED"]


async def test_no_secret_configured_trusts_nobody(edge):
    app, auth = await partner_setup(edge, gateway_secret=None)
    refused = await app.post({"query": GENERATED}, **auth, **{PROOF_HEADER: SECRET})
    assert refused.status_code == 403
    assert not carries_proof("", None) and not carries_proof(None, SECRET) and carries_proof(SECRET, SECRET)


async def test_the_document_route_resolves_by_the_services_rules_for_the_gateway_only(edge):
    app, auth = await partner_setup(edge)
    proof = {PROOF_HEADER: SECRET}
    hidden = await app.http.post("/internal/documents", json=by_id(ALLOWED), headers=auth)
    assert hidden.status_code == 404
    resolved = await app.http.post("/internal/documents", json=by_id(ALLOWED), headers={**auth, **proof})
    assert resolved.json() == {"query": ALLOWED}
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": document_id(ALLOWED)}}}
    assert (await app.http.post("/internal/documents", json=apq, headers={**auth, **proof})).json() == resolved.json()
    free_form = await app.http.post("/internal/documents", json={"query": GENERATED}, headers={**auth, **proof})
    assert free_form.status_code == 403 and error_codes(free_form.json()) == ["QUERY_NOT_IN_SAFELIST"]
    unknown = await app.http.post("/internal/documents", json=by_id("query Nope { __typename }"), headers=proof)
    assert unknown.status_code == 404 and error_codes(unknown.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]


async def test_the_document_route_registers_an_apq_document_only_once_it_validates(edge):
    app = await edge(gateway_secret=SECRET)
    proof = {PROOF_HEADER: SECRET}
    for query, registered in (("{ __typename }", True), ("{ noSuchField }", False)):
        sha = document_id(query)
        sent = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
        assert (await app.http.post("/internal/documents", json=sent, headers=proof)).json() == {"query": query}
        again = {"extensions": sent["extensions"]}
        answer = (await app.http.post("/internal/documents", json=again, headers=proof)).json()
        assert (answer == {"query": query}) is registered
        assert registered or error_codes(answer) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_per_address_rate_limits_count_the_address_the_gateway_forwards_only_with_its_proof(edge):
    app = await edge(gateway_secret=SECRET, rate_limit_per_ip=2, rate_limit_per_user=0)
    query = {"query": "{ __typename }"}
    for address in ("203.0.113.1", "203.0.113.2"):
        forwarded = {PROOF_HEADER: SECRET, "X-Astro-Client-IP": address}
        assert [(await app.post(query, **forwarded)).status_code for _ in range(3)] == [200, 200, 429]
    spoofed = {"X-Astro-Client-IP": "203.0.113.3"}  # without the proof: the socket's address counts
    assert [(await app.post(query, **spoofed)).status_code for _ in range(3)] == [200, 200, 429]
    assert (await app.post(query, **{"X-Astro-Client-IP": "203.0.113.4"})).status_code == 429
