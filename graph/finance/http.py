"""Finance over plain HTTP: the payment gateway's webhook, the report CSVs and the annual chart.

The report routes use the same use cases (and so the same authorization) as their GraphQL fields; the
principal comes from the authentication middleware (request.state.principal)."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from graph.context import route_bundle
from graph.edge.errors import refusal_response
from graph.edge.protocol import RequestError, read_body
from graph.finance.chart import MEDIA_TYPES, render_annual_chart
from models.base import utcnow
from models.errors import DomainError, ValidationFailed
from models.sync.outbox import Origin
from resolvers.finance import reports
from resolvers.finance.gateway_webhook import receive_gateway_payment

MAX_WEBHOOK_BODY = 64_000


def _csv(rows: list[list[str]], filename: str) -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 4:
        raise ValidationFailed(f"{name} must be a whole number", field=name)
    return int(value)


def _answering(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except DomainError as error:
            return refusal_response(error)

    return endpoint


@_answering
async def revenue_csv(request: Request) -> Response:
    params = request.query_params
    year = _int(params.get("year"), "year")
    if year is None:
        raise ValidationFailed("year is required", field="year")
    period = reports.Period(
        year=year, month=_int(params.get("month"), "month"), quarter=_int(params.get("quarter"), "quarter")
    )
    report = await reports.agency_revenue_report(
        route_bundle(request, "agencyRevenueCsv"), period=period, agency_id=params.get("agencyId") or None
    )
    return _csv(reports.revenue_rows(report), f"revenue-{period.label}.csv")


@_answering
async def annual_export(request: Request) -> Response:
    year, fmt = _int(request.path_params["year"], "year"), request.path_params["format"]
    if fmt not in ("csv", *MEDIA_TYPES):
        return JSONResponse({"errors": [{"message": "Not found", "extensions": {"code": "NOT_FOUND"}}]}, 404)
    report = await reports.annual_report(route_bundle(request, f"annualReport{fmt.title()}"), year=year or 0)
    if fmt == "csv":
        return _csv(reports.annual_rows(report), f"annual-{report.year}.csv")
    image = await anyio.to_thread.run_sync(render_annual_chart, report, fmt)
    return Response(image, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "private, no-store"})


async def payments_webhook(request: Request) -> Response:
    """POST /webhooks/payments from the payment gateway (see README, Finance)."""
    services: Any = request.app.state.services
    secret = services.settings.webhook_secret
    if secret is None:
        error = {"message": "Payment webhook not configured", "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        return JSONResponse({"errors": [error]}, status_code=503)
    try:  # within the body time limit, like every route that reads a body
        body = await read_body(request, MAX_WEBHOOK_BODY, services.settings.body_timeout_seconds)
    except RequestError as exc:
        return JSONResponse(exc.payload(), exc.status, exc.headers)
    origin = Origin(operation="paymentsWebhook", actor="gateway", request_id=request.state.request_id)
    try:
        outcome = await receive_gateway_payment(
            services.bundle(None, origin),
            secret=secret,
            timestamp=request.headers.get("x-astro-timestamp"),
            signature=request.headers.get("x-astro-signature"),
            body=body,
            now=utcnow(),
            tolerance=services.settings.payment_webhook_tolerance_seconds,
        )
    except DomainError as error:
        response = refusal_response(error)
        if error.code == "NOT_FOUND":
            response.status_code = 422  # a well-signed event for an invoice we do not know
        return response
    return JSONResponse({"status": outcome})


def routes() -> list[Route]:
    return [
        Route("/webhooks/payments", payments_webhook, methods=["POST"]),
        Route("/reports/revenue.csv", revenue_csv, methods=["GET"]),
        Route("/reports/annual/{year}.{format}", annual_export, methods=["GET"]),
    ]
