"""When the cache is down no revoked token passes (the durable list decides), no valid one is called
revoked, and no login goes unthrottled."""

from __future__ import annotations

import dataclasses
import time

import pytest

from auth.authenticate import Authenticator
from auth.revocation import RevocationList, RevocationMirror
from auth.throttle import LoginThrottle
from models.accounts.errors import LoginUnavailable
from models.store.cache import build_cache
from models.sync.outbox import Origin
from resolvers.accounts import sessions as auth_sessions
from tests.support.builders import TEST_PASSWORD, make_user

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


async def test_a_cache_outage_never_makes_a_token_look_revoked(services):
    """Without a durable list the token cannot be checked (retryable); with it the durable list decides."""
    _, token = await make_user(services, "traveler")
    _, revoked = await make_user(services, "traveler")
    principal = services.tokens.principal(services.tokens.verify(revoked))
    await services.revocations.revoke(principal.token_id, principal.expires_at)
    cache = build_cache(DEAD_REDIS, "outage")
    durable = RevocationList(cache, services.revocations.durable, services.revocations.mirror)
    try:
        alone = await Authenticator(services.tokens, RevocationList(cache)).authenticate(f"Bearer {token}")
        kept = await Authenticator(services.tokens, durable).authenticate(f"Bearer {token}")
        refused = await Authenticator(services.tokens, durable).authenticate(f"Bearer {revoked}")
    finally:
        await cache.close()
    assert alone.principal is None and alone.retryable and "revoked" not in (alone.error or "")
    assert kept.principal is not None and kept.error is None
    assert refused.principal is None and refused.error == "Invalid access token: revoked" and not refused.retryable


async def test_login_is_refused_when_the_throttle_cannot_count(services):
    user, _ = await make_user(services, "traveler")
    cache = build_cache(DEAD_REDIS, "outage")
    kit = dataclasses.replace(services.auth, throttle=LoginThrottle(cache))
    call = dataclasses.replace(services.bundle(None, Origin("login")), auth=kit)
    try:
        with pytest.raises(LoginUnavailable):
            await auth_sessions.login(call, email=user.email, password=TEST_PASSWORD)
    finally:
        await cache.close()


async def test_any_key_kind_is_revoked_durably_and_read_back_without_the_cache(services):
    """A third kind of key (e.g. `revoked-user:{id}` for disabled accounts) needs no change to the design."""
    await services.revocations.revoke_key("revoked-user:u-1", int(time.time()) + 60)
    cache = build_cache(DEAD_REDIS, "outage")
    try:
        unloaded = RevocationList(cache, services.revocations.durable, RevocationMirror())  # PostgreSQL decides
        assert await unloaded.decide(["revoked:x", "revoked-user:u-1"], None)
        assert not await unloaded.decide(["revoked-user:u-2"], None)
    finally:
        await cache.close()
    assert services.revocations.mirror.contains(["revoked-user:u-1"])
