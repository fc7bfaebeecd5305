"""Class 8: after Redis restarts, broken pooled connections are detected and replaced: the next signed-in
requests and logins succeed (no "revoked", no SERVICE_UNAVAILABLE), and revocations survive the restart."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults.conftest import gql_of
from tests.support.accounts import LOGIN, LOGOUT, ME
from tests.support.builders import TEST_PASSWORD, make_user
from tests.support.graphql import error_codes

pytestmark = [pytest.mark.faults, pytest.mark.slow]


async def test_signed_in_requests_and_logins_succeed_right_after_redis_restarts(fault_edge, own_redis):
    edge = await fault_edge()
    gql = gql_of(edge.http)
    user, token = await make_user(edge.services, "traveler")
    # Several pooled connections, all broken by the restart.
    for body in await asyncio.gather(*[gql(ME, token=token) for _ in range(6)]):
        assert body["data"]["me"]["id"] == user.id
    await asyncio.gather(*[edge.services.cache.get(f"warm-{n}") for n in range(8)])  # more pooled connections
    own_redis.restart()
    for _ in range(6):  # logins first: the login throttle meets the broken connections
        logged_in = await gql(LOGIN, {"email": user.email, "password": TEST_PASSWORD})
        assert "errors" not in logged_in and logged_in["data"]["login"]["accessToken"], logged_in
    for _ in range(6):
        me = await gql(ME, token=token)
        assert "errors" not in me and me["data"]["me"]["id"] == user.id, me


async def test_every_pooled_connection_is_replaced_after_a_restart(fault_edge, own_redis):
    cache = (await fault_edge()).services.cache
    await cache.set("kept", 1)
    assert await asyncio.gather(*[cache.get("kept") for _ in range(8)]) == [1] * 8  # 8 pooled connections
    own_redis.restart()
    assert await asyncio.gather(*[cache.get("kept") for _ in range(8)]) == [None] * 8  # all replaced, none fails
    await cache.set("kept", 2)
    assert await cache.get("kept") == 2


async def test_a_logout_still_holds_after_redis_restarts_empty(fault_edge, own_redis):
    edge = await fault_edge()
    gql = gql_of(edge.http)
    user, _ = await make_user(edge.services, "traveler")
    token = (await gql(LOGIN, {"email": user.email, "password": TEST_PASSWORD}))["data"]["login"]["accessToken"]
    assert (await gql(LOGOUT, token=token))["data"]["logout"] is True
    own_redis.restart()  # no persistence: the cache's copy of the revocation is gone
    for _ in range(3):
        refused = await gql(ME, token=token)
        assert error_codes(refused) == ["UNAUTHENTICATED"] and "revoked" in refused["errors"][0]["message"]
