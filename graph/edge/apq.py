"""Automatic persisted queries (Apollo's protocol): documents registered by hash, kept in the shared cache.

A client sends `extensions.persistedQuery = {"version": 1, "sha256Hash": <hex>}` without the query; on
`PersistedQueryNotFound` it sends query and hash together, which registers the query once the hash is
checked and the operation validated. The cache (Redis when configured) is shared by every instance; a small
in-process LRU sits in front of it, which can never be stale because a hash names one text forever.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from aiocache.base import BaseCache
from cachetools import LRUCache

log = logging.getLogger(__name__)

VERSION = 1
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class PersistedQueryStore:
    def __init__(self, cache: BaseCache, *, ttl_seconds: int, local_size: int = 4096) -> None:
        self.cache, self.ttl = cache, ttl_seconds or None
        self.local: LRUCache[str, str] = LRUCache(local_size)

    async def get(self, sha: str) -> str | None:
        found = self.local.get(sha)
        if found is None:
            found = await self._shared(sha)
            if found is not None:
                self.local[sha] = found
        return found

    async def _shared(self, sha: str) -> str | None:
        try:
            value: Any = await self.cache.get(f"apq:{sha}")
        except Exception as exc:  # the cache is an accelerator: a miss, the client sends the text again
            log.warning("APQ cache unreadable (%r): answered as a miss", exc)
            return None
        # Trust nothing read back: the text must still hash to its key.
        return value if isinstance(value, str) and sha256_hex(value) == sha else None

    async def put(self, sha: str, query: str) -> None:
        self.local[sha] = query
        try:
            await self.cache.set(f"apq:{sha}", query, ttl=self.ttl)
        except Exception as exc:  # kept in this process; other instances ask for the text once
            log.warning("APQ cache did not take a document (%r)", exc)
