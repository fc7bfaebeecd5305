"""All configuration, read once at start-up from the environment (prefix ``ASTRO_`` or standard names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only signing secret. Production refuses to start while it is configured.
DEV_JWT_SECRET = "astro-development-signing-secret-not-for-production"  # noqa: S105
# Development-only secret the payment gateway signs webhooks with (used when none is set outside production).
DEV_WEBHOOK_SECRET = "astro-development-webhook-secret"  # noqa: S105


def _env(name: str) -> AliasChoices:
    return AliasChoices(f"ASTRO_{name}", name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASTRO_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    mongodb_url: str | None = Field(None, validation_alias=_env("MONGODB_URL"))
    mongodb_db: str = "astrobookings"
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    cache_namespace: str = "astro"
    data_dir: Path = Path(".astro")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    db_pool_size: int = 10
    # Where users reach this service: the base of links in emails (the account confirmation link).
    public_url: str = "http://127.0.0.1:8000"

    # Notifications (models/notifications, resolvers/notifications). smtp://user:pass@host:port, smtps://
    # for implicit TLS, ?starttls=true for STARTTLS. Unset in development: `astro serve` starts an embedded
    # SMTP server keeping every message under <data_dir>/mail/. Production refuses to start without it.
    smtp_url: str | None = None
    mail_from: str = "AstroBookings <no-reply@astrobookings.example>"
    smtp_timeout_seconds: float = 10.0
    notification_max_attempts: int = Field(8, ge=1, le=50)  # then the notification is `failed`
    notification_retry_seconds: float = 30.0  # first back-off; doubles per attempt, with jitter
    notification_send_interval_seconds: float = 5.0  # how often the worker runs the sender
    notification_batch: int = Field(50, ge=1, le=1000)
    # VIP early access: a newly scheduled launch is visible and bookable only to VIP travelers this long.
    vip_early_access_hours: float = Field(24.0, ge=0)

    # Signing keys: kid -> secret (>= 32 chars). Every key verifies; `jwt_active_kid` signs.
    jwt_keys: dict[str, str] = {"dev-1": DEV_JWT_SECRET}
    jwt_active_kid: str = "dev-1"
    jwt_issuer: str = "https://astrobookings.example/auth"
    jwt_audience: str = "astrobookings-api"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600

    graphiql: bool | None = None
    introspection: bool | None = None

    # The GraphQL edge (graph/http.py, graph/limits.py): every limit is built once with the schema.
    max_body_bytes: int = 100_000  # larger request bodies get 413
    max_depth: int = 15  # nesting of selections (GraphiQL's introspection query needs ~13)
    max_aliases: int = 30
    max_tokens: int = 1000  # lexical tokens in one document; the parser stops past it
    max_directives_per_field: int = 4
    max_cost: int = 5000  # fields weighted by list sizes (`first`/`last`/`limit`)
    default_list_size: int = 20  # assumed length of a list field that has no size argument
    batching: bool = False  # a JSON array body runs several operations
    max_batch_size: int = 10
    request_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 5.0  # a request body must arrive within this (slow or short bodies: 408)
    rate_limit_window_seconds: int = 60
    rate_limit_per_ip: int = 1000  # operations per window per client address; 0 disables
    rate_limit_per_user: int = 600  # operations per window per authenticated user or client; 0 disables
    safelist_only: bool = False  # every caller may run only registered (manifest) documents
    # The federated gateway's proof (scripts/gateway, graph/edge/gateway.py): requests carrying this shared
    # secret come from the gateway, which enforced trusted documents at the edge. Unset: nothing is trusted.
    gateway_secret: str | None = None
    apq_ttl_seconds: int = 7 * 24 * 3600  # automatic persisted queries kept in the cache
    usage_flush_seconds: float = 10.0  # partner usage counters are written to PostgreSQL this often
    oauth_require_https: bool | None = None  # default: in production only

    # The whole-response cache of anonymous catalogue queries (graph/edge/response_cache.py). False: every
    # query executes against PostgreSQL (answers are neither read from nor kept in it); headers are unchanged.
    response_cache: bool = True
    # While PostgreSQL is down, an anonymous catalogue query is answered with the last good answer kept for it
    # (marked stale: `X-Astro-Stale` header, `extensions.stale`) when it is at most this old; 0 turns it off.
    stale_catalogue_seconds: int = Field(300, ge=0, le=24 * 3600)
    # Compiled reads (graph/compiled/): uncached catalogue and occupancy queries run as one SQL statement that
    # builds the JSON. False: every query executes field by field through Strawberry.
    compiled_reads: bool = True

    # Subscriptions over graphql-transport-ws at /graphql (graph/edge/subscriptions.py).
    ws_allowed_origins: list[str] = []  # cross-origin pages allowed to open a socket (same origin always is)
    ws_max_subscriptions_per_connection: int = 10
    ws_max_connections_per_user: int = 5  # per instance: N instances admit up to N times this
    ws_auth_check_seconds: float = 10.0  # how often an open socket's token is checked for revocation
    ws_connection_init_timeout_seconds: float = 10.0

    # Workers (resolvers/sync/worker.py): `astro serve` runs one in-process unless this is false (run
    # `astro worker` processes instead). The relay is woken by NOTIFY and polls this often regardless.
    run_worker: bool = True
    worker_poll_seconds: float = 5.0
    worker_standby_seconds: float = 2.0  # how often a standing-by relay tries to take over
    # The relay starts a delivery round at most this often: events committed meanwhile share one round
    # (a few statements per round instead of per event), at the cost of up to this much added lag.
    worker_round_seconds: float = 0.1
    # The payment gateway's webhook (POST /webhooks/payments): HMAC-SHA256 shared secret, timestamp tolerance.
    # Production has no default: until a secret is set, every webhook call is refused (503).
    payment_webhook_secret: str | None = None
    payment_webhook_tolerance_seconds: int = 300
    # The simulated payment gateway's delay for every charge and refund (models/bookings/gateway.py), so
    # benchmarks and tests can give it a real processor's latency. Refused in production (a real gateway).
    simulated_gateway_latency_ms: int = Field(0, ge=0, le=60_000)

    # System log (models/monitoring/logs.py): entries older than this are removed by the worker, hourly.
    log_retention_days: int = Field(default=90, ge=1)
    # Synchronisation runs (resolvers/sync/runs.py): how often workers look for queued runs, and how long a
    # claimed run stays its worker's without a heartbeat before another worker takes it over.
    sync_poll_seconds: float = 2.0
    sync_lease_seconds: float = 60.0
    sync_max_attempts: int = 2  # claims of one run (the first included) before it is failed as abandoned
    # Worker heartbeats (resolvers/sync/worker.py -> the `workers` table): how often each worker records one;
    # health calls a worker stale (degraded) after three missed beats.
    worker_heartbeat_seconds: float = Field(10.0, gt=0)

    # Operators (graph/edge/telemetry.py, README "Operators"). Prometheus metrics at /metrics; with a token
    # set, /metrics requires it as a bearer token. Production refuses to start with metrics on and no token.
    metrics: bool = True
    metrics_token: str | None = None
    # Process log lines: "json" (one object per line) or "text"; default json in production, text otherwise.
    log_format: Literal["json", "text"] | None = None
    log_level: str = "INFO"
    # OpenTelemetry tracing: on when true, or when unset and OTEL_EXPORTER_OTLP_ENDPOINT is set (the OTLP/HTTP
    # exporter reads the standard OTEL_* variables). Off: no span is ever built.
    tracing: bool | None = None
    otel_exporter_otlp_endpoint: str | None = Field(None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT"))

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.jwt_active_kid not in self.jwt_keys:
            raise ValueError(f"jwt_active_kid {self.jwt_active_kid!r} is not in jwt_keys")
        if any(len(secret) < 32 for secret in self.jwt_keys.values()):
            raise ValueError("every jwt key secret must be at least 32 characters")
        if self.is_production and DEV_JWT_SECRET in self.jwt_keys.values():
            raise ValueError("production refuses to start with the default development signing key")
        if self.is_production and self.payment_webhook_secret == DEV_WEBHOOK_SECRET:
            raise ValueError("production refuses to start with the development payment webhook secret")
        if self.gateway_secret is not None and len(self.gateway_secret) < 32:
            raise ValueError("gateway_secret must be at least 32 characters")
        if self.payment_webhook_secret is not None and len(self.payment_webhook_secret) < 16:
            raise ValueError("payment_webhook_secret must be at least 16 characters")
        if self.is_production and not self.smtp_url:
            raise ValueError("production refuses to start without ASTRO_SMTP_URL (notifications are emailed)")
        if self.is_production and self.simulated_gateway_latency_ms:
            raise ValueError("ASTRO_SIMULATED_GATEWAY_LATENCY_MS applies to the simulated gateway only, not production")
        if self.is_production and self.metrics and not self.metrics_token:
            raise ValueError(
                "production refuses to start without ASTRO_METRICS_TOKEN (or with metrics off: ASTRO_METRICS=false)"
            )
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ValueError("metrics_token must be at least 16 characters")
        return self

    @property
    def json_logs(self) -> bool:
        return self.is_production if self.log_format is None else self.log_format == "json"

    @property
    def tracing_enabled(self) -> bool:
        return bool(self.otel_exporter_otlp_endpoint) if self.tracing is None else self.tracing

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def webhook_secret(self) -> str | None:
        """The payment gateway's shared secret: the development one outside production when none is set."""
        if self.payment_webhook_secret is None and not self.is_production:
            return DEV_WEBHOOK_SECRET
        return self.payment_webhook_secret

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @property
    def oauth_https_required(self) -> bool:
        return self.is_production if self.oauth_require_https is None else self.oauth_require_https


@lru_cache
def get_settings() -> Settings:
    return Settings()
