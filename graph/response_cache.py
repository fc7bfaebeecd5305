"""Whole-response cache for anonymous public queries (the launch catalogue), in front of GraphQL execution.

Cacheable: a request without an Authorization header whose operation is a query selecting only public
root fields (`launches`, `__typename`). Its key is SHA-256 of (query text, canonical variables,
operation name) plus the current version of the "catalogue" tag (models.cache.TagVersions). A hit
returns the stored response bytes without executing anything; every change the catalogue shows bumps
the tag after its commit, so the next request misses and reads PostgreSQL. Only complete answers
(status 200, no errors) are stored, for STORE_SECONDS.

The cache is an accelerator, never a dependency: every cache call has a short deadline, failures are
logged and answered from PostgreSQL, and after a failure the cache is left alone for BACKOFF_SECONDS.

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
from functools import lru_cache
from typing import Any, Protocol

import orjson
from aiocache.base import BaseCache
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request

from models.cache import TagVersions

log = logging.getLogger("astro.response_cache")

PUBLIC_ROOT_FIELDS = frozenset({"launches", "__typename"})
TAG = "catalogue"
STORE_SECONDS = 60
PUBLIC_MAX_AGE = 5
CACHE_DEADLINE = 0.25  # seconds for any one cache call
BACKOFF_SECONDS = 5.0
MAX_TOKENS = 2000  # a catalogue query is far smaller; anything bigger is simply not cached
PUBLIC = {"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}", "Vary": "Authorization, Accept"}
PRIVATE = {"Cache-Control": "private, no-store"}
ANONYMOUS = {"Cache-Control": "no-store"}


class OperationLike(Protocol):
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None


class OutcomeLike(Protocol):
    payload: Any
    raw: bytes | None
    status: int
    headers: dict[str, str]


@dataclass
class Lookup:
    """What the cache said about one request: the stored bytes on a hit, where to store the answer on a
    miss (None: not cacheable, or the cache is down), and whether the request is a public one."""

    public: bool = False
    body: bytes | None = None
    key: str | None = None
    headers: dict[str, str] = field(default_factory=lambda: dict(ANONYMOUS))


class ResponseCache:
    def __init__(self, cache: BaseCache) -> None:
        self._cache, self._tags = cache, TagVersions(cache)
        self._skip_until = 0.0

    async def lookup(self, request: Request, operation: OperationLike) -> Lookup:
        if "authorization" in request.headers:
            return Lookup(headers=dict(PRIVATE))
        if not cacheable(operation.query, operation.operation_name):
            return Lookup()
        digest = request_digest(operation.query or "", operation.variables, operation.operation_name)
        body, key = await self._read(digest)
        return Lookup(public=True, body=body, key=key, headers=dict(PUBLIC))

    async def store(self, lookup: Lookup, outcome: OutcomeLike) -> None:
        """Give the response its caching headers; keep a complete public answer for the next requests."""
        payload = outcome.payload
        complete = outcome.status == 200 and isinstance(payload, dict) and "errors" not in payload
        outcome.headers.update(lookup.headers if complete or not lookup.public else ANONYMOUS)
        if lookup.key is None or not complete:
            return
        outcome.raw = orjson.dumps(payload)
        await self._guarded(self._cache.set(lookup.key, outcome.raw, ttl=STORE_SECONDS))

    async def _read(self, digest: str) -> tuple[bytes | None, str | None]:
        versions = await self._guarded(self._tags.versions(TAG))
        if versions is None:
            return None, None  # cache unavailable: serve from PostgreSQL, store nothing
        key = f"response:{TAG}:{versions[0]}:{digest}"
        body = await self._guarded(self._cache.get(key))
        return (body if isinstance(body, bytes) else None), key

    async def _guarded(self, call: Any) -> Any:
        """Run one cache call within its deadline; on failure log, back off, and answer None."""
        if time.monotonic() < self._skip_until:
            call.close()
            return None
        try:
            async with asyncio.timeout(CACHE_DEADLINE):
                return await call
        except Exception:
            self._skip_until = time.monotonic() + BACKOFF_SECONDS
            log.warning("response cache unavailable; serving from the database", exc_info=True)
            return None


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
