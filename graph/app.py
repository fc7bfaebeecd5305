"""The ASGI application: routes, middleware and the lifespan that owns every store connection."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import replace

from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.accounts.confirm_page import confirm_page
from graph.accounts.reset_page import reset_page
from graph.edge import gateway
from graph.edge.authentication import AuthenticationMiddleware
from graph.edge.errors import unhandled
from graph.edge.fast_lane import FastLane
from graph.edge.graphiql import graphiql_asset
from graph.edge.health import healthz, readyz
from graph.edge.http import graphql_endpoint
from graph.edge.limits import Limits
from graph.edge.oauth import token_endpoint
from graph.edge.subscriptions import SubscriptionEndpoint
from graph.edge.telemetry import (
    TelemetryMiddleware,
    configure_logging,
    configure_tracing,
    metrics_endpoint,
    process_exited,
)
from graph.edge.telemetry import request_id as telemetry_request_id
from graph.finance import http as finance_http
from graph.launches import csv as reports
from graph.monitoring import export as log_export
from graph.schema import build_schema
from graph.services import Services
from graph.settings import Settings, get_settings
from models.monitoring import telemetry, tracing
from models.store.db import Database
from resolvers.sync.worker import Worker

log = logging.getLogger("astro")


class RequestIdMiddleware:
    """Honours a well-formed X-Request-ID or makes one; echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = telemetry_request_id(dict(scope["headers"]).get(b"x-request-id", b""))
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        with telemetry.log_context(request_id=request_id):  # every process log line of this request
            await self.app(scope, receive, send_with_id)


# The in-process worker's own PostgreSQL connections: under load the requests keep the app's pool busy, and the
# relay's rounds would queue behind them for a connection at every step.
WORKER_POOL_SIZE = 3


def build_worker(services: Services, settings: Settings) -> Worker:
    return Worker(
        services,
        poll_seconds=settings.worker_poll_seconds,
        standby_seconds=settings.worker_standby_seconds,
        round_seconds=settings.worker_round_seconds,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = Services.build(settings)
        app.state.services = services
        worker = None
        if settings.run_worker:
            own = Database(settings.database_url or "", tags=services.tags, pool_size=WORKER_POOL_SIZE)
            worker = build_worker(replace(services, db=own), settings)
        app.state.worker = worker
        try:
            await services.start()
            if worker:
                await worker.start()
            yield
        finally:
            if worker:
                await worker.stop()
                await worker.services.db.dispose()
            await services.close()
            process_exited()

    if tracing.tracer() is None:
        configure_tracing(settings)  # on when the settings ask (tests and the bench may have configured it)
    schema = build_schema(
        production=settings.is_production, limits=Limits.from_settings(settings), tracing=tracing.tracer() is not None
    )
    app = Starlette(
        routes=[
            # Every method reaches the endpoint, which answers 405 with `Allow` in GraphQL's JSON shape.
            Route("/graphql", graphql_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
            # Subscriptions: graphql-transport-ws on the same path (graph/edge/subscriptions.py).
            WebSocketRoute("/graphql", SubscriptionEndpoint(schema, settings)),
            Route("/oauth/token", token_endpoint, methods=["POST"]),
            Route("/graphiql/static/{name}", graphiql_asset, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route("/confirm", confirm_page, methods=["GET"]),
            Route("/reset-password", reset_page, methods=["GET"]),
            *reports.routes(),
            *finance_http.routes(),
            *log_export.routes(),
            *gateway.routes(),
        ],
        lifespan=lifespan,
        exception_handlers={Exception: unhandled},
    )
    app.state.schema = schema
    # The last added runs first: the request id is known before anything else happens.
    app.add_middleware(
        AuthenticationMiddleware,
        authenticator=lambda: app.state.services.authenticator,
        rate_limiter=lambda: app.state.services.rate_limiter,
        counted_paths=frozenset({"/graphql"}),
        gateway_secret=settings.gateway_secret,
    )
    app.add_middleware(TelemetryMiddleware, metrics=settings.metrics)
    app.add_middleware(RequestIdMiddleware)
    # Anonymous catalogue cache hits are answered before anything else runs (graph/edge/fast_lane.py).
    app.add_middleware(
        FastLane,
        services=lambda: app.state.services,
        metrics=settings.metrics,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_seconds=settings.body_timeout_seconds,
    )
    return app


def serve_app() -> Starlette:
    """The app as `astro serve` runs it (uvicorn's factory, once per worker process): process logs as the
    settings say (JSON lines in production), then the app."""
    settings = get_settings()
    configure_logging(settings)
    return create_app(settings)
