"""Every forged, expired, foreign or revoked token is refused with UNAUTHENTICATED; rotation works."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import mongoengine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.jwk import OKPKey

from auth.tokens import ALGORITHM, TokenService, derive_key
from graph.app import create_app
from graph.settings import DEV_JWT_SECRET
from models.store.mongo import run_sync
from tests.support.accounts import LOGOUT, ME, REFRESH, login, register
from tests.support.builders import make_user
from tests.support.graphql import GraphQLClient, error_codes

OTHER_SECRET = "a-different-secret-that-is-long-enough-123"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(services, user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims = {
        "sub": user_id,
        "role": "it",
        "iss": services.tokens.issuer,
        "aud": services.tokens.audience,
        "iat": now,
        "exp": now + 600,
        "jti": f"jti-{now}",
        "email_verified": True,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def _unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _service(**overrides: object) -> TokenService:
    options: dict = {"keys": {"dev-1": DEV_JWT_SECRET}, "active_kid": "dev-1", "issuer": "", "audience": ""}
    options.update(ttl_seconds=600, issuer=overrides.pop("issuer", "https://astrobookings.example/auth"))
    options["audience"] = overrides.pop("audience", "astrobookings-api")
    options.update(overrides)
    return TokenService(**options)


STABLE_REASONS = {"expired", "missing or invalid claims", "bad signature", "malformed", "unknown key id"}
STABLE_REASONS |= {"unknown role", "unexpected algorithm", "revoked"}


async def _refused(gql, token: str) -> None:
    body = await gql(ME, token=token)
    assert body["data"] is None and error_codes(body) == ["UNAUTHENTICATED"], body
    message = body["errors"][0]["message"]  # a stable reason, never a library's own message
    assert message.removeprefix("Invalid access token: ") in STABLE_REASONS, message


async def test_the_genuine_token_works(gql, services):
    user, token = await make_user(services, "traveler")
    assert (await gql(ME, token=token))["data"]["me"]["id"] == user.id


async def test_alg_none_is_refused(gql, services):
    user, _ = await make_user(services, "traveler")
    await _refused(gql, _unsigned({"alg": "none", "typ": "JWT", "kid": "dev-1"}, _claims(services, user.id)) + ".")


async def test_a_wrong_signature_is_refused(gql, services):
    user, token = await make_user(services, "traveler")
    stranger = OKPKey.import_key(Ed25519PrivateKey.generate(), {"kid": "dev-1"})
    forged = jwt.encode(
        {"alg": ALGORITHM, "kid": "dev-1"}, _claims(services, user.id), stranger, algorithms=[ALGORITHM]
    )
    await _refused(gql, forged)
    head, payload, signature = token.split(".")
    elevated = _b64(json.dumps({**services.tokens.verify(token), "role": "it"}).encode())
    await _refused(gql, f"{head}.{elevated}.{signature}")


async def test_hs256_signed_with_the_public_key_is_refused(gql, services):
    user, _ = await make_user(services, "traveler")
    public = derive_key("dev-1", DEV_JWT_SECRET).get_op_key("verify")
    for secret in (
        public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    ):
        signing_input = _unsigned({"alg": "HS256", "typ": "JWT", "kid": "dev-1"}, _claims(services, user.id))
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        await _refused(gql, f"{signing_input}.{_b64(signature)}")


async def test_expired_wrong_issuer_and_wrong_audience_are_refused(gql, services):
    user, _ = await make_user(services, "traveler")
    await _refused(gql, _service(ttl_seconds=-60).issue(user.id, "traveler"))
    await _refused(gql, _service(issuer="https://evil.example/auth").issue(user.id, "traveler"))
    await _refused(gql, _service(audience="another-api").issue(user.id, "traveler"))


async def test_unknown_kid_and_missing_claims_are_refused(gql, services):
    user, _ = await make_user(services, "traveler")
    await _refused(gql, _service(keys={"rogue": OTHER_SECRET}, active_kid="rogue").issue(user.id, "traveler"))
    active = derive_key("dev-1", DEV_JWT_SECRET)
    for missing in ("jti", "exp", "iss", "aud", "role", "sub", "iat"):
        claims = _claims(services, user.id, **{missing: None})
        await _refused(gql, jwt.encode({"alg": ALGORITHM, "kid": "dev-1"}, claims, active, algorithms=[ALGORITHM]))
    await _refused(gql, "not-a-token")


async def test_a_token_is_refused_after_logout(gql, services):
    _, token = await make_user(services, "agency")
    assert (await gql(LOGOUT, token=token))["data"]["logout"] is True
    await _refused(gql, token)


async def test_a_reused_refresh_token_revokes_its_whole_family(gql):
    await register(gql, "mary@example.com")
    first = (await login(gql, "mary@example.com"))["data"]["login"]
    second = (await gql(REFRESH, {"token": first["refreshToken"]}))["data"]["refreshToken"]
    replay = await gql(REFRESH, {"token": first["refreshToken"]})
    assert error_codes(replay) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(REFRESH, {"token": second["refreshToken"]})) == ["UNAUTHENTICATED"]
    await _refused(gql, second["accessToken"])
    other = (await login(gql, "mary@example.com"))["data"]["login"]  # other sessions are untouched
    assert (await gql(ME, token=other["accessToken"]))["data"]["me"]


async def test_an_unknown_refresh_token_is_refused(gql):
    assert error_codes(await gql(REFRESH, {"token": "made-up"})) == ["UNAUTHENTICATED"]


async def test_a_token_signed_by_a_second_configured_key_verifies(settings):
    rotated = settings.model_copy(
        update={"jwt_keys": {"dev-1": DEV_JWT_SECRET, "next-2": OTHER_SECRET}, "jwt_active_kid": "next-2"}
    )
    app = create_app(rotated)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            gql = GraphQLClient(client)
            user, _ = await make_user(app.state.services, "financial")
            old = _service().issue(user.id, "financial")  # signed by dev-1, still configured
            new = app.state.services.tokens.issue(user.id, "financial")
            assert json.loads(base64.urlsafe_b64decode(new.split(".")[0] + "=="))["kid"] == "next-2"
            for token in (old, new):
                assert (await gql(ME, token=token))["data"]["me"]["id"] == user.id
        await run_sync(_drop_database)


def _drop_database() -> None:
    database = mongoengine.get_db()
    database.client.drop_database(database.name)
