"""Process-wide collaborators, built once in the app lifespan and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass

from aiocache.base import BaseCache

from auth.authenticate import Authenticator
from auth.revocation import RevocationList
from auth.tokens import TokenService
from graph.settings import Settings
from models import mongo
from models.cache import build_cache
from models.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    cache: BaseCache
    tokens: TokenService
    revocations: RevocationList
    authenticator: Authenticator

    @classmethod
    def build(cls, settings: Settings) -> Services:
        if not settings.database_url or not settings.mongodb_url:
            raise RuntimeError("DATABASE_URL and MONGODB_URL must be set (the `astro` command sets them)")
        db = Database(settings.database_url, pool_size=settings.db_pool_size)
        mongo.connect(settings.mongodb_url, settings.mongodb_db)
        cache = build_cache(settings.redis_url, settings.cache_namespace)
        tokens = TokenService(
            settings.jwt_keys,
            settings.jwt_active_kid,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        revocations = RevocationList(cache)
        return cls(
            settings=settings,
            db=db,
            cache=cache,
            tokens=tokens,
            revocations=revocations,
            authenticator=Authenticator(tokens, revocations),
        )

    async def close(self) -> None:
        await self.db.dispose()
        await self.cache.close()
        mongo.disconnect()
