"""Classes 9, 10, 11: a cache that can be read but not written, and a cache that is down.

9: an invalidation the cache refuses does not leave an older catalogue served, on the instance that made the
   change nor on another one. 10: logout and refresh-token reuse succeed and revoke on every instance while the
   cache refuses writes. 11: with the cache down, signed-in requests work (the durable revocation list
   decides), revoked tokens stay refused, and nothing answers INTERNAL_SERVER_ERROR or a false "revoked"."""

from __future__ import annotations

import hashlib
import time

import pytest

from auth.revocation import RevocationList
from models.launches.catalogue_cache import TAG
from tests.faults.conftest import eventually, gql_of
from tests.support.accounts import LOGIN, LOGOUT, ME, REFRESH
from tests.support.builders import TEST_PASSWORD, make_user
from tests.support.graphql import error_codes
from tests.support.journeys import agency, book, schedule, traveler

pytestmark = [pytest.mark.faults, pytest.mark.slow]

CATALOGUE = "{ launches(first: 5) { edges { node { id seatsAvailable } } } }"


async def seats(http) -> int:
    response = await http.post("/graphql", json={"query": CATALOGUE})
    edges = response.json()["data"]["launches"]["edges"]
    return edges[0]["node"]["seatsAvailable"]


@pytest.mark.parametrize("refusal", ["noeviction", "client-pause-write"])
async def test_a_refused_invalidation_never_leaves_an_older_catalogue_served(fault_edge, own_redis, refusal):
    one, other = await fault_edge(), await fault_edge()
    gql = gql_of(one.http)
    seller = await agency(gql, one.services)
    launch_id = await schedule(gql, seller)
    buyer = await traveler(gql, one.services)
    assert await seats(one.http) == 10 and await seats(other.http) == 10
    assert await seats(one.http) == 10 and await seats(other.http) == 10  # now served from the cache
    if refusal == "noeviction":
        own_redis.refuse_writes()
    else:
        with own_redis.control() as control:
            control.execute_command("CLIENT", "PAUSE", "3000", "WRITE")
    booked = await book(gql, buyer, launch_id)
    assert booked["__typename"] == "BookSeatsSuccess", booked
    assert await seats(one.http) == 8
    assert not one.services.tags.trusted(TAG)  # known before the mutation answered
    await eventually(lambda: not other.services.tags.trusted(TAG))
    assert await seats(other.http) == 8
    if refusal == "noeviction":
        own_redis.accept_writes()
    else:
        with own_redis.control() as control:
            control.execute_command("CLIENT", "UNPAUSE")
    one.services.response_cache._skip_until = 0.0  # the back-off after the refused writes is over
    other.services.response_cache._skip_until = 0.0
    assert await seats(other.http) == 8 and other.services.tags.trusted(TAG)  # one bump landed: trusted again
    assert await seats(other.http) == 8


async def test_logout_and_refresh_reuse_revoke_on_every_instance_while_the_cache_refuses_writes(fault_edge, own_redis):
    one, other = await fault_edge(), await fault_edge()
    gql, gql_other = gql_of(one.http), gql_of(other.http)
    user, _ = await make_user(one.services, "traveler")
    credentials = {"email": user.email, "password": TEST_PASSWORD}
    first = (await gql(LOGIN, credentials))["data"]["login"]
    second = (await gql(LOGIN, credentials))["data"]["login"]
    renewed = (await gql(REFRESH, {"token": second["refreshToken"]}))["data"]["refreshToken"]
    own_redis.refuse_writes()

    logged_out = await gql(LOGOUT, token=first["accessToken"])
    assert logged_out == {"data": {"logout": True}}, logged_out
    reused = await gql(REFRESH, {"token": second["refreshToken"]})  # a used refresh token again
    assert error_codes(reused) == ["UNAUTHENTICATED"], reused

    for token in (first["accessToken"], renewed["accessToken"]):
        keys = RevocationList.keys(*_ids(one.services, token))
        await eventually(lambda keys=keys: other.services.revocations.mirror.contains(keys))
        for client in (gql, gql_other):
            refused = await client(ME, token=token)
            assert error_codes(refused) == ["UNAUTHENTICATED"], refused
            assert refused["errors"][0]["message"] == "Invalid access token: revoked"
    third = await gql(REFRESH, {"token": renewed["refreshToken"]})  # the session's later tokens are dead too
    assert error_codes(third) == ["UNAUTHENTICATED"]


async def test_with_the_cache_down_signed_in_requests_work_and_revoked_tokens_stay_refused(fault_edge, own_redis):
    edge = await fault_edge()
    gql = gql_of(edge.http)
    user, token = await make_user(edge.services, "traveler")
    credentials = {"email": user.email, "password": TEST_PASSWORD}
    session = (await gql(LOGIN, credentials))["data"]["login"]
    revoked = (await gql(LOGIN, credentials))["data"]["login"]["accessToken"]
    assert (await gql(LOGOUT, token=revoked))["data"]["logout"] is True
    own_redis.stop()

    for _ in range(3):
        me = await gql(ME, token=token)
        assert "errors" not in me and me["data"]["me"]["id"] == user.id, me
    refused = await gql(ME, token=revoked)
    assert error_codes(refused) == ["UNAUTHENTICATED"], refused
    assert (await gql(LOGOUT, token=session["accessToken"])) == {"data": {"logout": True}}  # durable only
    assert error_codes(await gql(ME, token=session["accessToken"])) == ["UNAUTHENTICATED"]
    # The login throttle cannot count: a retryable refusal, never an internal error.
    assert error_codes(await gql(LOGIN, credentials)) == ["SERVICE_UNAVAILABLE"]
    catalogue = await edge.http.post("/graphql", json={"query": CATALOGUE})
    assert catalogue.status_code == 200 and "errors" not in catalogue.json()


async def test_a_token_that_cannot_be_checked_is_retryable_never_revoked(fault_edge, own_redis):
    """Cache down and no durable answer yet (the mirror not loaded, PostgreSQL unreachable for the check)."""
    edge = await fault_edge()
    _, token = await make_user(edge.services, "traveler")
    revocations = edge.services.revocations
    revocations.mirror.ready = False

    async def unreachable(keys: list[str]) -> bool:
        raise ConnectionRefusedError("PostgreSQL down")

    revocations.durable.any_of = unreachable
    own_redis.stop()
    response = await edge.http.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"], body
    assert "revoked" not in body["errors"][0]["message"] and body["errors"][0]["extensions"]["retryAfter"] == 5


def _ids(services, token: str) -> tuple[str, str | None]:
    principal = services.tokens.principal(services.tokens.verify(token))
    return principal.token_id, principal.session_id


async def test_cache_errors_are_never_internal_errors(fault_edge, own_redis):
    edge = await fault_edge()
    user, _ = await make_user(edge.services, "traveler")
    query = "{ __typename }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    registered = {"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    own_redis.refuse_writes()
    answer = await edge.http.post("/graphql", json=registered)
    assert answer.status_code == 200 and answer.json() == {"data": {"__typename": "Query"}}, answer.text
    login = await gql_of(edge.http)(LOGIN, {"email": user.email, "password": TEST_PASSWORD})
    assert error_codes(login) == ["SERVICE_UNAVAILABLE"]  # the throttle cannot count: retry, not a bug
    own_redis.stop()
    other = "{ launches(first: 1) { edges { cursor } } }"
    other_sha = hashlib.sha256(other.encode()).hexdigest()
    unknown = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": other_sha}}}
    missed = await edge.http.post("/graphql", json=unknown)
    assert error_codes(missed.json()) == ["PERSISTED_QUERY_NOT_FOUND"], missed.text
    assert (await edge.http.post("/graphql", json={**unknown, "query": other})).json()["data"]["launches"]


def test_a_cache_that_refuses_or_cannot_be_reached_is_an_outage_not_a_bug():
    from redis import exceptions

    from graph.edge.errors import is_store_outage

    assert is_store_outage(exceptions.OutOfMemoryError("OOM command not allowed"))
    assert is_store_outage(exceptions.ConnectionError("Connection closed by server."))
    assert is_store_outage(exceptions.BusyLoadingError("LOADING"))
    assert not is_store_outage(exceptions.ResponseError("WRONGTYPE"))


async def test_a_paused_cache_delays_no_signed_in_request_nor_the_catalogue(fault_edge, own_redis):
    """Redis stops answering (CLIENT PAUSE ALL): every cache call has a deadline, the durable list decides."""
    edge = await fault_edge()
    gql = gql_of(edge.http)
    user, token = await make_user(edge.services, "traveler")
    assert (await gql(ME, token=token))["data"]["me"]["id"] == user.id
    with own_redis.control() as control:
        control.execute_command("CLIENT", "PAUSE", "8000", "ALL")
    try:
        started = time.monotonic()
        me = await gql(ME, token=token)
        catalogue = await edge.http.post("/graphql", json={"query": CATALOGUE})
        elapsed = time.monotonic() - started
    finally:
        with own_redis.control() as control:
            control.execute_command("CLIENT", "UNPAUSE")
    assert "errors" not in me and me["data"]["me"]["id"] == user.id, me
    assert "errors" not in catalogue.json()
    assert elapsed < 4, f"{elapsed:.1f}s while the cache was paused"
