"""CSV exports over authenticated HTTP GET routes, using the same use cases (and so the same
authorization) as their GraphQL fields."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.principal import Principal
from graph.edge.errors import route_error
from models.errors import DomainError, Unauthenticated, ValidationFailed
from models.sync.outbox import Origin
from resolvers.launches.reports import booking_report, report_rows

STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404}


def refusal_response(error: DomainError) -> JSONResponse:
    status = STATUS.get(error.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    return JSONResponse(body, status_code=status, headers=headers)


async def launch_bookings_csv(request: Request) -> Response:
    services = request.app.state.services
    principal = request.state.principal  # set by the authentication middleware
    try:
        if principal is None:
            raise Unauthenticated(request.state.auth_error or "Authentication required")
        launch_id = request.path_params["launch_id"]
        if "\x00" in launch_id:
            raise ValidationFailed("launchId contains a NUL character", field="launchId")
        call = services.bundle(principal, route_origin(request, principal))
        report = await booking_report(call, launch_id=launch_id)
    except DomainError as error:
        return refusal_response(error)
    except Exception as exc:  # a store outage answers 503 with Retry-After, in this route's JSON format
        return route_error(request, exc)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(report_rows(report))
    headers = {
        "Content-Disposition": f'attachment; filename="launch-{report.launch.id}-bookings.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def route_origin(request: Request, principal: Principal) -> Origin:
    """Stamped like a GraphQL field's origin: this route, this caller, this request."""
    actor = f"{principal.role}:{principal.id}"
    return Origin(operation="launchBookingsCsv", actor=actor, request_id=request.state.request_id)


def routes() -> list[Route]:
    return [Route("/reports/launches/{launch_id}/bookings.csv", launch_bookings_csv, methods=["GET"])]
