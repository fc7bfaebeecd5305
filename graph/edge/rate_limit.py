"""Per-IP and per-user rate limits: fixed-window counters in the shared cache, counted in one round trip.

A window of `window` seconds allows `per_ip` operations from one address and `per_user` from one user or
partner client; a batch counts each of its operations. Over the limit the caller is told when the window
ends (`Retry-After`). If the cache cannot be reached the request is let through: the limiter protects the
service, it must not take it down.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiocache.base import BaseCache

log = logging.getLogger(__name__)

ROUND_TRIP_DEADLINE = 0.5  # seconds: a cache that stops answering (paused, overloaded) must not hold requests


@dataclass(frozen=True)
class Admission:
    """What the edge's one cache round trip found: the wait imposed by the rate limits (None: go ahead)
    and whether the caller's token is revoked."""

    retry_after: int | None
    revoked: bool | None = False  # None: the cache could not be read (the durable revocation list decides)


class RateLimiter:
    def __init__(self, cache: BaseCache, *, window: int, per_ip: int, per_user: int) -> None:
        self.cache, self.window = cache, max(1, window)
        self.per_ip, self.per_user = per_ip, per_user

    async def retry_after(self, *, ip: str | None, user: str | None, weight: int = 1) -> int | None:
        """Count the request; None when it may run, else the seconds until the window ends."""
        return (await self.admit(ip=ip, user=user, weight=weight)).retry_after

    async def admit(
        self, *, ip: str | None, user: str | None, weight: int = 1, revocation_keys: Sequence[str] = ()
    ) -> Admission:
        """Count the request and read the token's revocation keys, in one round trip to Redis (a pipeline
        of EXISTS, INCRBY and EXPIRE NX). If the cache cannot be reached the request is let through the
        limits and the revocation verdict is unknown (None): the limiter must not take the service down, and
        the durable revocation list decides (auth/revocation.py)."""
        now = time.time()
        index = int(now // self.window)
        checks = []
        if self.per_ip > 0 and ip:
            checks.append((f"rl:ip:{ip}:{index}", self.per_ip))
        if self.per_user > 0 and user:
            checks.append((f"rl:user:{user}:{index}", self.per_user))
        if not checks and not revocation_keys:
            return Admission(None)
        try:
            async with asyncio.timeout(ROUND_TRIP_DEADLINE):
                revoked, counts = await self._round_trip(checks, weight, revocation_keys)
        except Exception:
            log.warning("rate-limit counters or revocation list unavailable", exc_info=True)
            return Admission(None, revoked=None if revocation_keys else False)
        if any(count > limit for count, (_, limit) in zip(counts, checks, strict=True)):
            return Admission(max(1, int((index + 1) * self.window - now + 0.999)), revoked)
        return Admission(None, revoked)

    async def _round_trip(
        self, checks: list[tuple[str, int]], weight: int, revocation_keys: Sequence[str]
    ) -> tuple[bool, list[int]]:
        client = getattr(self.cache, "client", None)
        if client is None:  # the in-process cache: nothing to pipeline
            values = await self.cache.multi_get(list(revocation_keys)) if revocation_keys else []
            counts = [await self._hit(key, weight) for key, _ in checks]
            return any(value is not None for value in values), counts
        async with client.pipeline(transaction=False) as pipe:
            if revocation_keys:
                pipe.exists(*(self.cache.build_key(key) for key in revocation_keys))
            for key, _ in checks:
                full = self.cache.build_key(key)
                pipe.incrby(full, weight)
                pipe.expire(full, self.window + 1, nx=True)  # the counter goes with its window
            results = await pipe.execute()
        revoked = bool(revocation_keys) and int(results.pop(0)) > 0
        return revoked, [int(count) for count in results[0::2]]

    async def _hit(self, key: str, weight: int) -> int:
        count = int(await self.cache.increment(key, weight))
        if count == weight:  # first hit of this window: let the counter expire with it
            await self.cache.expire(key, self.window + 1)
        return count
