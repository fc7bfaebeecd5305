"""The authentication middleware: one bearer-token check per request, for http and websocket scopes alike.

It reads the `Authorization` header (a websocket handshake may carry it too), verifies it once through
auth/ (signature, expiry, revocation) and leaves the outcome on the scope, where every endpoint reads it
(`request.state.principal`, `request.state.auth_error`):

- `principal`: the caller, or None (anonymous, or the token was refused);
- `auth_error`: why a presented token was refused, None when none was sent.

It never answers by itself: each endpoint decides whether it needs a principal and refuses in its own
format (GraphQL's `UNAUTHENTICATED`, the CSV route's 401).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from auth.authenticate import ANONYMOUS, Authenticator
from resolvers.monitoring.logs import record

AUTHENTICATED_SCOPES = frozenset({"http", "websocket"})


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Callable[[], Authenticator]) -> None:
        # A getter: the Authenticator lives in the services the lifespan builds, after the middleware.
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in AUTHENTICATED_SCOPES:
            authorization = authorization_header(scope)
            # Anonymous requests (the response-cache fast lane among them) cost no await and no verification.
            outcome = ANONYMOUS if authorization is None else await self.authenticator().authenticate(authorization)
            state = scope.setdefault("state", {})
            state["principal"] = outcome.principal
            state["auth_error"] = outcome.error
            if outcome.error is not None:
                # The reason only: the presented token itself never reaches the log.
                request_id, path = state.get("request_id"), scope.get("path")
                await record("warning", "token_refused", outcome.error, request_id=request_id, data={"path": path})
        await self.app(scope, receive, send)


def authorization_header(scope: Scope) -> str | None:
    """The first `Authorization` header, as Starlette's `request.headers.get` would give it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode("latin-1")
    return None
