"""The cache: Redis when configured, process memory otherwise (aiocache for both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlparse

import orjson
from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import BaseSerializer
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

RAW, JSON = b"\x00", b"\x01"

# A pooled connection idle for longer than this is PINGed before its next command, and a command that meets a
# broken connection (Redis restarted, a proxy dropped it) is sent once more on a fresh one. Every command the
# service sends is safe to send twice: reads, SET/DEL/EXPIRE NX, and counters (rate limits, login throttle,
# cache tags) for which one extra count in the rare "executed, then the reply was lost" case is harmless.
HEALTH_CHECK_SECONDS = 5
RECONNECT_RETRIES = 1


def redis_connection_options() -> dict[str, Any]:
    """redis-py connection options shared by every Redis client of the service (cache, pub/sub)."""
    return {
        "health_check_interval": HEALTH_CHECK_SECONDS,
        "retry": Retry(NoBackoff(), RECONNECT_RETRIES, supported_errors=(RedisConnectionError,)),
    }


class BytesOrJsonSerializer(BaseSerializer):
    """Bytes pass through untouched (cached responses); anything else is JSON. Never pickle."""

    DEFAULT_ENCODING = None

    def dumps(self, value: Any) -> bytes:
        if isinstance(value, bytes):
            return RAW + value
        return JSON + orjson.dumps(value)

    def loads(self, value: bytes | int | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        if value[:1] == RAW:
            return bytes(value[1:])
        if value[:1] == JSON:
            return orjson.loads(value[1:])
        return orjson.loads(value)  # counters written by INCR are plain digits


def build_cache(redis_url: str | None, namespace: str) -> BaseCache:
    serializer = BytesOrJsonSerializer()
    if not redis_url:
        return Cache(Cache.MEMORY, namespace=namespace, serializer=serializer)
    parts = urlparse(redis_url)
    return Cache(
        Cache.REDIS,
        endpoint=parts.hostname or "127.0.0.1",
        port=parts.port or 6379,
        db=int((parts.path or "/0").strip("/") or 0),
        password=parts.password,
        namespace=namespace,
        serializer=serializer,
        timeout=1,
        connection_pool_kwargs=redis_connection_options(),
    )


class TagVersions:
    """Tag-based invalidation: cached entries embed the current version of each tag in their key, and
    invalidating a tag bumps its version, so every entry built under the old version is never read again
    (and expires on its own TTL).

    A bump that fails (the cache refuses writes: maxmemory with noeviction, CLIENT PAUSE WRITE) leaves older
    entries readable. So the tag becomes *untrusted* in this process, and `announce` (set by the services:
    a NOTIFY on the signals channel, models/store/signals.py) makes every other instance distrust it too.
    Entries under an untrusted tag are not read; `repair` tries a bump again and trusts the tag once one
    that started after the last distrust has landed. A process also starts with its tags untrusted (it may
    have missed a signal), so its first read of a tag costs one bump."""

    def __init__(self, cache: BaseCache, *, deadline: float = 0.25) -> None:
        self._cache = cache
        self._deadline = deadline
        self._distrusted: dict[str, int] = {}  # tag -> distrust generation, while untrusted
        self._generation = 0
        self.announce: Callable[[str], Awaitable[None]] | None = None

    async def versions(self, *tags: str) -> tuple[int, ...]:
        values = await self._cache.multi_get([f"tag:{tag}" for tag in tags])
        return tuple(int(value or 0) for value in values)

    def trusted(self, tag: str) -> bool:
        return tag not in self._distrusted

    def distrust(self, *tags: str) -> None:
        for tag in tags:
            self._generation += 1
            self._distrusted[tag] = self._generation

    async def bump(self, *tags: str) -> None:
        """Bump each tag's version; raises when the cache did not take it (the tag is then distrusted)."""
        for tag in tags:
            generation = self._distrusted.get(tag)
            try:
                await self._cache.increment(f"tag:{tag}", timeout=self._deadline)
            except Exception:
                self.distrust(tag)
                raise
            if generation is not None and self._distrusted.get(tag) == generation:
                del self._distrusted[tag]  # no distrust arrived while this bump was under way

    async def repair(self, tag: str) -> bool:
        """True when entries under `tag` may be read: trusted already, or a bump just landed."""
        if self.trusted(tag):
            return True
        try:
            await self.bump(tag)
        except Exception:
            return False
        return self.trusted(tag)
