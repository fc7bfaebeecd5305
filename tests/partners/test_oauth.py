"""Partner clients: `it` users manage them; partners get tokens with OAuth 2.0 client credentials."""

from __future__ import annotations

from auth.tokens import TokenService
from tests.support.builders import make_user
from tests.support.graphql import error_codes
from tests.support.partners import by_id, make_partner, partner_token, register

PARTNER_QUERY = "query PartnerCatalogue { partnerCatalogue }"

CREATE = """
mutation($input: CreatePartnerClientInput!) {
  createPartnerClient(input: $input) {
    __typename
    ... on PartnerClientCredentials { clientSecret client { id name scopes manifest revokedAt } }
    ... on PartnerClientNameTaken { message }
    ... on PartnerClientInvalid { message }
  }
}"""


async def it_user(app) -> dict[str, str]:
    _, token = await make_user(app.services, "it")
    return {"Authorization": f"Bearer {token}"}


async def request_token(app, client_id: str, secret: str, **form: str):
    return await app.http.post(
        "/oauth/token", data={"grant_type": "client_credentials", **form}, auth=(client_id, secret)
    )


async def test_an_it_user_creates_a_client_that_gets_a_token(edge):
    app = await edge(test_fields=True)
    it = await it_user(app)
    created = await app.post(
        {"query": CREATE, "variables": {"input": {"name": "acme", "scopes": ["catalogue:read"]}}}, **it
    )
    result = created.json()["data"]["createPartnerClient"]
    assert result["__typename"] == "PartnerClientCredentials"
    client = result["client"]
    assert client["scopes"] == ["catalogue:read"] and client["manifest"] == "acme" and client["revokedAt"] is None
    response = await request_token(app, client["id"], result["clientSecret"])
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "catalogue:read" and body["expires_in"] == 900
    claims = app.services.tokens.verify(body["access_token"])
    assert claims["role"] == "client" and claims["sub"] == client["id"] and claims["scope"] == "catalogue:read"
    posted = await app.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client["id"], "client_secret": result["clientSecret"]},
    )
    assert posted.status_code == 200
    await register(app, "acme", PARTNER_QUERY)
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await app.post(by_id(PARTNER_QUERY), **auth)).json() == {"data": {"partnerCatalogue": "catalogue"}}
    duplicate = await app.post({"query": CREATE, "variables": {"input": {"name": "acme", "scopes": []}}}, **it)
    assert duplicate.json()["data"]["createPartnerClient"]["__typename"] == "PartnerClientNameTaken"
    bad_scope = {"input": {"name": "other", "scopes": ["everything:write"]}}
    invalid = await app.post({"query": CREATE, "variables": bad_scope}, **it)
    assert invalid.json()["data"]["createPartnerClient"]["__typename"] == "PartnerClientInvalid"


async def test_only_it_users_manage_clients(edge):
    app = await edge()
    _, traveler = await make_user(app.services, "traveler")
    variables = {"input": {"name": "sneaky", "scopes": []}}
    refused = await app.post({"query": CREATE, "variables": variables}, Authorization=f"Bearer {traveler}")
    assert error_codes(refused.json()) == ["FORBIDDEN"]
    anonymous = await app.post({"query": "{ partnerClients { id } }"})
    assert error_codes(anonymous.json()) == ["UNAUTHENTICATED"]


async def test_a_wrong_secret_or_unknown_client_is_invalid_client(edge):
    app = await edge()
    partner = await make_partner(app)
    wrong = await request_token(app, partner.id, "not-the-secret")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = await request_token(app, "no-such-client", partner.secret)
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_client"
    no_auth = await app.http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert no_auth.status_code in (400, 401) and no_auth.json()["error"] == "invalid_client"
    grant = await request_token(app, partner.id, partner.secret, grant_type="password")
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    as_json = await app.http.post("/oauth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"


async def test_a_revoked_client_gets_no_token_and_its_tokens_stop_working(edge):
    app = await edge(test_fields=True)
    await register(app, "acme", PARTNER_QUERY)
    partner = await make_partner(app)
    auth = {"Authorization": f"Bearer {await partner_token(app, partner)}"}
    assert (await app.post(by_id(PARTNER_QUERY), **auth)).status_code == 200
    it = await it_user(app)
    revoke = "mutation($id: ID!) { revokePartnerClient(id: $id) { __typename ... on PartnerClient { revokedAt } } }"
    revoked = await app.post({"query": revoke, "variables": {"id": partner.id}}, **it)
    assert revoked.json()["data"]["revokePartnerClient"]["revokedAt"] is not None
    again = await app.post({"query": revoke, "variables": {"id": partner.id}}, **it)
    assert again.json()["data"]["revokePartnerClient"]["__typename"] == "PartnerClientRevoked"
    assert (await request_token(app, partner.id, partner.secret)).json()["error"] == "invalid_client"
    refused = await app.post(by_id(PARTNER_QUERY), **auth)
    assert refused.status_code == 401 and error_codes(refused.json()) == ["UNAUTHENTICATED"]
    listed = await app.post({"query": "{ partnerClients { id } }"}, **it)
    assert listed.json()["data"]["partnerClients"] == []


async def test_rotating_the_secret_replaces_it(edge):
    app = await edge()
    partner = await make_partner(app)
    it = await it_user(app)
    rotate = """mutation($id: ID!) { rotatePartnerClientSecret(id: $id) {
        __typename ... on PartnerClientCredentials { clientSecret } } }"""
    rotated = (await app.post({"query": rotate, "variables": {"id": partner.id}}, **it)).json()
    secret = rotated["data"]["rotatePartnerClientSecret"]["clientSecret"]
    assert (await request_token(app, partner.id, partner.secret)).status_code == 401
    assert (await request_token(app, partner.id, secret)).status_code == 200
    missing = (await app.post({"query": rotate, "variables": {"id": "nope"}}, **it)).json()
    assert missing["data"]["rotatePartnerClientSecret"]["__typename"] == "PartnerClientNotFound"


async def test_an_expired_token_is_not_accepted(edge):
    app = await edge(test_fields=True)
    await register(app, "acme", PARTNER_QUERY)
    partner = await make_partner(app)
    settings = app.settings
    expired_tokens = TokenService(
        settings.jwt_keys,
        settings.jwt_active_kid,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=-60,
    )
    token = expired_tokens.issue(partner.id, "client", extra={"scope": "catalogue:read"})
    response = await app.post(by_id(PARTNER_QUERY), Authorization=f"Bearer {token}")
    body = response.json()
    assert error_codes(body) == ["UNAUTHENTICATED"] and "expired" in body["errors"][0]["message"].lower()


async def test_scopes_limit_tokens_and_fields(edge):
    app = await edge(test_fields=True)
    await register(app, "bare", PARTNER_QUERY)
    holder = await make_partner(app, "holder")
    too_much = await request_token(app, holder.id, holder.secret, scope="catalogue:read bookings:write")
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"
    bare = await make_partner(app, "bare", scopes=())
    token = await partner_token(app, bare)
    assert app.services.tokens.verify(token)["scope"] == ""
    asked = await request_token(app, bare.id, bare.secret, scope="catalogue:read")
    assert asked.json()["error"] == "invalid_scope"
    response = await app.post(by_id(PARTNER_QUERY), Authorization=f"Bearer {token}")
    body = response.json()
    assert error_codes(body) == ["INSUFFICIENT_SCOPE"] and body["errors"][0]["extensions"]["requiredScope"] == (
        "catalogue:read"
    )


CATALOGUE = "query PartnerLaunches { launches(first: 5) { edges { node { id missionName seatsAvailable } } } }"


async def test_the_public_catalogue_needs_the_catalogue_scope_for_partners(edge):
    app = await edge()
    await register(app, "reader", CATALOGUE)
    await register(app, "bare", CATALOGUE)
    reader = await partner_token(app, await make_partner(app, "reader"))
    bare = await partner_token(app, await make_partner(app, "bare", scopes=()))
    allowed = (await app.post(by_id(CATALOGUE), Authorization=f"Bearer {reader}")).json()
    assert "errors" not in allowed and allowed["data"]["launches"]["edges"] == []
    refused = (await app.post(by_id(CATALOGUE), Authorization=f"Bearer {bare}")).json()
    assert error_codes(refused) == ["INSUFFICIENT_SCOPE"]


async def test_body_credentials_unknown_client_and_wrong_secret_answer_alike(edge):
    app = await edge()
    partner = await make_partner(app)
    answers = []
    for client_id, secret in ((partner.id, "not-the-secret"), ("no-such-client", partner.secret)):
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        answers.append(await app.http.post("/oauth/token", data=form))
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json() and answers[0].json()["error"] == "invalid_client"


async def test_two_client_authentication_methods_at_once_are_refused(edge):
    app = await edge()
    partner = await make_partner(app)
    form = {"grant_type": "client_credentials", "client_id": partner.id, "client_secret": partner.secret}
    both = await app.http.post("/oauth/token", data=form, auth=(partner.id, partner.secret))
    assert both.status_code == 400 and both.json()["error"] == "invalid_request"
