"""A store that cannot be reached answers a typed, masked error (SERVICE_UNAVAILABLE), never a bare 500."""

from __future__ import annotations

import httpx

from graph.app import create_app
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
