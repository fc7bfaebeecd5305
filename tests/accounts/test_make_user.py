"""The shared `make_user` builder: every role, a working token, the confirmation flag in the claims."""

from __future__ import annotations

import pytest

from tests.support.accounts import ME, login
from tests.support.builders import TEST_PASSWORD, make_user


@pytest.mark.parametrize("role", ["traveler", "agency", "financial", "it"])
async def test_make_user_returns_a_user_and_a_working_token(gql, services, role):
    user, token = await make_user(services, role)
    me = (await gql(ME, token=token))["data"]["me"]
    assert me["id"] == user.id and me["role"] == role.upper() and me["emailConfirmed"] is True
    assert services.tokens.verify(token)["email_verified"] is True


async def test_make_user_unconfirmed_with_an_email_can_log_in(gql, services):
    user, token = await make_user(services, "traveler", confirmed=False, email="Sally@Example.com")
    assert user.email == "sally@example.com"
    assert services.tokens.principal(services.tokens.verify(token)).email_confirmed is False
    assert (await login(gql, "sally@example.com", TEST_PASSWORD))["data"]["login"]["user"]["id"] == user.id
