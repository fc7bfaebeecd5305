"""changePassword: current password checked (and throttled), policy applied, other sessions ended."""

from __future__ import annotations

import pytest

from tests.support.accounts import ME, PASSWORD, REFRESH, login, register
from tests.support.graphql import error_codes

CHANGE = """
mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) {
    __typename
    ... on PasswordChanged { sessionsEnded }
    ... on WeakPassword { message }
  }
}"""
NEW_PASSWORD = "Quasar-Lantern-9082"


async def test_changing_the_password_ends_the_other_sessions(gql):
    await register(gql, "dorothy@example.com")
    mine = (await login(gql, "dorothy@example.com"))["data"]["login"]
    others = [(await login(gql, "dorothy@example.com"))["data"]["login"] for _ in range(2)]
    result = (await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD}, token=mine["accessToken"]))["data"]
    assert result["changePassword"] == {"__typename": "PasswordChanged", "sessionsEnded": 2}
    for other in others:
        assert error_codes(await gql(ME, token=other["accessToken"])) == ["UNAUTHENTICATED"]
        assert error_codes(await gql(REFRESH, {"token": other["refreshToken"]})) == ["UNAUTHENTICATED"]
    assert (await gql(ME, token=mine["accessToken"]))["data"]["me"]
    assert (await gql(REFRESH, {"token": mine["refreshToken"]}))["data"]["refreshToken"]
    assert error_codes(await login(gql, "dorothy@example.com")) == ["INVALID_CREDENTIALS"]
    assert (await login(gql, "dorothy@example.com", NEW_PASSWORD))["data"]["login"]


async def test_a_wrong_current_password_or_a_weak_new_one_is_refused(gql):
    await register(gql, "emmy@example.com")
    token = (await login(gql, "emmy@example.com"))["data"]["login"]["accessToken"]
    wrong = await gql(CHANGE, {"current": "Not-My-Password-1", "new": NEW_PASSWORD}, token=token)
    assert error_codes(wrong) == ["INVALID_CREDENTIALS"]
    weak = await gql(CHANGE, {"current": PASSWORD, "new": "password123"}, token=token)
    assert weak["data"]["changePassword"]["__typename"] == "WeakPassword"
    assert (await login(gql, "emmy@example.com"))["data"]["login"]


async def test_changing_the_password_needs_a_signed_in_user(gql):
    assert error_codes(await gql(CHANGE, {"current": PASSWORD, "new": NEW_PASSWORD})) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("password", [" " * 10, "\t" * 12, "Nebula-Drift\n-4471", "Nebula\x1b[31m-Drift-4471"])
async def test_register_and_change_refuse_the_same_passwords(gql, password):
    """One rule for both: white space only and control characters are refused by either mutation."""
    assert (await register(gql, "fay@example.com", password))["__typename"] == "WeakPassword"
    await register(gql, "gus@example.com")
    token = (await login(gql, "gus@example.com"))["data"]["login"]["accessToken"]
    changed = await gql(CHANGE, {"current": PASSWORD, "new": password}, token=token)
    assert changed["data"]["changePassword"]["__typename"] == "WeakPassword", changed
    assert (await login(gql, "gus@example.com"))["data"]["login"]
