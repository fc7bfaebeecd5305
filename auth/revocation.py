"""Revoked access-token ids, kept in the cache until the token would have expired anyway."""

from __future__ import annotations

import time

from aiocache.base import BaseCache


class RevocationList:
    def __init__(self, cache: BaseCache) -> None:
        self._cache = cache

    async def revoke(self, token_id: str, expires_at: int) -> None:
        ttl = max(1, expires_at - int(time.time()) + 5)
        await self._cache.set(f"revoked:{token_id}", 1, ttl=ttl)

    async def is_revoked(self, token_id: str) -> bool:
        return bool(await self._cache.exists(f"revoked:{token_id}"))
