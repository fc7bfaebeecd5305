"""Turns an `Authorization: Bearer` header into a Principal, once per request."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from auth.principal import Principal
from auth.revocation import RevocationList
from auth.tokens import InvalidToken, TokenService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Authentication:
    principal: Principal | None = None
    error: str | None = None  # why a presented token was refused; None when no token was sent


ANONYMOUS = Authentication()


class Authenticator:
    def __init__(self, tokens: TokenService, revocations: RevocationList) -> None:
        self.tokens = tokens
        self.revocations = revocations

    async def authenticate(self, authorization: str | None) -> Authentication:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Authentication(error="Authorization header must be 'Bearer <token>'")
        try:
            principal = self.tokens.principal(self.tokens.verify(token.strip()))
        except InvalidToken as exc:
            return Authentication(error=f"Invalid access token: {exc}")
        if principal.token_id and await self._revoked(principal.token_id, principal.session_id):
            return Authentication(error="Invalid access token: revoked")
        return Authentication(principal=principal)

    async def _revoked(self, token_id: str, session_id: str | None) -> bool:
        # Fail closed: if the revocation list cannot be read, a revoked token must not slip through.
        try:
            return await self.revocations.is_revoked(token_id, session_id)
        except Exception:
            log.exception("revocation list unavailable; refusing token")
            return True
