"""Turns an `Authorization: Bearer` header into a Principal, once per request."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from auth.principal import Principal, Role
from auth.revocation import RevocationList, RevocationUnknown
from auth.tokens import InvalidToken, TokenService

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Authentication:
    principal: Principal | None = None
    error: str | None = None  # why a presented token was refused; None when no token was sent
    # The token could not be checked (its revocation could not be read): the client should retry, not sign out.
    retryable: bool = False


ANONYMOUS = Authentication()


REVOKED = Authentication(error="Invalid access token: revoked")
UNCHECKED = Authentication(error="The access token cannot be checked right now; retry shortly", retryable=True)
VERIFIED_KEPT = 10_000  # verified tokens remembered; past that the memory starts over


class Authenticator:
    def __init__(self, tokens: TokenService, revocations: RevocationList) -> None:
        self.tokens = tokens
        self.revocations = revocations
        # token -> its principal, until the token expires: a signature is verified once per token, not
        # once per request. Revocation is not cached: it is checked on every request.
        self._verified: dict[str, Principal] = {}

    async def authenticate(self, authorization: str | None) -> Authentication:
        outcome = self.verify(authorization)
        if outcome.principal is None or not outcome.principal.token_id:
            return outcome
        return await self.settle(outcome, await self.revocations.cached(self.revocation_keys(outcome.principal)))

    async def settle(self, outcome: Authentication, cached: bool | None) -> Authentication:
        """The outcome of a verified token, given what the cache said about its revocation keys (None: the
        cache could not be read); the durable list decides when the cache does not say "revoked"."""
        principal = outcome.principal
        if principal is None or not principal.token_id:
            return outcome
        try:
            revoked = await self.revocations.decide(self.revocation_keys(principal), cached)
        except RevocationUnknown:
            log.warning("revocation cannot be checked; asking the client to retry")
            return UNCHECKED
        return REVOKED if revoked else outcome

    def verify(self, authorization: str | None) -> Authentication:
        """The token's signature, issuer, audience and expiry; NOT its revocation (see `revocation_keys`)."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Authentication(error="Authorization header must be 'Bearer <token>'")
        known = self._verified.get(token)
        if known is not None and (known.expires_at or 0) > time.time():
            return Authentication(principal=known)
        try:
            principal = self.tokens.principal(self.tokens.verify(token))
        except InvalidToken as exc:
            return Authentication(error=f"Invalid access token: {exc}")
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.clear()
        self._verified[token] = principal
        return Authentication(principal=principal)

    def revocation_keys(self, principal: Principal) -> list[str]:
        """The cache keys whose presence revokes the principal's token (empty: nothing to check)."""
        if not principal.token_id:
            return []
        return self.revocations.keys(principal.token_id, principal.session_id, _user_of(principal))


def _user_of(principal: Principal) -> str | None:
    """The account whose revocation (a disabled account) kills the token; partner clients have none."""
    return None if principal.role == Role.CLIENT else principal.id
