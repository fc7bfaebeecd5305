"""Whole-response cache for anonymous public queries (the launch catalogue), in front of GraphQL execution.

The contract (public root fields, tag, lifetimes, headers) is models/launches/catalogue_cache.py.
Cacheable: a request without an Authorization header whose operation is a query selecting only public
root fields (`launches`, `__typename`). Its key is SHA-256 of (query text, canonical variables,
operation name); the stored entry starts with the version of the "catalogue" tag it was built under
(models.store.cache.TagVersions), and one MGET reads the tag and the entry together. A hit returns the stored
response bytes without executing anything; every change the catalogue shows bumps the tag after its
commit, so the next request finds an older stamp, misses and reads PostgreSQL. Only complete answers
(status 200, no errors) are stored, for STORE_SECONDS.

An invalidation the cache refused (it can be read but not written) must not leave older entries served:
the tag is then distrusted by every instance (models/store/cache.py TagVersions, told through PostgreSQL)
and entries are not read, nor stored, until a bump lands again.

Last good answers: beside each versioned entry a copy is kept under `last:` with the moment it was built,
for settings.stale_catalogue_seconds, whatever the tag does. When PostgreSQL cannot be reached, a public
query is answered with that copy, marked stale (`X-Astro-Stale: <age in seconds>`, `extensions.stale`),
rather than failing the hottest public read.

The cache is an accelerator, never a dependency: every cache call has a short deadline, failures are
logged and answered from PostgreSQL, and after a failure the cache is left alone for BACKOFF_SECONDS.
Turned off (settings.response_cache = False), every request is answered as when the cache is unavailable:
executed, with the same headers.

Headers: cacheable answers are `Cache-Control: public, max-age=PUBLIC_MAX_AGE` (short, so a CDN in
front lags by seconds at most) with `Vary: Authorization, Accept`; authenticated answers are
`private, no-store`; other anonymous answers `no-store`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import orjson
from aiocache.base import BaseCache
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request

from models.launches.catalogue_cache import ANONYMOUS_HEADERS as ANONYMOUS
from models.launches.catalogue_cache import PRIVATE_HEADERS as PRIVATE
from models.launches.catalogue_cache import PUBLIC_HEADERS as PUBLIC
from models.launches.catalogue_cache import PUBLIC_ROOT_FIELDS, STORE_SECONDS, TAG
from models.monitoring import tracing
from models.store.cache import RAW, TagVersions

log = logging.getLogger("astro.response_cache")

CACHE_DEADLINE = 0.25  # seconds for any one cache call
BACKOFF_SECONDS = 5.0
MAX_TOKENS = 2000  # a catalogue query is far smaller; anything bigger is simply not cached


class OperationLike(Protocol):
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None


class OutcomeLike(Protocol):
    payload: Any
    raw: bytes | None
    status: int
    headers: dict[str, str]
    fresh_until: datetime | None


@dataclass(frozen=True)
class Slot:
    """Where an answer is kept, and the tag version it is being built under: a stored entry starts with that
    stamp and counts only while it is still the tag's version."""

    key: str
    stamp: bytes


@dataclass
class Lookup:
    """What the cache said about one request: the stored bytes on a hit, where to store the answer on a
    miss (None: not cacheable, or the cache is down), and whether the request is a public one."""

    public: bool = False
    body: bytes | None = None
    slot: Slot | None = None
    last_key: str | None = None  # where the last good answer of a public query is kept
    headers: dict[str, str] = field(default_factory=lambda: dict(ANONYMOUS))


# Bytes that an anonymous POST must contain to be worth a fast-lane lookup (a catalogue query, or a
# persisted one that may be): logins, registrations and the like never pay for the extra round trip.
FAST_LANE_MARKERS = (b"launches", b"persistedQuery", b"documentId")


STALE_HEADER = "X-Astro-Stale"


class ResponseCache:
    def __init__(self, cache: BaseCache, *, tags: TagVersions, enabled: bool = True, stale_seconds: int = 0) -> None:
        self._cache = cache
        self._tags = tags
        self._enabled = enabled  # off (ASTRO_RESPONSE_CACHE=false): answered as when the cache is unavailable
        self._stale_seconds = stale_seconds
        self._skip_until = 0.0
        self._tag_key = cache.build_key(f"tag:{TAG}")
        self.clock = time.time  # when last good answers were built, and how old they are now

    async def lookup(self, request: Request, operation: OperationLike) -> Lookup:
        if "authorization" in request.headers:
            return Lookup(headers=dict(PRIVATE))
        if not cacheable(operation.query, operation.operation_name):
            return Lookup()
        digest = request_digest(operation.query or "", operation.variables, operation.operation_name)
        body, slot = await self._read(f"response:{TAG}:{digest}")
        last_key = f"last:{TAG}:{digest}" if self._enabled and self._stale_seconds > 0 else None
        return Lookup(public=True, body=body, slot=slot, headers=dict(PUBLIC), last_key=last_key)

    async def last_good(self, lookup: Lookup) -> tuple[bytes, int] | None:
        """The last good answer kept for this public query and its age in seconds, when young enough."""
        if lookup.last_key is None:
            return None
        entry = await self._guarded(self._cache.get(lookup.last_key, timeout=CACHE_DEADLINE))
        if not isinstance(entry, bytes) or b":" not in entry:
            return None
        stamp, _, body = entry.partition(b":")
        age = max(0, int(self.clock() - float(stamp)))
        return (body, age) if age <= self._stale_seconds else None

    async def raw_lookup(self, request: Request, body: bytes) -> tuple[bytes | None, Slot | None]:
        """Fast lane, before any parsing: the answer stored for these exact request bytes (anonymous POST)
        under the current tag version; else where to keep this request's answer (None: not eligible)."""
        if "authorization" in request.headers or not any(marker in body for marker in FAST_LANE_MARKERS):
            return None, None
        return await self._read(raw_key(request.headers.get("accept", "").encode(), body))

    def lane_open(self) -> bool:
        """Whether the ASGI fast lane (graph/edge/fast_lane.py) may read now: the cache is on, not backing
        off after a failure, and the tag trusted (repairing it is left to the endpoint's path)."""
        return self._enabled and time.monotonic() >= self._skip_until and self._tags.trusted(TAG)

    async def lane_read(self, key: str) -> tuple[bytes | None, Slot | None]:
        """`_read` for the ASGI fast lane: with Redis, one MGET sent through redis-py itself (aiocache's
        wrapper runs every call in a task of its own under `wait_for`), under the same deadline."""
        client = getattr(self._cache, "client", None)
        if client is None:
            return await self._read(key)
        try:
            async with asyncio.timeout(CACHE_DEADLINE):
                version, entry = await client.mget(self._tag_key, self._cache.build_key(key))
        except Exception:
            self._back_off()
            return None, None
        # redis-py hands the bytes as stored: drop the serializer's marker that aiocache would
        return stamped(key, version, entry[len(RAW) :] if entry is not None and entry.startswith(RAW) else None)

    async def raw_store(self, slot: Slot, outcome: OutcomeLike) -> None:
        """Keep the answer for the exact bytes too, when it was kept as a public catalogue answer."""
        if outcome.raw is not None and outcome.headers.get("Cache-Control") == PUBLIC["Cache-Control"]:
            await self._write(slot, outcome.raw, outcome.fresh_until)

    async def store(self, lookup: Lookup, outcome: OutcomeLike) -> None:
        """Give the response its caching headers; keep a complete public answer for the next requests."""
        payload = outcome.payload
        complete = outcome.status == 200 and isinstance(payload, dict) and "errors" not in payload
        outcome.headers.update(lookup.headers if complete or not lookup.public else ANONYMOUS)
        if lookup.slot is None or not complete:
            return
        outcome.raw = orjson.dumps(payload)
        if lookup.last_key is not None:
            last = f"{self.clock():.3f}:".encode() + outcome.raw
            await self._guarded(self._cache.set(lookup.last_key, last, ttl=self._stale_seconds, timeout=CACHE_DEADLINE))
        await self._write(lookup.slot, outcome.raw, outcome.fresh_until)

    async def _read(self, key: str) -> tuple[bytes | None, Slot | None]:
        """One round trip reads the tag's version and the entry together: (the body on a hit, None) or
        (None, where to store on a miss); (None, None) when the cache is unavailable or turned off."""
        if not self._enabled or time.monotonic() < self._skip_until:
            return None, None
        if not await self._tags.repair(TAG):  # an invalidation may not have landed: no entry is trusted
            return None, None
        found = await self._guarded(self._cache.multi_get([f"tag:{TAG}", key], timeout=CACHE_DEADLINE))
        if found is None:
            return None, None
        hit, slot = stamped(key, found[0], found[1])
        tracing.annotate("astro.response_cache", "hit" if hit is not None else "miss")
        return hit, slot

    async def _write(self, slot: Slot, body: bytes, fresh_until: datetime | None = None) -> None:
        ttl = keep_seconds(fresh_until, datetime.now(UTC))
        if ttl > 0:
            await self._guarded(self._cache.set(slot.key, slot.stamp + body, ttl=ttl, timeout=CACHE_DEADLINE))

    async def _guarded(self, call: Any) -> Any:
        """Await one cache call (made with `timeout=CACHE_DEADLINE`, which aiocache enforces); on failure log,
        back off, and answer None."""
        if time.monotonic() < self._skip_until:
            call.close()
            return None
        try:
            return await call
        except Exception:
            self._back_off()
            return None

    def _back_off(self) -> None:
        """The cache failed: log it and leave it alone for BACKOFF_SECONDS (the database answers)."""
        self._skip_until = time.monotonic() + BACKOFF_SECONDS
        log.warning("response cache unavailable; serving from the database", exc_info=True)


def stamped(key: str, version: Any, entry: Any) -> tuple[bytes | None, Slot | None]:
    """An entry read with its tag's version: (the body, None) when it was stored under that version, else
    (None, where to store this request's answer)."""
    slot = Slot(key, f"{int(version or 0)}:".encode())
    if isinstance(entry, bytes) and entry.startswith(slot.stamp):
        return entry[len(slot.stamp) :], None
    return None, slot


def raw_key(accept: bytes, body: bytes) -> str:
    """The fast lane's key of an anonymous POST: its Accept header and its exact body bytes."""
    return f"raw:{TAG}:" + hashlib.sha256(accept + b"\0" + body).hexdigest()


def raw_get_key(accept: bytes, query_string: bytes) -> str:
    """The fast lane's key of an anonymous GET: its Accept header and its exact query string."""
    return f"rawget:{TAG}:" + hashlib.sha256(accept + b"\0" + query_string).hexdigest()


def keep_seconds(fresh_until: datetime | None, now: datetime) -> int:
    """How long an answer is kept: STORE_SECONDS, but never past the moment it changes by itself (a launch
    leaving its VIP window): whole seconds rounded down, 0 meaning "do not keep"."""
    if fresh_until is None:
        return STORE_SECONDS
    return max(0, min(STORE_SECONDS, int((fresh_until - now).total_seconds())))


def request_digest(query: str, variables: dict[str, Any] | None, operation_name: str | None) -> str:
    canonical = orjson.dumps([query, variables or {}, operation_name], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


@lru_cache(maxsize=512)
def cacheable(query: str | None, operation_name: str | None) -> bool:
    """A query operation whose root selections are all public fields (no fragments at the root)."""
    if not query or "launches" not in query:  # most anonymous requests: no parse needed
        return False
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return False
    selections = chosen[0].selection_set.selections
    return all(isinstance(s, FieldNode) and s.name.value in PUBLIC_ROOT_FIELDS for s in selections)
