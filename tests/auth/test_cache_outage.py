"""When the cache is down, authentication fails closed: no token passes unchecked, no login unthrottled."""

from __future__ import annotations

import dataclasses

import pytest

from auth.authenticate import Authenticator
from auth.revocation import RevocationList
from auth.throttle import LoginThrottle
from models.accounts.errors import LoginUnavailable
from models.store.cache import build_cache
from models.sync.outbox import Origin
from resolvers.accounts import sessions as auth_sessions
from tests.support.builders import TEST_PASSWORD, make_user

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


async def test_tokens_are_refused_when_the_revocation_list_cannot_be_read(services):
    _, token = await make_user(services, "traveler")
    cache = build_cache(DEAD_REDIS, "outage")
    try:
        result = await Authenticator(services.tokens, RevocationList(cache)).authenticate(f"Bearer {token}")
    finally:
        await cache.close()
    assert result.principal is None and result.error == "Invalid access token: revoked"


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
