"""The authentication middleware: one bearer-token check per request, for http and websocket scopes alike.

It reads the `Authorization` header (a websocket handshake may carry it too), verifies it once through
auth/ (signature, expiry, revocation) and leaves the outcome on the scope, where every endpoint reads it
(`request.state.principal`, `request.state.auth_error`):

- `principal`: the caller, or None (anonymous, or the token was refused);
- `auth_error`: why a presented token was refused, None when none was sent;
- `auth_retryable`: the token could not be checked (revocation unreadable): SERVICE_UNAVAILABLE, not
  UNAUTHENTICATED, so clients retry instead of throwing their tokens away.

It never answers by itself: each endpoint decides whether it needs a principal and refuses in its own
format (GraphQL's `UNAUTHENTICATED`, the CSV route's 401).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from auth.authenticate import ANONYMOUS, Authentication, Authenticator
from graph.edge.gateway import client_ip
from graph.edge.rate_limit import RateLimiter
from resolvers.monitoring.logs import record

AUTHENTICATED_SCOPES = frozenset({"http", "websocket"})


class AuthenticationMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        authenticator: Callable[[], Authenticator],
        rate_limiter: Callable[[], RateLimiter] | None = None,
        counted_paths: frozenset[str] = frozenset(),
        gateway_secret: str | None = None,
    ) -> None:
        # Getters: the Authenticator and the limiter live in the services the lifespan builds, after the
        # middleware. On `counted_paths` (the GraphQL endpoint) the revocation check and the rate-limit
        # counters share one cache round trip; the endpoint then does not count the request again.
        self.app = app
        self.authenticator = authenticator
        self.rate_limiter = rate_limiter
        self.counted_paths = counted_paths
        self.gateway_secret = gateway_secret  # behind the gateway, the address it forwards is counted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in AUTHENTICATED_SCOPES:
            authorization = authorization_header(scope)
            state = scope.setdefault("state", {})
            # Anonymous requests (the response-cache fast lane among them) cost no await and no verification.
            if authorization is None:
                outcome = ANONYMOUS
            elif self.rate_limiter is not None and scope["type"] == "http" and scope["path"] in self.counted_paths:
                outcome = await self._admit(scope, state, authorization)
            else:
                outcome = await self.authenticator().authenticate(authorization)
            state["principal"] = outcome.principal
            state["auth_error"] = outcome.error
            state["auth_retryable"] = outcome.retryable
            if outcome.error is not None:
                # The reason only: the presented token itself never reaches the log.
                request_id, path = state.get("request_id"), scope.get("path")
                await record("warning", "token_refused", outcome.error, request_id=request_id, data={"path": path})
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope, state: dict[str, Any], authorization: str) -> Authentication:
        """Verify the token (once per token), then count the request and check the token's revocation in
        one round trip. The limiter's verdict is left on the scope (`admission`) for the endpoint."""
        assert self.rate_limiter is not None
        authenticator = self.authenticator()
        outcome = authenticator.verify(authorization)
        if outcome.principal is None:
            return outcome  # refused before any round trip; the endpoint counts the request by address
        admission = await self.rate_limiter().admit(
            ip=client_ip(scope, self.gateway_secret),
            user=outcome.principal.id,
            revocation_keys=authenticator.revocation_keys(outcome.principal),
        )
        state["admission"] = admission
        return await authenticator.settle(outcome, admission.revoked)


def authorization_header(scope: Scope) -> str | None:
    """The first `Authorization` header, as Starlette's `request.headers.get` would give it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None
