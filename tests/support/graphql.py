"""Test helpers: a small GraphQL client over the ASGI app, and `make_user` (a user of any role + token)."""

from __future__ import annotations

from typing import Any

import httpx

from auth.passwords import hash_password
from models.accounts.users import User, insert_user
from models.ids import new_id
from models.store.mongo import run_sync


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """POST an operation; return the decoded body (asserting the HTTP layer answered 200)."""
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


# A password every user made by `make_user` has (it passes the password policy).
TEST_PASSWORD = "Orbital-Test-Passphrase-7"


async def make_user(
    services: Any, role: str, *, confirmed: bool = True, email: str | None = None, name: str | None = None
) -> tuple[User, str]:
    """Create a user of `role` (traveler, agency, financial, it) and return it with a valid access token.

    The user's password is TEST_PASSWORD; the token carries `email_verified` = `confirmed`."""
    from resolvers.accounts.sessions import access_token_for

    password_hash = await _test_password_hash()
    user = await run_sync(
        insert_user,
        name=name or f"Test {role.title()}",
        email=email or f"{role}-{new_id()}@example.test",
        role=role,
        password_hash=password_hash,
        confirmed=confirmed,
    )
    return user, access_token_for(services.tokens, user)


_HASHES: dict[str, str] = {}


async def _test_password_hash() -> str:
    """Argon2 is deliberately slow: hash the shared test password once per test session."""
    if TEST_PASSWORD not in _HASHES:
        _HASHES[TEST_PASSWORD] = await hash_password(TEST_PASSWORD)
    return _HASHES[TEST_PASSWORD]
