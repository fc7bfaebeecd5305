"""GET /confirm?token=...: the link of the confirmation email. It confirms the account and answers a plain
page saying so (or that the link is invalid or expired, or, while a store is down, to try again: 503 with
Retry-After): the user opens it from a mail client, not an app."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse

from graph.edge.errors import RETRY_AFTER_SECONDS, is_store_outage
from graph.services import Services
from models.accounts.errors import InvalidConfirmationToken
from models.sync.outbox import Origin
from resolvers.accounts.users import confirm_email

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""
INVALID = "This confirmation link is invalid or has expired. Sign in and ask for a new one."
UNAVAILABLE = "The service is briefly unavailable and your address is not confirmed yet. Open the link again shortly."
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def confirm_page(request: Request) -> HTMLResponse:
    services: Services = request.app.state.services
    origin = Origin(operation="confirmPage", request_id=request.scope.get("state", {}).get("request_id"))
    try:
        confirmed = await confirm_email(services.bundle(None, origin), token=request.query_params.get("token", ""))
    except InvalidConfirmationToken:
        return _page("Link not valid", INVALID, 400)
    except Exception as error:
        if not is_store_outage(error):
            raise
        return _page("Please try again", UNAVAILABLE, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    text = (
        f"Thank you, {confirmed.user.name}: the address {confirmed.user.email} is confirmed. You may close this page."
    )
    return _page("Email address confirmed", text, 200)


def _page(title: str, text: str, status: int, extra: dict[str, str] | None = None) -> HTMLResponse:
    body = PAGE.format(title=html.escape(title), text=html.escape(text))
    return HTMLResponse(body, status_code=status, headers={**HEADERS, **(extra or {})})
