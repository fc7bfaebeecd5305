"""Per-account login throttling, kept in the cache so every worker process shares it.

An attempt is *admitted* before the password is checked and counted as a failure until it succeeds
(so parallel or aliased attempts cannot slip past the count while their hashes are being verified):

- the first `free_attempts` consecutive failures are admitted at once;
- after that, admitting attempt n arms a gate of 1, 2, 4, ... seconds (capped at `max_delay`) that the
  next attempt must wait for: exponential back-off, one attempt per gate;
- at most `hourly_limit` admitted failures per account per clock hour.

A refused attempt raises `Throttled` and is not counted. A success clears the consecutive count.
Accounts are keyed by a hash of the normalised email, known or not, so throttling reveals nothing
about which emails exist (and no address is written into the cache in clear).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from aiocache.base import BaseCache


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


def backoff_delay(attempt: int, free_attempts: int, max_delay: int) -> int:
    """Seconds the next attempt waits after attempt number `attempt` (1-based) fails."""
    if attempt < free_attempts:
        return 0
    return min(2 ** (attempt - free_attempts), max_delay)


class LoginThrottle:
    def __init__(
        self,
        cache: BaseCache,
        *,
        free_attempts: int = 5,
        max_delay: int = 15 * 60,
        hourly_limit: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._cache = cache
        self.free_attempts, self.max_delay, self.hourly_limit = free_attempts, max_delay, hourly_limit
        self._clock = clock

    async def admit(self, account: str) -> None:
        """Let one attempt for `account` proceed, or raise Throttled."""
        keys = _Keys(account, self._clock())
        await self._check_gate(keys)
        if await self._count(keys.hourly) > self.hourly_limit:
            await self._cache.increment(keys.hourly, -1)
            raise Throttled(max(1, math.ceil(keys.hour_end - keys.now)))
        attempt = await self._count(keys.failures)
        delay = backoff_delay(attempt, self.free_attempts, self.max_delay)
        if delay and not await self._arm_gate(keys, delay):
            await self._uncount(keys)
            await self._check_gate(keys)
            raise Throttled(1)  # another attempt armed the gate between our two reads

    async def succeeded(self, account: str) -> None:
        keys = _Keys(account, self._clock())
        await self._cache.increment(keys.hourly, -1)
        await self._cache.delete(keys.failures)
        await self._cache.delete(keys.gate)

    async def _arm_gate(self, keys: _Keys, delay: int) -> bool:
        """Set the gate unless another attempt already did (atomic: SET NX on Redis)."""
        try:
            await self._cache.add(keys.gate, keys.now + delay, ttl=delay)
        except ValueError:  # aiocache's way of saying the key exists
            return False
        return True

    async def _check_gate(self, keys: _Keys) -> None:
        until = await self._cache.get(keys.gate)
        if until is not None and float(until) > keys.now:
            raise Throttled(max(1, math.ceil(float(until) - keys.now)))

    async def _count(self, key: str) -> int:
        value = int(await self._cache.increment(key))
        if value == 1:
            await self._cache.expire(key, 3600)
        return value

    async def _uncount(self, keys: _Keys) -> None:
        await self._cache.increment(keys.failures, -1)
        await self._cache.increment(keys.hourly, -1)


class _Keys:
    def __init__(self, account: str, now: float) -> None:
        digest = hashlib.sha256(account.encode()).hexdigest()[:32]
        hour = int(now // 3600)
        self.now, self.hour_end = now, (hour + 1) * 3600
        self.failures = f"login:failures:{digest}"
        self.gate = f"login:gate:{digest}"
        self.hourly = f"login:hourly:{digest}:{hour}"


class RequestQuota:
    """At most `limit` requests per key per fixed window of `window` seconds, in the shared cache: the
    password-reset requests of one account (keyed by a hash of the email, known or not, so the quota
    reveals nothing) and of one client address. Over the limit raises Throttled until the window ends."""

    def __init__(
        self, cache: BaseCache, *, name: str, limit: int, window: int, clock: Callable[[], float] = time.time
    ) -> None:
        self._cache, self.name, self.limit, self.window, self._clock = cache, name, limit, max(1, window), clock

    async def admit(self, key: str) -> None:
        now = self._clock()
        index = int(now // self.window)
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        counter = f"quota:{self.name}:{digest}:{index}"
        count = int(await self._cache.increment(counter))
        if count == 1:
            await self._cache.expire(counter, self.window + 1)
        if count > self.limit:
            raise Throttled(max(1, math.ceil((index + 1) * self.window - now)))
