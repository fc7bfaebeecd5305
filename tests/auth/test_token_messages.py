"""A refused token's reason is one of a few stable words, never a library's own message."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt

from auth.tokens import ALGORITHM, InvalidToken, TokenService, derive_key
from graph.settings import DEV_JWT_SECRET

STABLE = {"expired", "missing or invalid claims", "bad signature", "malformed", "unknown key id", "unknown role"}


def service() -> TokenService:
    return TokenService(
        {"dev-1": DEV_JWT_SECRET}, "dev-1", issuer="https://issuer.test", audience="api", ttl_seconds=600
    )


def signed(claims: dict[str, object], kid: str = "dev-1") -> str:
    key = derive_key(kid, DEV_JWT_SECRET)
    return jwt.encode({"alg": ALGORITHM, "kid": kid}, claims, key, algorithms=[ALGORITHM])


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    base: dict[str, object] = {"sub": "u1", "role": "it", "iss": "https://issuer.test", "aud": "api", "iat": now}
    base.update(exp=now + 600, jti="j1")
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: signed(claims(role=None)), "missing or invalid claims"),
        (lambda: signed(claims(aud="someone-else")), "missing or invalid claims"),
        (lambda: signed(claims(exp=int(time.time()) - 3600)), "expired"),
        (lambda: signed(claims(), kid="other"), "unknown key id"),
        (lambda: signed(claims())[:-4] + "AAAA", "bad signature"),
        (lambda: "not.a.token", "malformed"),
        (lambda: "eyJhbGciOiJIUzI1NiJ9.e30.abc", "malformed"),
    ],
)
def test_refusal_reasons_are_stable(token, reason):
    tokens = service()
    with pytest.raises(InvalidToken) as raised:
        tokens.principal(tokens.verify(token()))
    assert str(raised.value) == reason
    assert str(raised.value) in STABLE
