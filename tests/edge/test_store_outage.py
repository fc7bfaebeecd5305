"""A store that cannot be reached answers a typed, masked error (SERVICE_UNAVAILABLE), never a bare 500."""

from __future__ import annotations

import httpx

from graph.app import create_app
from models.store import mongo
from tests.support.builders import make_user
from tests.support.graphql import error_codes

DOCUMENT_ID = "sha256:" + "0" * 64


async def test_postgres_down_gives_service_unavailable(settings):
    down = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/nowhere"})
    app = create_app(down)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            executed = await http.post("/graphql", json={"query": "{ launches(first: 1) { edges { cursor } } }"})
            assert executed.status_code == 200
            assert error_codes(executed.json()) == ["SERVICE_UNAVAILABLE"]
            assert "requestId" in executed.json()["errors"][0]["extensions"]
            by_id = await http.post("/graphql", json={"documentId": DOCUMENT_ID})
            assert by_id.status_code == 503 and by_id.headers["retry-after"] == "5"
            assert error_codes(by_id.json()) == ["SERVICE_UNAVAILABLE"]
            assert "Traceback" not in by_id.text and by_id.headers["content-type"].startswith("application/")


async def test_other_routes_answer_503_json_with_retry_after_while_postgres_is_down(settings, services):
    _, token = await make_user(services, "agency")
    down = settings.model_copy(update={"database_url": "postgresql://postgres@127.0.0.1:1/nowhere"})
    app = create_app(down)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            report = await http.get("/reports/launches/abc/bookings.csv", headers={"Authorization": f"Bearer {token}"})
            form = {"grant_type": "client_credentials", "client_id": "abc", "client_secret": "s"}
            oauth = await http.post("/oauth/token", data=form)
    mongo.connect(settings.mongodb_url or "", settings.mongodb_db)  # the connection is process-wide: give it back
    assert report.status_code == 503 and report.headers["retry-after"] == "5"
    assert error_codes(report.json()) == ["SERVICE_UNAVAILABLE"]
    assert oauth.status_code == 503 and oauth.headers["retry-after"] == "5"
    assert oauth.json()["error"] == "temporarily_unavailable"


async def test_a_report_id_with_a_nul_character_is_400_json(http, services):
    _, token = await make_user(services, "agency")
    response = await http.get("/reports/launches/ab%00cd/bookings.csv", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_an_unexpected_route_failure_is_500_json_with_the_request_id():
    from starlette.applications import Starlette
    from starlette.routing import Route

    from graph.edge.errors import unhandled

    async def broken(request):
        raise RuntimeError("boom")

    app = Starlette(routes=[Route("/broken", broken)], exception_handlers={Exception: unhandled})
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/broken")
    assert response.status_code == 500 and error_codes(response.json()) == ["INTERNAL_SERVER_ERROR"]
    assert "boom" not in response.text
