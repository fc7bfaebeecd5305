"""The per-request context every resolver receives as `info.context`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info

from auth import policies
from auth.principal import Principal
from graph.loaders import Loaders
from graph.services import Services
from models.errors import AuthenticationUnavailable, Forbidden, Unauthenticated
from models.sync.outbox import Origin
from resolvers.request import RequestBundle


@dataclass
class Context:
    request: Request | None
    services: Services
    request_id: str
    principal: Principal | None = None
    auth_error: str | None = None
    auth_retryable: bool = False  # the token could not be checked: SERVICE_UNAVAILABLE, not UNAUTHENTICATED
    response_headers: dict[str, str] = field(default_factory=dict)
    # Set by fields whose answer changes by itself at a known moment (the catalogue's next VIP window end).
    fresh_until: datetime | None = None
    # A websocket's `connection_init` payload (Strawberry sets it); None over HTTP.
    connection_params: dict[str, Any] | None = None
    websocket: WebSocket | None = None  # the socket a subscription runs on
    # The request carries the gateway's proof (graph/edge/gateway.py): trusted documents were enforced there.
    via_gateway: bool = False
    # Queries over HTTP may take the compiled read path (graph/compiled/hook.py); set by graph/edge/http.py.
    compiled_reads: bool = False
    # This request's DataLoaders (graph/loaders.py), each created on first use.
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services.bundle(self.principal, self.origin("load")))

    def fresh(self) -> Context:
        """The same caller with new DataLoaders: a long-lived websocket context must not serve stale rows."""
        return dataclasses.replace(self)

    @property
    def client_address(self) -> str | None:
        """The caller's network address (the per-address throttles key on it)."""
        client = self.request.client if self.request is not None else None
        return client.host if client else None

    def require_principal(self) -> Principal:
        if self.principal is None:
            if self.auth_retryable:
                raise AuthenticationUnavailable(self.auth_error or "Authentication unavailable")
            raise Unauthenticated(self.auth_error or "Authentication required")
        return self.principal

    def require_role(self, *roles: str) -> Principal:
        principal = self.require_principal()
        if not policies.has_role(principal, roles):
            raise Forbidden(f"This operation is for {', '.join(roles)} users")
        return principal

    def bundle(self, info: Info) -> RequestBundle:
        """What the use case behind the field `info` needs: the caller, the change's origin, the services."""
        return self.services.bundle(self.principal, self.origin(info.field_name))

    def origin(self, operation: str) -> Origin:
        """Stamp for outbox events and log entries: this operation, this caller, this request."""
        actor = f"{self.principal.role}:{self.principal.id}" if self.principal else None
        return Origin(operation=operation, actor=actor, request_id=self.request_id)


def route_bundle(request: Request, operation: str) -> RequestBundle:
    """The request bundle of a route besides /graphql (CSV, charts, exports): the principal the
    authentication middleware put on the scope, stamped with this route's operation name."""
    principal: Principal | None = request.state.principal
    if principal is None:
        if getattr(request.state, "auth_retryable", False):
            raise AuthenticationUnavailable(request.state.auth_error or "Authentication unavailable")
        raise Unauthenticated(request.state.auth_error or "Authentication required")
    origin = Origin(operation=operation, actor=f"{principal.role}:{principal.id}", request_id=request.state.request_id)
    services: Services = request.app.state.services
    return services.bundle(principal, origin)
