"""POST /oauth/token: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for partner clients.

Authlib's framework-neutral AuthorizationServer and ClientCredentialsGrant do the protocol (client
authentication by HTTP Basic or form fields, grant and scope checks, error bodies); this module adapts them
to Starlette. Authlib is synchronous, so the client row is loaded from PostgreSQL first and handed to its
`query_client` through a context variable. Tokens are our JWTs (auth/tokens.py): role `client`, `sub` the
client id, `scope` the granted scopes.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientCredentialsGrant,
    ClientMixin,
    InvalidScopeError,
    OAuth2Request,
    scope_to_list,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.principal import Role
from auth.tokens import TokenService
from graph.edge.errors import is_store_outage
from models.partners.clients import PARTNER_SCOPES, PartnerClient
from resolvers.partners.clients import client_for_token

log = logging.getLogger("astro.oauth")
FORM = "application/x-www-form-urlencoded"
RETRY_AFTER = 5  # seconds a client should wait when a store is down
MAX_FORM_BYTES = 4096
CLIENT_ID = re.compile(r"^[A-Za-z0-9-]{1,36}$")
_loaded: ContextVar[PartnerClient | None] = ContextVar("oauth_client", default=None)


class OAuthClient(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: PartnerClient) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.id

    def get_allowed_scope(self, scope: str | None) -> str:
        granted = self.row.scopes
        if scope:
            granted = [name for name in scope_to_list(scope) if name in self.row.scopes]
        return " ".join(sorted(set(granted)))

    def check_client_secret(self, client_secret: str) -> bool:
        return self.row.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False


class PartnerCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_requested_scope(self) -> None:
        """A client may ask for some of its own scopes, never more."""
        requested = set(scope_to_list(self.request.payload.scope) or [])
        if not requested <= set(self.request.client.row.scopes):
            raise InvalidScopeError(description="The client does not hold every requested scope.")


class FormRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, uri: str, form: dict[str, str], headers: dict[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class TokenServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, tokens: TokenService) -> None:
        super().__init__(scopes_supported=list(PARTNER_SCOPES))
        self.tokens = tokens
        self.register_grant(PartnerCredentialsGrant)
        self.register_token_generator("default", self.generate_bearer)

    def query_client(self, client_id: str) -> OAuthClient | None:
        row = _loaded.get()
        return OAuthClient(row) if row is not None and row.id == client_id else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Access tokens are self-contained JWTs: nothing to store."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        return JSONResponse(body, status, headers=dict(headers))

    def generate_bearer(self, *, client: OAuthClient, scope: str | None = None, **_: Any) -> dict[str, Any]:
        granted = client.get_allowed_scope(scope)
        token = self.tokens.issue(client.get_client_id(), Role.CLIENT, extra={"scope": granted})
        return {"access_token": token, "token_type": "Bearer", "expires_in": self.tokens.ttl_seconds, "scope": granted}


def oauth_error(status: int, error: str, description: str, headers: dict[str, str] | None = None) -> Response:
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
    return JSONResponse({"error": error, "error_description": description}, status, headers=headers)


async def read_form(request: Request) -> dict[str, str] | Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM:
        return oauth_error(400, "invalid_request", f"Send the parameters as {FORM}.")
    try:
        async with asyncio.timeout(request.app.state.services.settings.body_timeout_seconds):
            body = await request.body()
    except TimeoutError:
        return oauth_error(408, "invalid_request", "The request body did not arrive in time.")
    if len(body) > MAX_FORM_BYTES:
        return oauth_error(413, "invalid_request", "The request is too large.")
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    form = dict(pairs)
    if len(form) != len(pairs):
        return oauth_error(400, "invalid_request", "A parameter is repeated.")
    return form


async def token_endpoint(request: Request) -> Response:
    services = request.app.state.services
    if services.settings.oauth_https_required and request.url.scheme != "https":
        return oauth_error(400, "invalid_request", "OAuth 2 requires https.")
    ip = request.client.host if request.client else None
    wait = await services.rate_limiter.retry_after(ip=ip, user=None)
    if wait is not None:
        return oauth_error(429, "slow_down", "Too many requests.", {"Retry-After": str(wait)})
    form = await read_form(request)
    if isinstance(form, Response):
        return form
    headers = dict(request.headers)
    headers["Authorization"] = request.headers.get("authorization", "")
    basic_id = extract_basic_authorization(headers)[0]
    if basic_id and ("client_id" in form or "client_secret" in form):  # RFC 6749 §2.3: one method only
        return oauth_error(400, "invalid_request", "Authenticate the client with one method only.")
    client_id = basic_id or form.get("client_id")
    if client_id and not CLIENT_ID.match(client_id):
        client_id = None  # not one of ours: Authlib answers invalid_client
    # The scheme was checked above; Authlib's own check would refuse plain http in development.
    oauth_request = FormRequest(str(request.url.replace(scheme="https")), form, headers)
    try:
        async with services.db.unit_of_work() as uow:  # the row is read while its unit of work is open
            row = await client_for_token(uow, client_id=client_id) if client_id else None
            loaded = _loaded.set(row)
            try:
                response: Response = services.oauth.create_token_response(oauth_request)
            finally:
                _loaded.reset(loaded)
    except Exception as exc:
        if not is_store_outage(exc):
            raise
        log.warning("token endpoint: operations store unavailable", exc_info=True)
        return oauth_error(503, "temporarily_unavailable", "Try again shortly.", {"Retry-After": str(RETRY_AFTER)})
    return _one_invalid_client(response)


def _one_invalid_client(response: Response) -> Response:
    """An unknown client and a wrong secret get the same answer: invalid_client, 401 (RFC 6749 §5.2)."""
    if response.status_code not in (400, 401) or b'"invalid_client"' not in bytes(response.body):
        return response
    return oauth_error(
        401, "invalid_client", "Client authentication failed.", {"WWW-Authenticate": 'Basic realm="astrobookings"'}
    )
