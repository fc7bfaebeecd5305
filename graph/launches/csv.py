"""CSV exports over authenticated HTTP GET routes, using the same use cases (and so the same
authorization) as their GraphQL fields."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from graph.context import route_bundle
from graph.edge.errors import refusal_response, route_error
from models.errors import DomainError, ValidationFailed
from resolvers.launches.reports import booking_report, report_rows


async def launch_bookings_csv(request: Request) -> Response:
    try:
        call = route_bundle(request, "launchBookingsCsv")
        launch_id = request.path_params["launch_id"]
        if "\x00" in launch_id:
            raise ValidationFailed("launchId contains a NUL character", field="launchId")
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


def routes() -> list[Route]:
    return [Route("/reports/launches/{launch_id}/bookings.csv", launch_bookings_csv, methods=["GET"])]
