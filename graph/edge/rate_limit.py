"""Per-IP and per-user rate limits: fixed-window counters in the shared cache (one INCR per key).

A window of `window` seconds allows `per_ip` operations from one address and `per_user` from one user or
partner client; a batch counts each of its operations. Over the limit the caller is told when the window
ends (`Retry-After`). If the cache cannot be reached the request is let through: the limiter protects the
service, it must not take it down.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiocache.base import BaseCache

log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self, cache: BaseCache, *, window: int, per_ip: int, per_user: int) -> None:
        self.cache, self.window = cache, max(1, window)
        self.per_ip, self.per_user = per_ip, per_user

    async def retry_after(self, *, ip: str | None, user: str | None, weight: int = 1) -> int | None:
        """Count the request; None when it may run, else the seconds until the window ends."""
        now = time.time()
        index = int(now // self.window)
        checks = []
        if self.per_ip > 0 and ip:
            checks.append((f"rl:ip:{ip}:{index}", self.per_ip))
        if self.per_user > 0 and user:
            checks.append((f"rl:user:{user}:{index}", self.per_user))
        if not checks:
            return None
        try:
            counts = await asyncio.gather(*(self._hit(key, weight) for key, _ in checks))
        except Exception:
            log.warning("rate-limit counters unavailable; letting the request through", exc_info=True)
            return None
        if any(count > limit for count, (_, limit) in zip(counts, checks, strict=True)):
            return max(1, int((index + 1) * self.window - now + 0.999))
        return None

    async def _hit(self, key: str, weight: int) -> int:
        count = int(await self.cache.increment(key, weight))
        if count == weight:  # first hit of this window: let the counter expire with it
            await self.cache.expire(key, self.window + 1)
        return count
