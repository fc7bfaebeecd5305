"""The accounts journeys: GraphQL documents and a register/confirm/login walk."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.graphql import GraphQLClient

REGISTER = """
mutation($name: String!, $email: String!, $password: String!, $role: RegistrationRole!) {
  register(name: $name, email: $email, password: $password, role: $role) {
    __typename
    ... on RegisterSuccess { user { id email role emailConfirmed } }
    ... on EmailAlreadyRegistered { message }
    ... on WeakPassword { message }
    ... on InvalidInput { message field }
  }
}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken expiresIn tokenType user { id } }
}"""

REFRESH = """
mutation($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken expiresIn } }"""

CONFIRM = """
mutation($token: String!) {
  confirmEmail(token: $token) {
    __typename
    ... on EmailConfirmed { accessToken user { id emailConfirmed } }
    ... on InvalidConfirmationToken { message }
  }
}"""

ME = "{ me { id name email role emailConfirmed createdAt } }"
LOGOUT = "mutation { logout }"
PASSWORD = "Nebula-Drift-4471"


async def register(gql: GraphQLClient, email: str, password: str = PASSWORD, role: str = "TRAVELER") -> dict:
    body = await gql(REGISTER, {"name": "Ada Lovelace", "email": email, "password": password, "role": role})
    return body["data"]["register"]


async def login(gql: GraphQLClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    return await gql(LOGIN, {"email": email, "password": password})


def confirmation_token(caplog: pytest.LogCaptureFixture, email: str) -> str:
    """The token of the confirmation link logged for `email` (until notifications exist)."""
    for record in caplog.records:
        message = record.getMessage()
        if record.name == "astro.notifications" and f"to={email}" in message:
            found = re.search(r"/confirm\?token=([A-Za-z0-9._-]+)", message)
            if found:
                return found.group(1)
    raise AssertionError(f"no confirmation link logged for {email}")
