"""The authentication middleware: one verification per request, its outcome on the scope, for http and
websocket alike; anonymous requests never reach the verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from auth.authenticate import Authentication, Authenticator
from auth.principal import Role
from auth.revocation import RevocationList
from auth.tokens import TokenService
from graph.edge.authentication import AuthenticationMiddleware
from models.store.cache import build_cache
from tests.support.builders import make_user

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


class CountingAuthenticator(Authenticator):
    """The real verifier, counting how often it is asked."""

    def __init__(self, inner: Authenticator) -> None:
        super().__init__(inner.tokens, inner.revocations)
        self.calls = 0

    def verify(self, authorization: str | None) -> Authentication:
        self.calls += 1
        return super().verify(authorization)


@pytest.fixture
def tokens() -> TokenService:
    return TokenService({"k1": "k" * 40}, "k1", issuer="astro-test", audience="astro-test-api", ttl_seconds=600)


@pytest.fixture
async def revocations() -> AsyncIterator[RevocationList]:
    cache = build_cache(None, "auth-middleware")
    yield RevocationList(cache)
    await cache.close()


@pytest.fixture
def authenticator(tokens: TokenService, revocations: RevocationList) -> CountingAuthenticator:
    return CountingAuthenticator(Authenticator(tokens, revocations))


async def through_middleware(authenticator: Authenticator, scope_type: str, authorization: str | None) -> Scope:
    """Run one scope through the middleware; return the scope the inner app saw."""
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        return {"type": f"{scope_type}.disconnect"}

    async def send(message: Message) -> None:
        pass

    headers = [(b"host", b"testserver")]
    if authorization is not None:
        headers.append((b"authorization", authorization.encode("latin-1")))
    scope: dict[str, Any] = {"type": scope_type, "path": "/graphql", "headers": headers}
    await AuthenticationMiddleware(inner, lambda: authenticator)(scope, receive, send)
    assert len(seen) == 1
    return seen[0]


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_a_bearer_token_becomes_the_principal_on_the_scope(scope_type, tokens, authenticator):
    token = tokens.issue("user-1", Role.AGENCY, extra={"email_verified": True})
    scope = await through_middleware(authenticator, scope_type, f"Bearer {token}")
    principal = scope["state"]["principal"]
    assert (principal.id, principal.role, principal.email_confirmed) == ("user-1", Role.AGENCY, True)
    assert scope["state"]["auth_error"] is None
    assert authenticator.calls == 1


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_anonymous_requests_are_not_verified(scope_type, authenticator):
    scope = await through_middleware(authenticator, scope_type, None)
    assert scope["state"]["principal"] is None and scope["state"]["auth_error"] is None
    assert authenticator.calls == 0


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_a_refused_token_leaves_its_reason_and_no_principal(scope_type, tokens, authenticator):
    scope = await through_middleware(authenticator, scope_type, "Basic dXNlcjpwYXNz")
    assert scope["state"]["principal"] is None
    assert scope["state"]["auth_error"] == "Authorization header must be 'Bearer <token>'"
    scope = await through_middleware(authenticator, scope_type, "Bearer not-a-jwt")
    assert scope["state"]["principal"] is None
    assert scope["state"]["auth_error"].startswith("Invalid access token: ")


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_revoked_tokens_are_refused(scope_type, tokens, revocations, authenticator):
    token = tokens.issue("user-1", Role.TRAVELER)
    claims = tokens.verify(token)
    await revocations.revoke(claims["jti"], claims["exp"])
    scope = await through_middleware(authenticator, scope_type, f"Bearer {token}")
    assert scope["state"]["principal"] is None
    assert scope["state"]["auth_error"] == "Invalid access token: revoked"


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_an_unreadable_revocation_list_is_retryable_not_revoked(scope_type, tokens):
    cache = build_cache(DEAD_REDIS, "outage")
    try:
        authenticator = Authenticator(tokens, RevocationList(cache))
        scope = await through_middleware(authenticator, scope_type, f"Bearer {tokens.issue('u', Role.TRAVELER)}")
    finally:
        await cache.close()
    assert scope["state"]["principal"] is None
    assert scope["state"]["auth_retryable"] is True and "revoked" not in scope["state"]["auth_error"]


@pytest.mark.parametrize("scope_type", ["http", "websocket"])
async def test_partner_tokens_carry_their_scopes(scope_type, tokens, authenticator):
    token = tokens.issue("client-1", Role.CLIENT, extra={"scope": "catalogue:read bookings:read"})
    scope = await through_middleware(authenticator, scope_type, f"Bearer {token}")
    principal = scope["state"]["principal"]
    assert (principal.id, principal.role) == ("client-1", Role.CLIENT)
    assert principal.scopes == {"catalogue:read", "bookings:read"}


async def test_other_scopes_pass_untouched(authenticator):
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    await AuthenticationMiddleware(inner, lambda: authenticator)({"type": "lifespan"}, receive, send)
    assert seen == [{"type": "lifespan"}]
    assert authenticator.calls == 0


async def test_each_endpoint_reads_the_one_verification(services, http, gql):
    """The GraphQL endpoint and the CSV route both use the middleware's principal: one verification each."""
    counting = CountingAuthenticator(services.authenticator)
    services.authenticator = counting
    _, token = await make_user(services, "agency")
    headers = {"Authorization": f"Bearer {token}"}

    body = await gql("{ __typename }", token=token)
    assert body == {"data": {"__typename": "Query"}} and counting.calls == 1
    assert (await http.get("/reports/launches/nope/bookings.csv", headers=headers)).status_code == 404
    assert counting.calls == 2
    assert (await http.get("/reports/launches/nope/bookings.csv")).status_code == 401
    assert (await gql("{ __typename }"))["data"] == {"__typename": "Query"}
    assert counting.calls == 2


async def test_endpoints_refuse_a_refused_token_in_their_own_format(services, http, gql):
    headers = {"Authorization": "Bearer not-a-jwt"}
    response = await http.get("/reports/launches/nope/bookings.csv", headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and error["message"].startswith("Invalid access token")
    body = await gql("{ me { id } }", token="not-a-jwt")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"].startswith("Invalid access token")
