"""Revoked access-token ids and sessions, kept in the cache until the tokens would have expired anyway.

Revoking a session (a refresh-token family) also kills every access token issued in it, so logout and
"sign out my other sessions" take effect at once instead of when the access tokens expire. Revoking a user
(a disabled account) kills every token of that user, on every instance, until the account is enabled again."""

from __future__ import annotations

import time

from aiocache.base import BaseCache


class RevocationList:
    def __init__(self, cache: BaseCache) -> None:
        self._cache = cache

    async def revoke(self, token_id: str, expires_at: int) -> None:
        ttl = max(1, expires_at - int(time.time()) + 5)
        await self._cache.set(f"revoked:{token_id}", 1, ttl=ttl)

    async def revoke_session(self, session_id: str, ttl_seconds: int) -> None:
        await self._cache.set(f"revoked-session:{session_id}", 1, ttl=ttl_seconds + 5)

    async def revoke_user(self, user_id: str) -> None:
        """Every token of the user is refused from now on (no expiry: a disabled account stays out)."""
        await self._cache.set(f"revoked-user:{user_id}", 1)

    async def restore_user(self, user_id: str) -> None:
        """Lift `revoke_user`. Tokens issued before it stay refused through their revoked sessions."""
        await self._cache.delete(f"revoked-user:{user_id}")

    async def is_revoked(self, token_id: str, session_id: str | None = None, user_id: str | None = None) -> bool:
        keys = self.keys(token_id, session_id, user_id)
        if len(keys) == 1:
            return bool(await self._cache.exists(keys[0]))
        return any(value is not None for value in await self._cache.multi_get(keys))

    @staticmethod
    def keys(token_id: str, session_id: str | None = None, user_id: str | None = None) -> list[str]:
        """The keys whose presence revokes a token (the edge reads them in its one cache round trip)."""
        keys = [f"revoked:{token_id}"]
        if session_id:
            keys.append(f"revoked-session:{session_id}")
        if user_id:
            keys.append(f"revoked-user:{user_id}")
        return keys
