"""Signed access tokens (JWT through joserfc, the Authlib project's JOSE library).

Keys are Ed25519, derived from configured secrets and addressed by `kid`; every configured key verifies,
the active one signs, so rotating is: add the new key, make it active, drop the old one after a token
lifetime. The algorithm is pinned: a token naming any other `alg` (none, HS256, RS256...) is refused.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, InvalidTokenError, JoseError
from joserfc.jwk import KeySet, OKPKey
from joserfc.jwt import JWTClaimsRegistry
from uuid6 import uuid7

from auth.principal import Principal, Role

log = logging.getLogger("astro.auth")
ALGORITHM = "Ed25519"
REQUIRED_CLAIMS = ("sub", "role", "iss", "aud", "iat", "exp", "jti")
PURPOSE_CLAIMS = ("sub", "iss", "aud", "iat", "exp", "jti")


class InvalidToken(Exception):
    """The token is malformed, tampered, expired, revoked or not issued by us. Its message is one of a few
    stable reasons (never a library's text, which goes to the debug log)."""


def _refused(exc: Exception) -> InvalidToken:
    """A stable reason for a refused token; the library's own message stays in the log."""
    log.debug("token refused: %r", exc)
    if isinstance(exc, InvalidToken):
        return exc
    if isinstance(exc, ExpiredTokenError):
        return InvalidToken("expired")
    if isinstance(exc, ClaimError | InvalidTokenError):
        return InvalidToken("missing or invalid claims")
    if isinstance(exc, BadSignatureError):
        return InvalidToken("bad signature")
    return InvalidToken("malformed")


def derive_key(kid: str, secret: str) -> OKPKey:
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(secret.encode()).digest())
    return OKPKey.import_key(private, {"kid": kid, "use": "sig", "alg": ALGORITHM})


class TokenService:
    def __init__(
        self, keys: Mapping[str, str], active_kid: str, *, issuer: str, audience: str, ttl_seconds: int
    ) -> None:
        self._keys = {kid: derive_key(kid, secret) for kid, secret in keys.items()}
        self._key_set = KeySet(list(self._keys.values()))
        self._active = self._keys[active_kid]
        self.issuer, self.audience, self.ttl_seconds = issuer, audience, ttl_seconds
        options: dict[str, Any] = {name: {"essential": True} for name in REQUIRED_CLAIMS}
        options["iss"]["value"], options["aud"]["value"] = issuer, audience
        self._claims = JWTClaimsRegistry(leeway=5, **options)

    def issue(self, subject: str, role: Role | str, *, extra: Mapping[str, Any] | None = None) -> str:
        now = int(time.time())
        claims = {
            "sub": subject,
            "role": str(role),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid7()),
            **(extra or {}),
        }
        header = {"alg": ALGORITHM, "kid": self._active.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._active, algorithms=[ALGORITHM])

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of a valid token or raise InvalidToken. Revocation is checked by the caller."""
        try:
            decoded = jwt.decode(token, self._select_key, algorithms=[ALGORITHM])
            self._claims.validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise _refused(exc) from exc
        if decoded.header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        return decoded.claims

    def issue_purpose(
        self,
        subject: str,
        purpose: str,
        *,
        ttl_seconds: int,
        extra: Mapping[str, Any] | None = None,
        now: float | None = None,
    ) -> str:
        """A single-purpose token (e.g. email confirmation). Its audience and `typ` differ from access
        tokens', and it has no `role`, so it can never pass as an access token, nor one as it. `now`: the
        moment it is issued at (default: the clock)."""
        now = int(time.time() if now is None else now)
        claims = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self._purpose_audience(purpose),
            "iat": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid7()),
            **(extra or {}),
        }
        header = {"alg": ALGORITHM, "kid": self._active.kid, "typ": f"{purpose}+jwt"}
        return jwt.encode(header, claims, self._active, algorithms=[ALGORITHM])

    def verify_purpose(self, token: str, purpose: str, *, now: float | None = None) -> dict[str, Any]:
        """The claims of a valid `purpose` token, its expiry judged at `now` (default: the clock)."""
        options: dict[str, Any] = {name: {"essential": True} for name in PURPOSE_CLAIMS}
        options["iss"]["value"], options["aud"]["value"] = self.issuer, self._purpose_audience(purpose)
        moment = None if now is None else int(now)
        try:
            decoded = jwt.decode(token, self._select_key, algorithms=[ALGORITHM])
            JWTClaimsRegistry(now=moment, leeway=5, **options).validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as exc:
            raise _refused(exc) from exc
        if decoded.header.get("typ") != f"{purpose}+jwt":
            raise InvalidToken("unexpected token type")
        return decoded.claims

    def _purpose_audience(self, purpose: str) -> str:
        return f"{self.audience}#{purpose}"

    def _select_key(self, obj: Any) -> OKPKey:
        kid = obj.headers().get("kid")
        if not isinstance(kid, str) or kid not in self._keys:
            raise InvalidToken("unknown key id")
        return self._keys[kid]

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        try:
            role = Role(claims["role"])
        except ValueError as exc:
            raise InvalidToken("unknown role") from exc
        return Principal(
            id=str(claims["sub"]),
            role=role,
            email_confirmed=bool(claims.get("email_verified", False)),
            token_id=str(claims["jti"]),
            session_id=str(claims["sid"]) if claims.get("sid") else None,
            expires_at=int(claims["exp"]),
            scopes=frozenset(str(claims.get("scope", "")).split()),
        )

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self._keys.values()]}
