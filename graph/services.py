"""Process-wide collaborators, built once in the app lifespan and shared by every request."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from aiocache.base import BaseCache

from auth.authenticate import Authenticator
from auth.principal import Principal
from auth.revocation import RevocationList, RevocationMirror
from auth.services import AuthServices
from auth.throttle import LoginThrottle, RequestQuota
from auth.tokens import TokenService
from graph.edge.apq import PersistedQueryStore
from graph.edge.documents import TrustedDocuments
from graph.edge.oauth import TokenServer
from graph.edge.rate_limit import RateLimiter
from graph.edge.response_cache import ResponseCache
from graph.edge.telemetry import instrument_pool
from graph.settings import Settings
from models.accounts.revocations import LIVE, DurableRevocations
from models.bookings.gateway import PaymentGateway, SimulatedGateway
from models.launches.catalogue_cache import TAG as CATALOGUE_TAG
from models.monitoring import tracing
from models.notifications.mail import Mailer, SmtpTarget
from models.store import mongo
from models.store.cache import TagVersions, build_cache
from models.store.db import Database
from models.store.pubsub import LiveBroker, build_broker
from models.store.signals import SignalListener, distrust_message
from models.sync.outbox import Origin
from resolvers.partners.persisted import UsageRecorder
from resolvers.request import RequestBundle


@dataclass
class Services:
    settings: Settings
    db: Database
    cache: BaseCache
    tokens: TokenService
    revocations: RevocationList
    authenticator: Authenticator
    auth: AuthServices  # authentication use cases: tokens, revocations, login throttle, refresh lifetime
    payments: PaymentGateway  # bookings: the simulated gateway until a real processor is configured
    tags: TagVersions  # cache tag versions ("catalogue" is bumped by every change the catalogue shows)
    apq: PersistedQueryStore  # automatic persisted queries, shared through the cache
    trusted: TrustedDocuments  # manifest documents, for the global safelist
    rate_limiter: RateLimiter  # per-IP and per-user operation counters in the cache
    usage: UsageRecorder  # partner usage counters, flushed to PostgreSQL
    oauth: TokenServer  # POST /oauth/token (client credentials)
    mailer: Mailer  # notification email (ASTRO_SMTP_URL); the queue's sender uses it
    response_cache: ResponseCache  # whole responses of anonymous catalogue queries (graph/response_cache.py)
    live: LiveBroker  # subscriptions' messages: one Redis pub/sub connection per process, local fan-out
    signals: SignalListener  # LISTEN on PostgreSQL: revocations and cache distrust from every instance

    @classmethod
    def build(cls, settings: Settings) -> Services:
        if not settings.database_url or not settings.mongodb_url:
            raise RuntimeError("DATABASE_URL and MONGODB_URL must be set (the `astro` command sets them)")
        traced = tracing.tracer() is not None  # graph/edge/telemetry.py: configured before the services
        cache: BaseCache = build_cache(settings.redis_url, settings.cache_namespace)
        # The response cache reads the cache untraced: its hit or miss is an attribute of the request's span
        # (a span of its own would double the cost of tracing a cache hit, the cheapest request there is).
        untraced = cache
        if traced:
            cache = cast(BaseCache, tracing.TracedCache(cache))
        tags = TagVersions(cache)
        response_cache = ResponseCache(
            untraced, tags=tags, enabled=settings.response_cache, stale_seconds=settings.stale_catalogue_seconds
        )
        db = Database(settings.database_url, tags=tags, pool_size=settings.db_pool_size)
        if traced:
            tracing.instrument_engine(db.engine)
        if settings.metrics:
            instrument_pool(db.engine)
        mongo.connect(settings.mongodb_url, settings.mongodb_db, listeners=[tracing.MONGO_LISTENER] if traced else [])
        tokens = TokenService(
            settings.jwt_keys,
            settings.jwt_active_kid,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
        )
        mirror = RevocationMirror()
        revocations = RevocationList(cache, DurableRevocations(db), mirror)

        async def announce(tag: str) -> None:
            await db.signal(distrust_message(tag))

        tags.announce = announce

        def on_message(payload: str) -> None:
            kind, _, rest = payload.partition(" ")
            if kind == "revoked":
                until, _, key = rest.partition(" ")
                mirror.add(key, int(until))
            elif kind == "unrevoked":
                mirror.remove(rest)
            elif kind == "distrust":
                tags.distrust(rest)

        async def on_connect(conn: Any) -> None:
            # Whatever was said while this process was not listening is unknown: reload and distrust.
            mirror.replace({row[0]: int(row[1]) for row in await conn.fetch(str(LIVE))})
            tags.distrust(CATALOGUE_TAG)

        signals = SignalListener(db.dsn, on_message=on_message, on_connect=on_connect)
        return cls(
            settings=settings,
            db=db,
            cache=cache,
            tokens=tokens,
            revocations=revocations,
            authenticator=Authenticator(tokens, revocations),
            auth=AuthServices(
                tokens=tokens,
                revocations=revocations,
                throttle=LoginThrottle(cache),
                refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
                public_url=settings.public_url,
                log_links=not settings.is_production,
                reset_per_account=RequestQuota(cache, name="reset-account", limit=3, window=3600),
                reset_per_address=RequestQuota(cache, name="reset-address", limit=20, window=3600),
            ),
            payments=SimulatedGateway(latency_seconds=settings.simulated_gateway_latency_ms / 1000),
            tags=tags,
            apq=PersistedQueryStore(cache, ttl_seconds=settings.apq_ttl_seconds),
            trusted=TrustedDocuments(db),
            rate_limiter=RateLimiter(
                cache,
                window=settings.rate_limit_window_seconds,
                per_ip=settings.rate_limit_per_ip,
                per_user=settings.rate_limit_per_user,
            ),
            usage=UsageRecorder(db, flush_seconds=settings.usage_flush_seconds),
            oauth=TokenServer(tokens),
            response_cache=response_cache,
            mailer=build_mailer(settings),
            live=build_broker(settings.redis_url, settings.cache_namespace),
            signals=signals,
        )

    async def start(self, wait_seconds: float = 3.0) -> None:
        """Start listening for other instances' signals; wait (briefly) until listening, so the first requests
        already see every revocation. With PostgreSQL down it goes on trying in the background."""
        self.signals.start()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.signals.tried.wait(), wait_seconds)

    def bundle(self, principal: Principal | None, origin: Origin) -> RequestBundle:
        """What a use case needs to serve one call: the caller, the change's origin and these services."""
        return RequestBundle(
            principal=principal,
            origin=origin,
            db=self.db,
            payments=self.payments,
            auth=self.auth,
            vip_window=timedelta(hours=self.settings.vip_early_access_hours),
        )

    async def close(self) -> None:
        await self.signals.stop()
        await self.usage.close()
        await self.live.close()
        await self.db.dispose()
        await self.cache.close()
        mongo.disconnect()


def build_mailer(settings: Settings) -> Mailer:
    return Mailer(
        target=SmtpTarget.parse(settings.smtp_url) if settings.smtp_url else None,
        sender=settings.mail_from,
        timeout=settings.smtp_timeout_seconds,
        max_attempts=settings.notification_max_attempts,
        retry_seconds=settings.notification_retry_seconds,
    )
