"""Revoked access-token ids and sessions, kept until the tokens would have expired anyway.

Revoking a session (a refresh-token family) also kills every access token issued in it, so logout and
"sign out my other sessions" take effect at once instead of when the access tokens expire. Revoking a user
(a disabled account) kills every token that user holds, on every instance.

A revocation is a key (`revoked:{jti}`, `revoked-session:{sid}`, `revoked-user:{uid}`) with an expiry. It
is written durably first (PostgreSQL, `DurableStore`), which announces it to every instance's in-process
`RevocationMirror`; the cache copy is a best-effort mirror read on the edge's one round trip. So a
revocation that answered success holds on every instance even when the cache refused to store it, and a
cache that cannot be read never makes a valid token look revoked: the mirror decides.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from aiocache.base import BaseCache

log = logging.getLogger(__name__)

GRACE_SECONDS = 5  # kept a little past the tokens' expiry (clock skew between instances)


class RevocationUnknown(Exception):  # noqa: N818 - a state, not a bug
    """Nothing that could tell whether a token is revoked answered (cache, mirror and database)."""


class DurableStore(Protocol):
    async def add(self, key: str, expires_at: int) -> None: ...

    async def any_of(self, keys: list[str]) -> bool: ...

    async def remove(self, key: str) -> None: ...


class RevocationMirror:
    """This process's copy of the durable revocations (key -> expiry, epoch seconds), fed by the signals
    listener. `ready` once loaded; after a lost connection it keeps its last state (nothing can be revoked
    while PostgreSQL is unreachable) and is reloaded when the connection is back."""

    PRUNE_EVERY = 1000  # additions between two sweeps of expired keys

    def __init__(self) -> None:
        self._until: dict[str, int] = {}
        self._added = 0
        self.ready = False

    def add(self, key: str, expires_at: int) -> None:
        self._until[key] = max(expires_at, self._until.get(key, 0))
        self._added += 1
        if self._added % self.PRUNE_EVERY == 0:
            moment = time.time()
            self._until = {k: until for k, until in self._until.items() if until > moment}

    def remove(self, key: str) -> None:
        self._until.pop(key, None)

    def replace(self, live: dict[str, int]) -> None:
        self._until = dict(live)
        self.ready = True

    def contains(self, keys: list[str], now: float | None = None) -> bool:
        moment = time.time() if now is None else now
        for key in keys:
            until = self._until.get(key)
            if until is not None:
                if until > moment:
                    return True
                del self._until[key]
        return False


class RevocationList:
    def __init__(
        self, cache: BaseCache, durable: DurableStore | None = None, mirror: RevocationMirror | None = None
    ) -> None:
        self._cache = cache
        self.durable = durable
        self.mirror = mirror

    async def revoke(self, token_id: str, expires_at: int) -> None:
        await self.revoke_key(f"revoked:{token_id}", expires_at)

    async def revoke_session(self, session_id: str, ttl_seconds: int) -> None:
        await self.revoke_key(f"revoked-session:{session_id}", int(time.time()) + ttl_seconds)

    async def revoke_key(self, key: str, expires_at: int) -> None:
        """Revoke whatever `key` names until `expires_at` (epoch seconds). Durable first (its failure
        raises: the caller must not answer success); the cache copy is best effort when durable."""
        until = int(expires_at) + GRACE_SECONDS
        if self.durable is not None:
            await self.durable.add(key, until)
            if self.mirror is not None:
                self.mirror.add(key, until)
        try:
            await self._cache.set(key, 1, ttl=max(1, until - int(time.time())))
        except Exception:
            if self.durable is None:
                raise
            log.warning("revocation of %s is durable but the cache did not take it", key.split(":")[0])

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Every token the user holds now is refused (for `ttl_seconds`, the access tokens' lifetime: a
        disabled account gets no new ones, login and refresh check the account)."""
        await self.revoke_key(f"revoked-user:{user_id}", int(time.time()) + ttl_seconds)

    async def restore_user(self, user_id: str) -> None:
        """Lift `revoke_user` on every instance. Tokens issued before it stay refused through their revoked
        sessions."""
        key = f"revoked-user:{user_id}"
        if self.durable is not None:
            await self.durable.remove(key)
            if self.mirror is not None:
                self.mirror.remove(key)
        await self._cache.delete(key)

    async def is_revoked(self, token_id: str, session_id: str | None = None, user_id: str | None = None) -> bool:
        """Raises RevocationUnknown when neither the cache nor the durable side can tell."""
        keys = self.keys(token_id, session_id, user_id)
        return await self.decide(keys, await self.cached(keys))

    async def cached(self, keys: list[str]) -> bool | None:
        """Whether the cache holds one of `keys` (None: it could not be read)."""
        try:
            return any(value is not None for value in await self._cache.multi_get(keys))
        except Exception as exc:
            log.warning("revocation cache unreadable (%r); the durable list decides", exc)
            return None

    async def decide(self, keys: list[str], cached: bool | None) -> bool:
        """The verdict, given what the cache said about `keys` (None: it could not be read)."""
        if cached:
            return True
        if self.durable is None:
            if cached is None:
                raise RevocationUnknown
            return False
        if self.mirror is not None and self.mirror.ready:
            return self.mirror.contains(keys)
        try:
            return await self.durable.any_of(keys)
        except Exception as exc:
            if cached is None:
                raise RevocationUnknown from exc
            log.warning("durable revocation list unreadable; the cache said not revoked", exc_info=True)
            return False

    @staticmethod
    def keys(token_id: str, session_id: str | None = None, user_id: str | None = None) -> list[str]:
        """The keys whose presence revokes a token (the edge reads them in its one cache round trip)."""
        keys = [f"revoked:{token_id}"]
        if session_id:
            keys.append(f"revoked-session:{session_id}")
        if user_id:
            keys.append(f"revoked-user:{user_id}")
        return keys
