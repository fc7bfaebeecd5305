"""Subscriptions over graphql-transport-ws against apps served by uvicorn: fan-out across instances through
Redis, access at connection_init and at subscribe, revocation closing the socket, origin and limits."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from graph.app import create_app
from graph.settings import Settings
from tests.support.builders import make_cast
from tests.support.live import live_socket, receive, served, subscribe, until
from tests.support.stores import drop_mongo_database, truncate

STATUS = "subscription($id: ID!) { launchStatusChanged(launchId: $id) { fromStatus toStatus changedBy reason } }"
CATALOGUE = "subscription { catalogueChanged { launchId kind } }"
CONFIRM = "mutation($id: ID!) { confirmLaunch(id: $id) { __typename } }"


@contextlib.asynccontextmanager
async def instance(settings: Settings, **overrides: Any) -> AsyncIterator[tuple[str, Any]]:
    app = create_app(settings.model_copy(update=overrides))
    async with served(app) as address:
        yield address, app.state.services


@pytest.fixture
async def stores(settings: Settings) -> AsyncIterator[Settings]:
    await truncate(settings)
    yield settings
    from models.store import mongo

    mongo.connect(settings.mongodb_url or "", settings.mongodb_db)
    await mongo.run_sync(drop_mongo_database)
    mongo.disconnect()


def bearer(token: str | None) -> dict[str, Any]:
    return {"authorization": f"Bearer {token}"}


async def post(address: str, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
    return dict(response.json())


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="two instances share live messages through Redis")
async def test_a_subscriber_on_one_instance_sees_a_move_made_through_another_within_a_second(
    stores: Settings,
) -> None:
    async with instance(stores) as (a, services_a), instance(stores, run_worker=True) as (b, _):
        cast = await make_cast(services_a)
        async with live_socket(a, bearer(cast.tokens["traveler"])) as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, STATUS, {"id": cast.launch.id})
            await until(lambda: services_a.live.subscriber_count() == 1)
            started = time.monotonic()
            moved = await post(b, CONFIRM, {"id": cast.launch.id}, str(cast.tokens["agency"]))
            assert moved["data"]["confirmLaunch"]["__typename"] == "LaunchMoved"
            message = await receive(ws, seconds=1.0)
            elapsed = time.monotonic() - started
        assert message["type"] == "next"
        assert message["payload"]["data"]["launchStatusChanged"] == {
            "fromStatus": "SCHEDULED",
            "toStatus": "CONFIRMED",
            "changedBy": cast.users["agency"].id,
            "reason": None,
        }
        assert elapsed < 1.0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="the pub/sub connection is Redis's")
async def test_one_redis_pub_sub_connection_serves_all_the_subscribers_of_a_process(stores: Settings) -> None:
    import redis.asyncio as redis

    async with instance(stores) as (a, services), contextlib.AsyncExitStack() as sockets:
        for n in range(5):
            ws = await sockets.enter_async_context(live_socket(a))
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, CATALOGUE, id=str(n))
        await until(lambda: services.live.subscriber_count() == 5)
        channel = f"{stores.cache_namespace}:live"
        client = redis.Redis.from_url(str(stores.redis_url))
        try:
            assert await client.pubsub_numsub(channel) == [(channel.encode(), 1)]
        finally:
            await client.aclose()


async def test_within_one_process_the_catalogue_hint_reaches_anonymous_subscribers(stores: Settings) -> None:
    async with instance(stores, run_worker=True, redis_url=None) as (a, services):
        cast = await make_cast(services)
        async with live_socket(a) as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, CATALOGUE)
            await until(lambda: services.live.subscriber_count() == 1)
            await post(a, CONFIRM, {"id": cast.launch.id}, str(cast.tokens["agency"]))
            message = await receive(ws)
        assert message["payload"]["data"]["catalogueChanged"] == {"launchId": cast.launch.id, "kind": "STATUS"}


async def test_a_refused_token_is_refused_at_connection_init(stores: Settings) -> None:
    """4401, which graphql-ws clients (the gateway's too) do not retry, with the reason HTTP would give."""
    async with instance(stores) as (a, _), live_socket(a, bearer("not-a-token")) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert closed.value.rcvd.reason.startswith("Invalid access token")


async def test_a_token_that_cannot_be_checked_right_now_gets_a_close_clients_retry(stores: Settings) -> None:
    """The revocation store unreachable: 4403 (graphql-ws clients retry it), never 4401 (give up)."""
    from auth.authenticate import Authenticator
    from auth.revocation import RevocationList
    from models.store.cache import build_cache

    async with instance(stores) as (a, services):
        cast = await make_cast(services)
        dead = build_cache("redis://127.0.0.1:1/0", "outage")  # nothing listens on port 1
        services.authenticator = Authenticator(services.tokens, RevocationList(dead))
        try:
            async with live_socket(a, bearer(cast.tokens["traveler"])) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await receive(ws)
        finally:
            await dead.close()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_another_agency_cannot_subscribe_to_a_launch_and_anonymous_callers_must_sign_in(
    stores: Settings,
) -> None:
    async with instance(stores) as (a, services):
        cast = await make_cast(services)
        for params, code in ((bearer(cast.tokens["other_agency"]), "FORBIDDEN"), ({}, "UNAUTHENTICATED")):
            async with live_socket(a, params) as ws:
                assert (await receive(ws))["type"] == "connection_ack"
                await subscribe(ws, STATUS, {"id": cast.launch.id})
                message = await receive(ws)
            assert message["type"] == "next"
            assert message["payload"]["errors"][0]["extensions"]["code"] == code
        assert services.live.subscriber_count() == 0


async def test_a_revoked_token_closes_its_socket(stores: Settings) -> None:
    async with instance(stores, ws_auth_check_seconds=0.05) as (a, services):
        cast = await make_cast(services)
        token = str(cast.tokens["traveler"])
        async with live_socket(a, bearer(token)) as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, STATUS, {"id": cast.launch.id})
            await until(lambda: services.live.subscriber_count() == 1)
            principal = services.tokens.principal(services.tokens.verify(token))
            await services.revocations.revoke(principal.token_id, principal.expires_at)
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        await until(lambda: services.live.subscriber_count() == 0)


async def test_an_expired_token_closes_its_socket(stores: Settings) -> None:
    async with instance(stores, access_token_ttl_seconds=1) as (a, services):
        cast = await make_cast(services)
        from resolvers.accounts.sessions import access_token_for

        token = access_token_for(services.tokens, cast.users["traveler"])
        async with live_socket(a, bearer(token)) as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws, seconds=3.0)
        assert closed.value.rcvd is not None and closed.value.rcvd.reason == "Access token expired"


async def test_origins_connections_per_user_and_subscriptions_per_connection_are_limited(stores: Settings) -> None:
    limits = {"ws_max_connections_per_user": 1, "ws_max_subscriptions_per_connection": 1}
    async with instance(stores, ws_allowed_origins=["https://app.example"], **limits) as (a, services):
        cast = await make_cast(services)
        with pytest.raises(Exception, match="403"):
            async with live_socket(a, origin="https://evil.example"):
                pass
        async with live_socket(a, origin="https://app.example") as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, CATALOGUE, id="1")
            await subscribe(ws, CATALOGUE, id="2")
            refused = await receive(ws)
            assert refused["type"] == "error" and refused["id"] == "2"
        async with live_socket(a, bearer(cast.tokens["traveler"])) as first:
            assert (await receive(first))["type"] == "connection_ack"
            async with live_socket(a, bearer(cast.tokens["traveler"])) as second:
                with pytest.raises(ConnectionClosed):
                    await receive(second)


async def test_queries_and_mutations_are_refused_over_websocket(stores: Settings) -> None:
    async with instance(stores) as (a, _):
        async with live_socket(a) as ws:
            assert (await receive(ws))["type"] == "connection_ack"
            await subscribe(ws, "{ __typename }")
            refused = await receive(ws)
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_subscription_sent_over_http_points_to_the_websocket(stores: Settings) -> None:
    import httpx

    async with instance(stores) as (a, _), httpx.AsyncClient(base_url=f"http://{a}") as client:
        response = await client.post("/graphql", json={"query": CATALOGUE})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "WebSocket" in response.json()["errors"][0]["message"]


NOTIFICATIONS = "subscription { myNotifications { event recipientId subject status } }"


async def test_my_notifications_reach_their_owner_only(stores: Settings) -> None:
    from tests.support.notifications import deliver

    async with instance(stores, run_worker=False) as (a, services):
        cast = await make_cast(services)
        async with (
            live_socket(a, bearer(cast.tokens["traveler"])) as mine,
            live_socket(a, bearer(cast.tokens["other_traveler"])) as theirs,
        ):
            for ws in (mine, theirs):
                assert (await receive(ws))["type"] == "connection_ack"
                await subscribe(ws, NOTIFICATIONS)
            await until(lambda: services.live.subscriber_count() == 2)
            await post(a, CONFIRM, {"id": cast.launch.id}, str(cast.tokens["agency"]))
            assert await deliver(services, "launch_confirmed") >= 1  # the relay's part, played here
            message = await receive(mine)
            assert message["payload"]["data"]["myNotifications"]["recipientId"] == cast.users["traveler"].id
            assert message["payload"]["data"]["myNotifications"]["event"] == "LAUNCH_CONFIRMED"
            assert await deliver(services, "launch_confirmed") == 0  # redelivered: nothing new, nothing announced
            with pytest.raises(TimeoutError):
                await receive(theirs, seconds=0.3)
            with pytest.raises(TimeoutError):
                await receive(mine, seconds=0.3)


async def test_my_notifications_needs_a_signed_in_user(stores: Settings) -> None:
    async with instance(stores) as (a, _), live_socket(a) as ws:
        assert (await receive(ws))["type"] == "connection_ack"
        await subscribe(ws, NOTIFICATIONS)
        message = await receive(ws)
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
